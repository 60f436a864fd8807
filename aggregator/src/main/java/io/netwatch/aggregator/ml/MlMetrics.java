package io.netwatch.aggregator.ml;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
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
        FeatureWindows w = detector.windows();
        FunctionCounter.builder("netwatch.ml.windows.scored", detector, MlDetector::windowsScored)
                .description("Actor windows scored by the warm forest").register(registry);
        FunctionCounter.builder("netwatch.ml.windows.warming", detector, MlDetector::windowsWarming)
                .description("Actor windows learned before the forest was warm (not scored)").register(registry);
        FunctionCounter.builder("netwatch.ml.outliers", detector, MlDetector::outliers)
                .description("Windows scored above the threshold (ml_outlier anomalies raised)").register(registry);
        FunctionCounter.builder("netwatch.ml.windows.saturated", w, FeatureWindows::saturatedWindows)
                .description("Windows in which a distinct count (peers, ports) hit its cap").register(registry);
        Gauge.builder("netwatch.ml.forests", detector, d -> 1)
                .description("Random Cut Forests held (one, shared by every actor)").register(registry);
        Gauge.builder("netwatch.ml.actors", w, FeatureWindows::actors)
                .description("Actors with an open window").register(registry);
        FunctionCounter.builder("netwatch.ml.actors.evicted", w, FeatureWindows::evicted)
                .description("Actors whose open window was dropped because ml.max_actors were open")
                .register(registry);
        FunctionCounter.builder("netwatch.ml.flows.dropped", detector, MlDetector::dropped)
                .description("Stored flows the detector dropped because its queue was full").register(registry);
        FunctionCounter.builder("netwatch.ml.flows.invalid", w, FeatureWindows::invalid)
                .description("Flows refused: no address, or a time before 1970 or over an hour past receipt")
                .register(registry);
        FunctionCounter.builder("netwatch.ml.failures", detector, MlDetector::failures)
                .description("Flows or windows whose handling threw (each skipped)").register(registry);
        Timer scoring = Timer.builder("netwatch.ml.scoring")
                .description("Time to score a window and explain it when it is an outlier")
                .publishPercentileHistogram()
                .register(registry);
        detector.timeScoringWith(n -> scoring.record(n, TimeUnit.NANOSECONDS));
    }
}
