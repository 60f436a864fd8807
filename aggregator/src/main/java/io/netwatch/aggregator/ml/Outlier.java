package io.netwatch.aggregator.ml;

import java.util.List;

/**
 * A window the forest scored above the threshold, with the features that made the score,
 * largest share first.
 *
 * @param window        the actor's window
 * @param score         the forest's anomaly score
 * @param threshold     the threshold it exceeded
 * @param contributions the features that made most of the score (at most {@link OutlierForest#EXPLAINED})
 */
public record Outlier(FeatureWindow window, double score, double threshold, List<Contribution> contributions) {
    public Outlier {
        contributions = List.copyOf(contributions);
    }

    /** The feature with the largest share of the score. */
    public Feature topFeature() {
        return contributions.getFirst().feature();
    }
}
