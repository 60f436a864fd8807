package io.netwatch.agent.score;

/**
 * Says whether a domain label looks algorithmically generated, from character statistics
 * alone (see {@link DgaConfig}): no trained model, so every decision can be explained by its
 * numbers. Calibrated so that no name in the corpus's benign captures is called generated.
 */
public final class DgaScorer {
    private final DgaConfig config;

    public DgaScorer(DgaConfig config) {
        this.config = config;
    }

    /** The statistics of one label and the verdict. */
    public record Verdict(String label, double entropy, double vowelRatio, int consonantRun, double digitRatio,
                          boolean generated) {
    }

    public Verdict judge(String label) {
        double entropy = NameFeatures.entropy(label);
        double vowels = NameFeatures.vowelRatio(label);
        int run = NameFeatures.longestConsonantRun(label);
        double digits = NameFeatures.digitRatio(label);
        boolean generated = label.length() >= config.minLength() && entropy >= config.minEntropy()
                && (vowels <= config.maxVowelRatio() || run >= config.minConsonantRun()
                || (digits >= config.minDigitRatio() && digits <= 1 - config.minDigitRatio()));
        return new Verdict(label, entropy, vowels, run, digits, generated);
    }

    /** The label a DGA chooses: the registered domain's leftmost label ("xkqz" of "xkqz.co.uk"). */
    static String ownLabel(String registeredDomain) {
        int dot = registeredDomain.indexOf('.');
        return dot < 0 ? registeredDomain : registeredDomain.substring(0, dot);
    }
}
