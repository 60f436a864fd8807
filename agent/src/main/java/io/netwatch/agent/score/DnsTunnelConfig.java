package io.netwatch.agent.score;

import java.time.Duration;

/**
 * Settings of the DNS tunnel and exfiltration detector, per registered domain and window.
 * A subdomain <em>carries data</em> when it is at least {@code minLength} characters long and
 * random: an entropy of at least {@code minEntropy} bits per character, or a tenth of its
 * characters outside ASCII. {@code dns_tunnel} fires when a domain got at least
 * {@code minUniqueSubdomains} distinct subdomains and either as many of them carry data, or at
 * least {@code minTxtNullShare} of its queries ask for TXT or NULL records.
 * {@code exfiltration} fires when the random subdomains (of any length) queried under one
 * domain add up to {@code exfiltrationBytes} characters.
 *
 * @param window              tumbling window per registered domain (capture time)
 * @param minUniqueSubdomains distinct subdomains in a window before anything fires, and subdomains that carry
 *                            data that make a tunnel
 * @param minLength           length of a subdomain that carries data, characters
 * @param minEntropy          entropy of a random subdomain, bits per character
 * @param minTxtNullShare     share of TXT and NULL queries, in (0, 1]
 * @param exfiltrationBytes   characters of random subdomains queried under one domain in a window
 * @param maxDomains          registered domains tracked at once; the least recently used is evicted and counted
 * @param maxSubdomains       distinct subdomains remembered per domain and window (a fixed set; past it each name
 *                            not remembered counts as a new one, and is counted as an overflow)
 * @param maxEvidence         most flow ids kept as evidence per anomaly
 */
public record DnsTunnelConfig(Duration window, int minUniqueSubdomains, double minLength, double minEntropy,
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
        if (!(minLength >= 0) || !(minEntropy >= 0) || !(minTxtNullShare > 0 && minTxtNullShare <= 1)
                || exfiltrationBytes < 1) {
            throw new IllegalArgumentException("dns tunnel needs minLength >= 0, minEntropy >= 0, "
                    + "minTxtNullShare in (0, 1] and exfiltrationBytes >= 1");
        }
        if (maxDomains < 1 || maxEvidence < 0) {
            throw new IllegalArgumentException("dns tunnel needs maxDomains >= 1 and maxEvidence >= 0");
        }
    }

    /** 60 s windows; 8 subdomains of 20 characters and 3 bits each, or half TXT/NULL; 2048 characters. */
    public static DnsTunnelConfig defaults() {
        return new DnsTunnelConfig(Duration.ofSeconds(60), 8, 20, 3.0, 0.5, 2048, 4096, 256, 20);
    }
}
