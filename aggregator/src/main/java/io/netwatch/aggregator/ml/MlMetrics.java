package io.netwatch.aggregator.ml;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.common.metrics.FunctionMeters;
import java.util.concurrent.TimeUnit;

/**
 * The {@code ml_outlier} detector: windows scored and learned, outliers, the forest and the
 * actors it tracks, what it dropped, and the time to score a window. No label carries an
 * actor, address or workload.
 */
public final class MlMetrics implements MeterBinder {
    private final MlDetector detector;

    public MlMetrics(MlDetector detector) {
        this.detector = detector;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionMeters meters = new FunctionMeters(registry);
        FeatureWindows w = detector.windows();
        meters.counter("netwatch.ml.windows.scored", detector, MlDetector::windowsScored,
                "Actor windows scored by the warm forest");
        meters.counter("netwatch.ml.windows.warming", detector, MlDetector::windowsWarming,
                "Actor windows learned before the forest was warm (not scored)");
        meters.counter("netwatch.ml.outliers", detector, MlDetector::outliers,
                "Windows scored above the threshold (ml_outlier anomalies raised)");
        meters.counter("netwatch.ml.windows.saturated", w, FeatureWindows::saturatedWindows,
                "Windows in which a distinct count (peers, ports) hit its cap");
        meters.gauge("netwatch.ml.forests", detector, d -> 1, "Random Cut Forests held (one, shared by every actor)");
        meters.gauge("netwatch.ml.actors", w, FeatureWindows::actors, "Actors with an open window");
        meters.counter("netwatch.ml.actors.evicted", w, FeatureWindows::evicted,
                "Actors whose open window was dropped because ml.max_actors were open");
        meters.counter("netwatch.ml.flows.dropped", detector, MlDetector::dropped,
                "Stored flows the detector dropped because its queue was full");
        meters.counter("netwatch.ml.flows.invalid", w, FeatureWindows::invalid,
                "Flows refused: no address, or a time before 1970 or over an hour past receipt");
        meters.counter("netwatch.ml.flows.clock.ahead", w, FeatureWindows::clockAhead,
                "Flows whose time was after their receipt (an agent's clock ahead), taken at their receipt");
        meters.counter("netwatch.ml.failures", detector, MlDetector::failures,
                "Flows or windows whose handling threw (each skipped)");
        Timer scoring = Timer.builder("netwatch.ml.scoring")
                .description("Time to score a window and explain it when it is an outlier")
                .publishPercentileHistogram()
                .register(registry);
        detector.timeScoringWith(n -> scoring.record(n, TimeUnit.NANOSECONDS));
    }
}
