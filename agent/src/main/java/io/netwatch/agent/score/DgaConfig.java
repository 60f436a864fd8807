package io.netwatch.agent.score;

import java.time.Duration;

/**
 * Settings of the DGA detector. A registered domain's own label (the one left of the
 * public suffix) looks algorithmically generated when it has at least {@code minLength}
 * characters, an entropy of at least {@code minEntropy} bits per character, and one of: a
 * vowel share at most {@code maxVowelRatio}, a run of at least {@code minConsonantRun}
 * consonants, or digits mixed with letters (a digit share in [{@code minDigitRatio},
 * 1 − {@code minDigitRatio}]). One client asking for {@code minDomains} such domains in a
 * {@code window} raises {@code dga}.
 *
 * @param window          tumbling window per client (capture time)
 * @param minDomains      distinct generated-looking registered domains per client and window
 * @param minLength       characters of the label
 * @param minEntropy      bits per character of the label
 * @param maxVowelRatio   vowels (a, e, i, o, u, y) per character at most
 * @param minConsonantRun consonants in a row at least
 * @param minDigitRatio   digits per character at least (and letters as many)
 * @param maxClients      clients tracked at once; the least recently used is evicted and counted
 * @param maxEvidence     most flow ids kept as evidence per anomaly
 */
public record DgaConfig(Duration window, int minDomains, int minLength, double minEntropy, double maxVowelRatio,
                        int minConsonantRun, double minDigitRatio, int maxClients, int maxEvidence) {
    /** Distinct domains remembered per client and window. */
    public static final int MAX_DOMAINS_PER_CLIENT = 64;

    public DgaConfig {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("dga window must be positive, got " + window);
        }
        if (minDomains < 1 || minDomains > MAX_DOMAINS_PER_CLIENT) {
            throw new IllegalArgumentException("dga minDomains must be in [1, " + MAX_DOMAINS_PER_CLIENT + "], got "
                    + minDomains);
        }
        if (minLength < 1 || !(minEntropy >= 0) || !(maxVowelRatio >= 0 && maxVowelRatio <= 1) || minConsonantRun < 1
                || !(minDigitRatio > 0 && minDigitRatio <= 0.5)) {
            throw new IllegalArgumentException("dga needs minLength >= 1, minEntropy >= 0, maxVowelRatio in [0, 1], "
                    + "minConsonantRun >= 1 and minDigitRatio in (0, 0.5]");
        }
        if (maxClients < 1 || maxEvidence < 0) {
            throw new IllegalArgumentException("dga needs maxClients >= 1 and maxEvidence >= 0");
        }
    }

    /** Five minutes, 3 domains; labels of 10+ characters, 3.2+ bits; vowels at most 20%, 5 consonants, 20% digits. */
    public static DgaConfig defaults() {
        return new DgaConfig(Duration.ofMinutes(5), 3, 10, 3.2, 0.2, 5, 0.2, 16_384, 20);
    }
}
