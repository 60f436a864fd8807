package io.netwatch.agent.score;

/**
 * A one-sided CUSUM over counts per fixed interval with a running mean (see
 * {@link FloodConfig}). Mutable, single-threaded; time is whatever the caller's clock says: a
 * late count joins the current interval, and a time before the current interval's start (the
 * caller found its clock went back) closes it and starts the intervals again from there.
 */
final class Cusum {
    /** Empty intervals applied one by one at most: past this the statistic has long been 0. */
    private static final int MAX_EMPTY_STEPS = 1024;

    private final long intervalNanos;
    private final double allowance;
    private final double meanWeight;
    private long intervalStart = Long.MIN_VALUE;
    /** Packets counted in the current interval. */
    private double current;
    /** S after the last closed interval, in packets. */
    private double statistic;
    /** μ: running mean of packets per interval. */
    private double mean;

    Cusum(long intervalNanos, double allowance, double meanWeight) {
        this.intervalNanos = intervalNanos;
        this.allowance = allowance;
        this.meanWeight = meanWeight;
    }

    /** Adds {@code count} packets seen at {@code nowNanos}; returns S including the open interval. */
    double add(long nowNanos, double count) {
        advance(nowNanos);
        current += count;
        return value();
    }

    /** Closes every interval that ended by {@code nowNanos}. */
    void advance(long nowNanos) {
        if (intervalStart == Long.MIN_VALUE) {
            intervalStart = nowNanos;
            return;
        }
        if (nowNanos < intervalStart) {
            close(current);
            current = 0;
            intervalStart = nowNanos;
            return;
        }
        if (nowNanos - intervalStart < intervalNanos) {
            return;
        }
        long steps = (nowNanos - intervalStart) / intervalNanos;
        close(current);
        current = 0;
        for (long i = 1; i < Math.min(steps, MAX_EMPTY_STEPS); i++) {
            close(0);
        }
        if (steps >= MAX_EMPTY_STEPS) {
            statistic = 0;
            mean = 0;
        }
        intervalStart += steps * intervalNanos;
    }

    private void close(double x) {
        statistic = Math.max(0, statistic + x - mean - allowance);
        if (statistic == 0) {
            mean += meanWeight * (x - mean);
        }
    }

    /** S as it would be if the open interval closed now. */
    double value() {
        return Math.max(0, statistic + current - mean - allowance);
    }

    /** S is 0 and nothing is counted in the open interval: no excursion under way. */
    boolean atRest() {
        return statistic == 0 && current == 0;
    }

    /** S after the last closed interval. */
    double closed() {
        return statistic;
    }

    double mean() {
        return mean;
    }

    /** Starts over after an alarm: S = 0 and the open interval emptied; the mean is kept. */
    void reset() {
        statistic = 0;
        current = 0;
    }
}
