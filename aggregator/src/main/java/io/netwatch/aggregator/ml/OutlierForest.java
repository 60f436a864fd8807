package io.netwatch.aggregator.ml;

import com.amazon.randomcutforest.RandomCutForest;
import com.amazon.randomcutforest.config.Precision;
import com.amazon.randomcutforest.returntypes.DiVector;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * One Random Cut Forest over the windows of every actor (a population model: the corpus and a
 * young cluster have too few windows per actor to train one forest each, and one forest costs
 * the memory of one). Each window is scored first, then learned, unless it was an outlier: an
 * attack that lasts does not teach the forest that attacks are normal. No score before the
 * forest has learned {@code warmupWindows}. No shingling: consecutive points come from
 * different actors, so a shingle would mix them.
 *
 * <p>Not thread-safe: {@link MlDetector} calls it from its one thread.
 */
public final class OutlierForest {
    /** Trees in the forest (the library's default). */
    public static final int TREES = 50;
    /** Points each tree keeps (the library's default). */
    public static final int SAMPLE_SIZE = 256;
    /** Contributions named in an explanation. */
    public static final int EXPLAINED = 3;

    private final RandomCutForest forest;
    private final double threshold;
    private final int warmupWindows;
    private long learned;

    /**
     * @param threshold     scores above this are outliers (calibrated on benign traffic, docs/detection.md)
     * @param warmupWindows windows learned before the first score
     * @param seed          random seed, so a run can be repeated
     */
    public OutlierForest(double threshold, int warmupWindows, long seed) {
        if (!(threshold > 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("threshold must be a positive number, got " + threshold);
        }
        if (warmupWindows < 1) {
            throw new IllegalArgumentException("warm-up must be at least 1 window, got " + warmupWindows);
        }
        this.threshold = threshold;
        this.warmupWindows = warmupWindows;
        this.forest = RandomCutForest.builder()
                .dimensions(Feature.COUNT)
                .numberOfTrees(TREES)
                .sampleSize(SAMPLE_SIZE)
                .precision(Precision.FLOAT_32)
                .outputAfter(1)
                .randomSeed(seed)
                .build();
    }

    /** True once the forest has learned its warm-up windows. */
    public boolean warm() {
        return learned >= warmupWindows;
    }

    /**
     * Scores a window (when warm), then learns it unless it is an outlier.
     *
     * @return the score, or NaN while warming up
     */
    public double score(FeatureWindow w) {
        float[] p = w.point();
        double s = warm() ? forest.getAnomalyScore(p) : Double.NaN;
        if (!(s > threshold)) {
            forest.update(p);
            learned++;
        }
        return s;
    }

    /** The window's score without learning it (NaN while warming up): for reports and tests. */
    public double scoreOnly(FeatureWindow w) {
        return warm() ? forest.getAnomalyScore(w.point()) : Double.NaN;
    }

    /** Scores a window; when it is an outlier, says which features made the score. */
    public Optional<Outlier> judge(FeatureWindow w) {
        double s = score(w);
        if (!(s > threshold)) {
            return Optional.empty();
        }
        return Optional.of(new Outlier(w, s, threshold, explain(w)));
    }

    /** The features with the largest share of the window's score: direction, observed and expected. */
    List<Contribution> explain(FeatureWindow w) {
        float[] p = w.point();
        DiVector attribution = forest.getAnomalyAttribution(p);
        double total = attribution.getHighLowSum();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < Feature.COUNT; i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble((Integer i) -> -attribution.getHighLowSum(i)));
        List<Contribution> out = new ArrayList<>();
        for (int i : order.subList(0, EXPLAINED)) {
            double part = attribution.getHighLowSum(i);
            if (out.size() > 0 && part < 0.1 * total) {
                break;
            }
            float[] imputed = forest.imputeMissingValues(p, 1, new int[] {i});
            double expected = Feature.values()[i].denormalise(imputed[i]);
            out.add(new Contribution(Feature.values()[i], attribution.high[i] >= attribution.low[i],
                    total > 0 ? part / total : 0, w.raw()[i], expected));
        }
        return out;
    }

    /** Windows learned so far. */
    public long learned() {
        return learned;
    }

    public double threshold() {
        return threshold;
    }
}
