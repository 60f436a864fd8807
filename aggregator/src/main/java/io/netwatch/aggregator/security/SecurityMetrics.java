package io.netwatch.aggregator.security;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.common.metrics.FunctionMeters;

/** Meters of the aggregator's authentication: refusals by where they happened. No per-client tags. */
public final class SecurityMetrics implements MeterBinder {
    private final SecurityCounters counters;

    public SecurityMetrics(SecurityCounters counters) {
        this.counters = counters;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionMeters meters = new FunctionMeters(registry);
        meters.counter("netwatch.tls.handshakes.refused", counters, SecurityCounters::handshakesRefused,
                "TLS handshakes failed on a client certificate the client CA does not verify");
        meters.counter("netwatch.auth.refused.calls", counters, SecurityCounters::ingestRefused,
                "Calls refused UNAUTHENTICATED", "service", "ingest");
        meters.counter("netwatch.auth.refused.calls", counters, SecurityCounters::queryRefused,
                "Calls refused UNAUTHENTICATED", "service", "query");
        meters.counter("netwatch.security.reload.failures", counters, SecurityCounters::reloadFailures,
                "Failed rereads of the certificate, key, CA or token files; the previous ones stay in force");
    }
}
