package io.netwatch.aggregator.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.aggregator.store.AnomalyCounts;
import io.netwatch.aggregator.store.BoundedLog;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.proto.anomaly.v1.Severity;

/**
 * The embedded store: what it holds, what fell off, and the anomalies it took by type and
 * severity (a fixed set of label values, {@link AnomalyCounts}).
 */
public final class StoreMetrics implements MeterBinder {
    private final FlowStore store;

    public StoreMetrics(FlowStore store) {
        this.store = store;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        log(registry, "flows", store.flows());
        log(registry, "anomalies", store.anomalies());
        AnomalyCounts counts = store.anomalyCounts();
        for (String type : AnomalyCounts.TYPES) {
            anomalies(registry, counts, type);
        }
        anomalies(registry, counts, AnomalyCounts.OTHER);
    }

    private static void log(MeterRegistry registry, String kind, BoundedLog<?> log) {
        Gauge.builder("netwatch.store.records", log, BoundedLog::size).tag("kind", kind)
                .description("Records held in the embedded store").register(registry);
        FunctionCounter.builder("netwatch.store.evicted.records", log, BoundedLog::evicted).tag("kind", kind)
                .description("Records that fell off the store (count bound or age)").register(registry);
    }

    private static void anomalies(MeterRegistry registry, AnomalyCounts counts, String type) {
        for (Severity severity : AnomalyCounts.severityValues()) {
            FunctionCounter.builder("netwatch.anomalies", counts, c -> c.count(type, severity))
                    .tag("type", type).tag("severity", AnomalyCounts.label(severity))
                    .description("Anomalies stored (from agents and the aggregator's own detectors), by type and"
                            + " severity").register(registry);
        }
    }
}
