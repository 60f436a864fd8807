package io.netwatch.aggregator.ml;

/**
 * One dimension of an actor's feature window, in the order of the forest's points. Chosen so
 * that scans (many ports or peers, refused), floods (many inbound flows, unanswered), tunnels
 * (many DNS queries with long names) and exfiltration (bytes out) each move a feature of
 * their own. Each value enters the forest as {@code log1p(value)} divided by {@code log1p} of a
 * "full" value (100,000 flows, 10 GB, 256 distinct peers or ports, 255-character names), so
 * every coordinate lies in about [0, 1]: the forest cuts a dimension in proportion to its
 * range, and bytes would otherwise outweigh a name length by their units alone.
 */
public enum Feature {
    /** Flows the actor started in the window. */
    FLOWS_OUT("flows_out", "flows", 1e5),
    /** Flows other peers started toward the actor. */
    FLOWS_IN("flows_in", "flows", 1e5),
    /** Bytes the actor sent, both as initiator and as responder. */
    BYTES_OUT("bytes_out", "bytes", 1e10),
    /** Bytes the actor received. */
    BYTES_IN("bytes_in", "bytes", 1e10),
    /** Distinct addresses the actor started flows to (saturates at {@link DistinctSet#CAP}). */
    PEERS_OUT("distinct_destinations", "addresses", DistinctSet.CAP),
    /** Distinct destination ports of the flows it started (saturates at {@link DistinctSet#CAP}). */
    PORTS_OUT("distinct_destination_ports", "ports", DistinctSet.CAP),
    /** Distinct addresses that started flows to the actor (saturates at {@link DistinctSet#CAP}). */
    PEERS_IN("distinct_sources", "addresses", DistinctSet.CAP),
    /** Flows it started that were never accepted: no reply at all, or TCP without a SYN-ACK. */
    FAILED_OUT("failed_flows_out", "flows", 1e5),
    /** Flows toward it that it never accepted. */
    FAILED_IN("failed_flows_in", "flows", 1e5),
    /** DNS queries it sent (flows to port 53 or with a DNS message). */
    DNS_QUERIES("dns_queries", "queries", 1e4),
    /** Mean length of the names in its DNS queries (tunnels encode data in long names). */
    DNS_NAME_LENGTH("mean_dns_name_length", "characters", 255);

    private final String label;
    private final String unit;
    /** {@code log1p} of the value at which the feature reaches 1.0 in the forest's point. */
    private final double scale;

    Feature(String label, String unit, double full) {
        this.label = label;
        this.unit = unit;
        this.scale = Math.log1p(full);
    }

    /**
     * The value as the forest sees it: {@code log1p(value)} scaled so that its "full" value is 1.
     * NaN and negatives are 0; anything above 2^63 (Infinity included) is 2^63, where counters
     * saturate: never an infinite coordinate.
     */
    public float normalise(double value) {
        return value > 0 ? (float) (Math.log1p(Math.min(value, Long.MAX_VALUE)) / scale) : 0f;
    }

    /** The inverse of {@link #normalise}: a point's coordinate back in the feature's unit. */
    public double denormalise(double coordinate) {
        return Math.expm1(Math.max(0, coordinate) * scale);
    }

    /** The name used in explanations and docs. */
    public String label() {
        return label;
    }

    public String unit() {
        return unit;
    }

    /** Number of dimensions of a point. */
    public static final int COUNT = values().length;
}
