package io.netwatch.aggregator.baseline;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.common.metrics.FunctionMeters;
import java.util.function.ToDoubleFunction;

/** Meters of the baselines: size, learning state, new edges, evictions, the file. No per-edge tags. */
public final class BaselineMetrics implements MeterBinder {
    private final Baselines baselines;

    public BaselineMetrics(Baselines baselines) {
        this.baselines = baselines;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionMeters meters = new FunctionMeters(registry);
        meters.gauge("netwatch.baseline.edges", baselines, b -> b.stats().edges(), "Edges in the baseline");
        meters.gauge("netwatch.baseline.workloads", baselines, b -> b.stats().workloads(),
                "Workloads whose first sighting is remembered");
        meters.gauge("netwatch.baseline.learning", baselines, b -> b.stats().learning() ? 1 : 0,
                "1 while the global learning period runs");
        counter(meters, "netwatch.baseline.new.edges", "New edges after learning", Baselines::newEdges);
        counter(meters, "netwatch.baseline.new.edges.unreported",
                "New edges learned without a new_edge anomaly (per-minute cap)", Baselines::newEdgesUnreported);
        counter(meters, "netwatch.baseline.lateral.movements", "lateral_movement anomalies raised",
                Baselines::lateralRaised);
        evictions(meters, "edges", b -> b.stats().edgesEvicted());
        evictions(meters, "workloads", b -> b.stats().workloadsEvicted());
        evictions(meters, "lateral", b -> b.stats().lateralEvicted());
        counter(meters, "netwatch.baseline.expired.edges",
                "Edges forgotten because they went unused for longer than baseline.edge_expiry",
                b -> b.stats().edgesExpired());
        counter(meters, "netwatch.baseline.clock.steps",
                "Steps of the aggregator's wall clock over a minute, either way, beyond the time that passed",
                b -> b.stats().clockSteps());
        counter(meters, "netwatch.baseline.dropped.flows", "Flows not learned because the baseline queue was full",
                Baselines::dropped);
        counter(meters, "netwatch.baseline.unnamed.flows", "Flows left out: an end had no usable name",
                Baselines::unnamed);
        counter(meters, "netwatch.baseline.file.writes", "Baseline file writes", Baselines::saves);
        counter(meters, "netwatch.baseline.file.write.failures", "Baseline file writes that failed",
                Baselines::saveFailures);
        counter(meters, "netwatch.baseline.file.load.failures",
                "Baseline files found damaged at start (moved aside, learning again)", Baselines::loadFailures);
        counter(meters, "netwatch.baseline.file.skipped.entries",
                "Entries of the baseline file left out at start because they were not well formed",
                Baselines::restoreSkipped);
    }

    private void counter(FunctionMeters meters, String name, String description, ToDoubleFunction<Baselines> f) {
        meters.counter(name, baselines, f, description);
    }

    private void evictions(FunctionMeters meters, String table, ToDoubleFunction<Baselines> f) {
        meters.counter("netwatch.baseline.evictions", baselines, f,
                "Entries forgotten to stay within the bounds, by table", "table", table);
    }
}
