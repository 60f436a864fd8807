package io.netwatch.aggregator.security;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/** Meters of the aggregator's authentication: refusals by where they happened. No per-client tags. */
public final class SecurityMetrics implements MeterBinder {
    private final SecurityCounters counters;

    public SecurityMetrics(SecurityCounters counters) {
        this.counters = counters;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("netwatch.tls.handshakes.refused", counters, SecurityCounters::handshakesRefused)
                .description("TLS handshakes failed on a client certificate the client CA does not verify")
                .register(registry);
        FunctionCounter.builder("netwatch.auth.refused.calls", counters, SecurityCounters::ingestRefused)
                .tag("service", "ingest").description("Calls refused UNAUTHENTICATED")
                .register(registry);
        FunctionCounter.builder("netwatch.auth.refused.calls", counters, SecurityCounters::queryRefused)
                .tag("service", "query").description("Calls refused UNAUTHENTICATED")
                .register(registry);
        FunctionCounter.builder("netwatch.security.reload.failures", counters, SecurityCounters::reloadFailures)
                .description("Failed rereads of the certificate, key, CA or token files; the previous ones stay in force")
                .register(registry);
    }
}
