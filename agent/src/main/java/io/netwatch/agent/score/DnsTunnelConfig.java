package io.netwatch.agent.score;

import java.time.Duration;

/**
 * Settings of the DNS tunnel and exfiltration detector, per registered domain and window.
 * {@code dns_tunnel} fires when a domain got at least {@code minUniqueSubdomains} distinct
 * subdomains and either their mean length and mean character entropy both reach
 * {@code minMeanLength} and {@code minMeanEntropy}, or at least {@code minTxtNullShare} of
 * its queries ask for TXT or NULL records. {@code exfiltration} fires when the subdomains
 * queried under one domain add up to {@code exfiltrationBytes} with that mean entropy.
 *
 * @param window              tumbling window per registered domain (capture time)
 * @param minUniqueSubdomains distinct subdomains in a window before anything fires
 * @param minMeanLength       mean subdomain length, characters
 * @param minMeanEntropy      mean subdomain entropy, bits per character
 * @param minTxtNullShare     share of TXT and NULL queries, in (0, 1]
 * @param exfiltrationBytes   characters of subdomains queried under one domain in a window
 * @param maxDomains          registered domains tracked at once; the least recently used is evicted and counted
 * @param maxSubdomains       distinct subdomains remembered per domain and window (a fixed set; past it the
 *                            count is a lower bound)
 * @param maxEvidence         most flow ids kept as evidence per anomaly
 */
public record DnsTunnelConfig(Duration window, int minUniqueSubdomains, double minMeanLength, double minMeanEntropy,
                              double minTxtNullShare, long exfiltrationBytes, int maxDomains, int maxSubdomains,
                              int maxEvidence) {
    public DnsTunnelConfig {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("dns tunnel window must be positive, got " + window);
        }
        if (minUniqueSubdomains < 1 || minUniqueSubdomains > maxSubdomains) {
            throw new IllegalArgumentException("dns tunnel minUniqueSubdomains must be in [1, maxSubdomains="
                    + maxSubdomains + "], got " + minUniqueSubdomains);
        }
        if (!(minMeanLength >= 0) || !(minMeanEntropy >= 0) || !(minTxtNullShare > 0 && minTxtNullShare <= 1)
                || exfiltrationBytes < 1) {
            throw new IllegalArgumentException("dns tunnel needs minMeanLength >= 0, minMeanEntropy >= 0, "
                    + "minTxtNullShare in (0, 1] and exfiltrationBytes >= 1");
        }
        if (maxDomains < 1 || maxEvidence < 0) {
            throw new IllegalArgumentException("dns tunnel needs maxDomains >= 1 and maxEvidence >= 0");
        }
    }

    /** 60 s windows; 8 subdomains of mean length 20 and entropy 3 bits, or half TXT/NULL; 2048 characters. */
    public static DnsTunnelConfig defaults() {
        return new DnsTunnelConfig(Duration.ofSeconds(60), 8, 20, 3.0, 0.5, 2048, 4096, 256, 20);
    }
}
