package io.netwatch.aggregator.baseline;

/**
 * One edge's volume: bytes and flows per minute, folded minute by minute into a running mean
 * and variance (Welford). Only minutes with traffic count: the statistics say how much an
 * edge carries when it is used. Mutable; lives only in {@link BaselineTable}, on the baseline
 * thread.
 */
final class EdgeStats {
    private static final long MINUTE = 60_000;

    long firstSeen;
    long lastSeen;
    /** Completed minutes folded in. */
    long minutes;
    double bytesMean;
    double bytesM2;
    double flowsMean;
    double flowsM2;
    /** The minute being counted (milliseconds / 60,000), or -1. */
    private long minute = -1;
    private long bytesNow;
    private long flowsNow;

    EdgeStats(long firstSeenMillis) {
        this.firstSeen = firstSeenMillis;
        this.lastSeen = firstSeenMillis;
    }

    /** Adds one flow record's bytes (0 for an interim record) at {@code nowMillis}. */
    void add(long nowMillis, long bytes, int flows) {
        long m = Math.floorDiv(nowMillis, MINUTE);
        if (m != minute) {
            fold();
            minute = m;
        }
        bytesNow = saturatedAdd(bytesNow, bytes);
        flowsNow += flows;
        lastSeen = Math.max(lastSeen, nowMillis);
    }

    /** Folds the minute being counted when it is over by {@code nowMillis}. */
    void settle(long nowMillis) {
        if (minute >= 0 && Math.floorDiv(nowMillis, MINUTE) > minute) {
            fold();
            minute = -1;
        }
    }

    private void fold() {
        if (minute < 0 || (bytesNow == 0 && flowsNow == 0)) {
            bytesNow = 0;
            flowsNow = 0;
            return;
        }
        minutes++;
        double d = bytesNow - bytesMean;
        bytesMean += d / minutes;
        bytesM2 += d * (bytesNow - bytesMean);
        double f = flowsNow - flowsMean;
        flowsMean += f / minutes;
        flowsM2 += f * (flowsNow - flowsMean);
        bytesNow = 0;
        flowsNow = 0;
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

    double bytesStddev() {
        return minutes > 1 ? Math.sqrt(Math.max(0, bytesM2) / (minutes - 1)) : 0;
    }

    double flowsStddev() {
        return minutes > 1 ? Math.sqrt(Math.max(0, flowsM2) / (minutes - 1)) : 0;
    }
}
