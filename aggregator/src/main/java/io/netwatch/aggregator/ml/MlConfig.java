package io.netwatch.aggregator.ml;

import java.time.Duration;

/**
 * Settings of the {@code ml_outlier} detector (keys {@code ml.*}, docs/configuration.md).
 *
 * @param enabled       false: no windows, no forest, no thread
 * @param window        length of an actor's feature window
 * @param threshold     forest scores above this are {@code ml_outlier}; the default is calibrated on
 *                      the corpus's benign captures (docs/detection.md)
 * @param warmupWindows windows the forest learns before it scores any
 * @param maxActors     actors with an open window at most; past it the least recently active is
 *                      dropped (counted)
 */
public record MlConfig(boolean enabled, Duration window, double threshold, int warmupWindows, int maxActors) {
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);
    /** The 99.9th percentile of scores on the corpus's benign windows (docs/detection.md#ml_outlier). */
    public static final double DEFAULT_THRESHOLD = 2.8;
    public static final int DEFAULT_WARMUP_WINDOWS = 128;
    public static final int DEFAULT_MAX_ACTORS = 4096;

    public MlConfig {
        if (window == null || window.toMillis() < 1) {
            throw new IllegalArgumentException("ml.window must be at least 1ms, got " + window);
        }
        if (!(threshold > 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("ml.threshold must be a positive number, got " + threshold);
        }
        if (warmupWindows < 1) {
            throw new IllegalArgumentException("ml.warmup_windows must be at least 1, got " + warmupWindows);
        }
        if (maxActors < 1) {
            throw new IllegalArgumentException("ml.max_actors must be at least 1, got " + maxActors);
        }
    }

    public static MlConfig defaults() {
        return new MlConfig(true, DEFAULT_WINDOW, DEFAULT_THRESHOLD, DEFAULT_WARMUP_WINDOWS, DEFAULT_MAX_ACTORS);
    }

    /** The same settings, turned off. */
    public MlConfig disabled() {
        return new MlConfig(false, window, threshold, warmupWindows, maxActors);
    }
}
