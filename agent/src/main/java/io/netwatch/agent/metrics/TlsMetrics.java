package io.netwatch.agent.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.agent.export.TlsRereads;
import io.netwatch.common.metrics.FunctionMeters;

/** The agent's TLS files: rereads that failed (zero without TLS). Named as the aggregator's. */
public final class TlsMetrics implements MeterBinder {
    private final TlsRereads rereads;

    public TlsMetrics(TlsRereads rereads) {
        this.rereads = rereads;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        new FunctionMeters(registry).counter("netwatch.security.reload.failures", rereads, TlsRereads::failures,
                "Failed rereads of the certificate, key or CA files; the previous ones stay in force");
    }
}
