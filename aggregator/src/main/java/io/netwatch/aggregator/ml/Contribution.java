package io.netwatch.aggregator.ml;

/**
 * One feature's part in an outlier's score, from the forest's attribution (DiVector).
 *
 * @param feature  the feature
 * @param high     true when the observed value is above what the forest expects, false below
 * @param share    this feature's share of the score, 0 to 1
 * @param observed the window's value, in the feature's unit
 * @param expected what the forest expects for it given the other features (imputed), same unit
 */
public record Contribution(Feature feature, boolean high, double share, double observed, double expected) {
    public Contribution {
        if (feature == null) {
            throw new IllegalArgumentException("a contribution names its feature");
        }
    }
}
