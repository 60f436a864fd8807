package io.netwatch.aggregator.baseline;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;

/** Meters of the baselines: size, learning state, new edges, evictions, the file. No per-edge tags. */
public final class BaselineMetrics implements MeterBinder {
    private final Baselines baselines;

    public BaselineMetrics(Baselines baselines) {
        this.baselines = baselines;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("netwatch.baseline.edges", baselines, b -> b.stats().edges())
                .description("Edges in the baseline").register(registry);
        Gauge.builder("netwatch.baseline.workloads", baselines, b -> b.stats().workloads())
                .description("Workloads whose first sighting is remembered").register(registry);
        Gauge.builder("netwatch.baseline.learning", baselines, b -> b.stats().learning() ? 1 : 0)
                .description("1 while the global learning period runs").register(registry);
        counter(registry, "netwatch.baseline.new.edges", "New edges after learning", Baselines::newEdges);
        counter(registry, "netwatch.baseline.new.edges.unreported",
                "New edges learned without a new_edge anomaly (per-minute cap)", Baselines::newEdgesUnreported);
        counter(registry, "netwatch.baseline.lateral.movements", "lateral_movement anomalies raised",
                Baselines::lateralRaised);
        evictions(registry, "edges", b -> b.stats().edgesEvicted());
        evictions(registry, "workloads", b -> b.stats().workloadsEvicted());
        evictions(registry, "lateral", b -> b.stats().lateralEvicted());
        counter(registry, "netwatch.baseline.dropped.flows", "Flows not learned because the baseline queue was full",
                Baselines::dropped);
        counter(registry, "netwatch.baseline.unnamed.flows", "Flows left out: an end had no usable name",
                Baselines::unnamed);
        counter(registry, "netwatch.baseline.file.writes", "Baseline file writes", Baselines::saves);
        counter(registry, "netwatch.baseline.file.write.failures", "Baseline file writes that failed",
                Baselines::saveFailures);
        counter(registry, "netwatch.baseline.file.load.failures",
                "Baseline files found damaged at start (moved aside, learning again)", Baselines::loadFailures);
    }

    private void counter(MeterRegistry registry, String name, String description, ToDoubleFunction<Baselines> f) {
        FunctionCounter.builder(name, baselines, f).description(description).register(registry);
    }

    private void evictions(MeterRegistry registry, String table, ToDoubleFunction<Baselines> f) {
        FunctionCounter.builder("netwatch.baseline.evictions", baselines, f).tag("table", table)
                .description("Entries forgotten to stay within the bounds, by table").register(registry);
    }
}
