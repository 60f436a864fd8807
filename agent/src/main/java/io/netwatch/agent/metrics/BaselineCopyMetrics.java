package io.netwatch.agent.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.agent.baseline.BaselineCopy;
import io.netwatch.common.metrics.FunctionMeters;

/** The agent's copy of the aggregator's edge baselines: its size, the snapshots applied, what was skipped. */
public final class BaselineCopyMetrics implements MeterBinder {
    private final BaselineCopy copy;

    public BaselineCopyMetrics(BaselineCopy copy) {
        this.copy = copy;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionMeters meters = new FunctionMeters(registry);
        meters.gauge("netwatch.baseline.copy.edges", copy, BaselineCopy::size,
                "Edges in the agent's copy of the aggregator's baselines");
        meters.counter("netwatch.baseline.copy.snapshots", copy, BaselineCopy::snapshots, "Baseline snapshots applied");
        skipped(meters, "malformed", BaselineCopy::malformed);
        skipped(meters, "over_capacity", BaselineCopy::leftOut);
        meters.counter("netwatch.baseline.copy.cut.short", copy, BaselineCopy::cutShort,
                "Baseline snapshots abandoned because a part was missing or out of order (the old copy stays)");
    }

    private void skipped(FunctionMeters meters, String reason, java.util.function.ToDoubleFunction<BaselineCopy> f) {
        meters.counter("netwatch.baseline.copy.skipped.edges", copy, f, "Pushed edges left out of the copy, by reason",
                "reason", reason);
    }
}
