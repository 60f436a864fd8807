package io.netwatch.aggregator.policy.suggest;

import java.util.Locale;

/** What suggestions do with peers outside the cluster. */
public enum ExternalPeers {
    /**
     * An ipBlock of the one address ({@code /32}, {@code /128}) when it is stable; left
     * commented out for a person to decide when it is not: a DNS name seen resolving to more
     * than one address in the flows (a CDN, a cloud API, round-robin DNS).
     */
    AUTO,
    /**
     * Every external address as an ipBlock of that one address, named in a comment (up to
     * {@link PolicySuggester#MAX_ADDRESSES_PER_DIRECTION} per workload and direction, as in
     * every mode).
     */
    IP_BLOCK,
    /** Every external peer commented out: a person decides each one. */
    REVIEW;

    /** "auto", "ipblock" or "review" (any case), or an exception naming the choices. */
    public static ExternalPeers parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "ipblock", "ip-block", "ip_block" -> IP_BLOCK;
            case "review" -> REVIEW;
            default -> throw new IllegalArgumentException("external peers '" + text + "' is not auto, ipblock or review");
        };
    }
}
