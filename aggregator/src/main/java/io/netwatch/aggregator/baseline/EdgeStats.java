package io.netwatch.aggregator.baseline;

import java.util.Arrays;

/**
 * One edge's volume: bytes and flows per node and minute, folded minute by minute into a
 * running mean and variance (Welford), a sample far above them bounded ({@link #sample}).
 * Each node's minute is one sample because that is what an agent judges
 * ({@code volume_spike} counts its own records of the edge in a minute): a
 * cluster-wide sum would count a transfer twice when both ends' nodes capture it, and a
 * workload's N replicas N times, so no agent would ever see a spike. Only minutes with traffic
 * count: the statistics say how much an edge carries on a node when it is used. Mutable; lives
 * only in {@link BaselineTable}, on the baseline thread.
 */
final class EdgeStats {
    private static final long MINUTE = 60_000;
    /**
     * Nodes counted apart in one minute of one edge; records from further nodes count with the
     * last one (an edge reported by more nodes than this in one minute is a mesh, not an edge).
     */
    static final int MAX_NODES_PER_MINUTE = 64;
    /**
     * Samples an edge needs before one far above them is bounded: fewer say too little about
     * the edge to call anything far from them (an agent trusts 10 by default, volume.minutes).
     */
    static final long BOUNDED_AFTER = 10;
    /**
     * A sample above mean + this many spreads (the deviation, at least a quarter of the mean, as
     * the agents take it) counts as that bound: twice what an agent calls a spike with the
     * default volume.k of 4, so a sample an agent would not flag is never bounded.
     */
    static final double BOUND_SPREADS = 8;
    /** The agents' floor on the deviation, as a share of the mean (an edge that never varies). */
    static final double MIN_RELATIVE_SPREAD = 0.25;

    long firstSeen;
    long lastSeen;
    /**
     * The table's running time ({@link BaselineTable#running}) of the last flow, milliseconds:
     * how long the edge went unused is measured on it, not on the baseline's time, so time the
     * aggregator was stopped and forward steps of its clock do not expire the edge.
     */
    long lastUsed;
    /** Samples folded in: one per node and completed minute with traffic (the field keeps its name). */
    long minutes;
    double bytesMean;
    double bytesM2;
    double flowsMean;
    double flowsM2;
    /** The minute being counted (milliseconds / 60,000), or -1. */
    private long minute = -1;
    /** The minute's nodes and their counts, {@link #nodeCount} of them. */
    private String[] nodes = new String[1];
    private long[] bytesNow = new long[1];
    private long[] flowsNow = new long[1];
    private int nodeCount;

    EdgeStats(long firstSeenMillis) {
        this.firstSeen = firstSeenMillis;
        this.lastSeen = firstSeenMillis;
    }

    /** Adds one flow record's bytes (0 for an interim record) reported by {@code node} at {@code nowMillis}. */
    void add(long nowMillis, String node, long bytes, int flows) {
        long m = Math.floorDiv(nowMillis, MINUTE);
        if (m != minute) {
            fold();
            minute = m;
        }
        int i = slot(node);
        bytesNow[i] = saturatedAdd(bytesNow[i], bytes);
        flowsNow[i] += flows;
        lastSeen = Math.max(lastSeen, nowMillis);
    }

    /** The slot of {@code node} in this minute, taken when new (the last one past the cap). */
    private int slot(String node) {
        for (int i = 0; i < nodeCount; i++) {
            if (nodes[i].equals(node)) {
                return i;
            }
        }
        if (nodeCount == MAX_NODES_PER_MINUTE) {
            return nodeCount - 1;
        }
        if (nodeCount == nodes.length) {
            int grown = Math.min(MAX_NODES_PER_MINUTE, nodes.length * 2);
            nodes = Arrays.copyOf(nodes, grown);
            bytesNow = Arrays.copyOf(bytesNow, grown);
            flowsNow = Arrays.copyOf(flowsNow, grown);
        }
        nodes[nodeCount] = node;
        return nodeCount++;
    }

    /** Folds the minute being counted when it is over by {@code nowMillis}. */
    void settle(long nowMillis) {
        if (minute >= 0 && Math.floorDiv(nowMillis, MINUTE) > minute) {
            fold();
            minute = -1;
        }
    }

    /** Each node's minute with traffic becomes one sample; the counts start again. */
    private void fold() {
        for (int i = 0; i < nodeCount; i++) {
            if (minute >= 0 && (bytesNow[i] != 0 || flowsNow[i] != 0)) {
                sample(bytesNow[i], flowsNow[i]);
            }
            nodes[i] = null;
            bytesNow[i] = 0;
            flowsNow[i] = 0;
        }
        nodeCount = 0;
    }

    /**
     * Folds one node's minute in (Welford), bounded first. Welford's sums never forget: one
     * minute a thousand times the usual (an exfiltration the agent reported, an agent's backlog
     * of an hour received in one minute after a disconnect) would raise the deviation for good,
     * and the agents would let through, unreported, what they flagged before. Bounded (a
     * winsorised mean and variance), a lone spike moves the statistics by at most one bounded
     * sample, while a lasting change of level is still learned, in about twice the minutes.
     */
    private void sample(long bytes, long flows) {
        double byteSample = bounded(bytes, bytesMean, bytesStddev());
        double flowSample = bounded(flows, flowsMean, flowsStddev());
        minutes++;
        double d = byteSample - bytesMean;
        bytesMean += d / minutes;
        bytesM2 += d * (byteSample - bytesMean);
        double f = flowSample - flowsMean;
        flowsMean += f / minutes;
        flowsM2 += f * (flowSample - flowsMean);
    }

    private double bounded(double value, double mean, double stddev) {
        double bound = mean + BOUND_SPREADS * Math.max(stddev, MIN_RELATIVE_SPREAD * mean);
        return minutes >= BOUNDED_AFTER && bound > 0 ? Math.min(value, bound) : value;
    }

    /**
     * {@code a + b} for byte counts, saturating at {@link Long#MAX_VALUE}: uint64 counters arrive
     * as signed longs, and one past 2^63 (negative here) or a sum past it counts as the maximum,
     * so a hostile agent's counters make a large edge, never a negative mean that the file and
     * the agents would refuse.
     */
    static long saturatedAdd(long a, long b) {
        if (a < 0 || b < 0) {
            return Long.MAX_VALUE;
        }
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    /**
     * Whether a mean and sum of squares read back from a file could come from {@code minutes}
     * samples of counters that saturate at 2^63: finite, not negative, the mean at most 2^63
     * and the sum at most {@code minutes × 2^126}. Anything else (a flipped exponent bit) would
     * turn into infinities, then NaN, at the edge's next sample.
     */
    static boolean plausible(double mean, double m2, long minutes) {
        double most = (double) Long.MAX_VALUE;
        return mean >= 0 && mean <= most && m2 >= 0 && m2 <= Math.max(1, minutes) * most * most;
    }

    double bytesStddev() {
        return minutes > 1 ? Math.sqrt(Math.max(0, bytesM2) / (minutes - 1)) : 0;
    }

    double flowsStddev() {
        return minutes > 1 ? Math.sqrt(Math.max(0, flowsM2) / (minutes - 1)) : 0;
    }
}
