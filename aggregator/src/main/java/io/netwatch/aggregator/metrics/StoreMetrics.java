package io.netwatch.aggregator.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.aggregator.store.BoundedLog;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.common.metrics.AnomalyCounts;
import io.netwatch.common.metrics.FunctionMeters;

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
        FunctionMeters meters = new FunctionMeters(registry);
        log(meters, "flows", store.flows());
        log(meters, "anomalies", store.anomalies());
        store.anomalyCounts().register(registry,
                "Anomalies stored (from agents and the aggregator's own detectors), by type and severity");
        meters.counter("netwatch.store.listener.failures", store, FlowStore::listenerFailures,
                "Calls to the store's listeners (detectors, incidents) that threw; the record was stored all the same");
    }

    private static void log(FunctionMeters meters, String kind, BoundedLog<?> log) {
        meters.gauge("netwatch.store.records", log, BoundedLog::size, "Records held in the embedded store",
                "kind", kind);
        meters.gauge("netwatch.store.bytes", log, BoundedLog::bytes,
                "Encoded bytes of the records held in the embedded store, less the pods' and Services' workloads"
                        + " the aggregator named them with", "kind", kind);
        meters.counter("netwatch.store.evicted.records", log, BoundedLog::evicted,
                "Records that fell off the store (count or byte bound, or age)", "kind", kind);
    }
}
