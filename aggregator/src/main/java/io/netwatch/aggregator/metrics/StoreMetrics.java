package io.netwatch.aggregator.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.common.metrics.AnomalyCounts;
import io.netwatch.aggregator.store.BoundedLog;
import io.netwatch.aggregator.store.FlowStore;

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
        store.anomalyCounts().register(registry,
                "Anomalies stored (from agents and the aggregator's own detectors), by type and severity");
        FunctionCounter.builder("netwatch.store.listener.failures", store, FlowStore::listenerFailures)
                .description("Calls to the store's listeners (detectors, incidents) that threw; the record was "
                        + "stored all the same").register(registry);
    }

    private static void log(MeterRegistry registry, String kind, BoundedLog<?> log) {
        Gauge.builder("netwatch.store.records", log, BoundedLog::size).tag("kind", kind)
                .description("Records held in the embedded store").register(registry);
        FunctionCounter.builder("netwatch.store.evicted.records", log, BoundedLog::evicted).tag("kind", kind)
                .description("Records that fell off the store (count bound or age)").register(registry);
    }
}
