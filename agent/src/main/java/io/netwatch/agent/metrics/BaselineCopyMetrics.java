package io.netwatch.agent.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.agent.baseline.BaselineCopy;

/** The agent's copy of the aggregator's edge baselines: its size, the snapshots applied, what was skipped. */
public final class BaselineCopyMetrics implements MeterBinder {
    private final BaselineCopy copy;

    public BaselineCopyMetrics(BaselineCopy copy) {
        this.copy = copy;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("netwatch.baseline.copy.edges", copy, BaselineCopy::size)
                .description("Edges in the agent's copy of the aggregator's baselines").register(registry);
        FunctionCounter.builder("netwatch.baseline.copy.snapshots", copy, BaselineCopy::snapshots)
                .description("Baseline snapshots applied").register(registry);
        skipped(registry, "malformed", BaselineCopy::malformed);
        skipped(registry, "over_capacity", BaselineCopy::leftOut);
        FunctionCounter.builder("netwatch.baseline.copy.cut.short", copy, BaselineCopy::cutShort)
                .description("Baseline snapshots abandoned because a part was missing or out of order (the old copy "
                        + "stays)").register(registry);
    }

    private void skipped(MeterRegistry registry, String reason, java.util.function.ToDoubleFunction<BaselineCopy> f) {
        FunctionCounter.builder("netwatch.baseline.copy.skipped.edges", copy, f).tag("reason", reason)
                .description("Pushed edges left out of the copy, by reason").register(registry);
    }
}
