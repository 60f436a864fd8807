package io.netwatch.agent.score;

import java.time.Duration;

/**
 * Settings of the flood detector: a one-sided CUSUM per destination (address, port,
 * protocol) over the count x of half-open TCP attempts (SYNs never followed by the
 * initiator's ACK) or unanswered UDP datagrams in each {@code interval}:
 * S = max(0, S + x − μ − k), alarm when S ≥ h, where μ is the destination's running mean of
 * x (an exponentially weighted average with weight {@code meanWeight}, learnt only while S
 * is 0), k is {@code allowance} and h is {@code threshold}.
 *
 * @param interval        the CUSUM's time step (capture time)
 * @param allowance       k: packets per interval above the mean that are tolerated, not accumulated
 * @param threshold       h: accumulated excess (packets) that raises the alarm
 * @param meanWeight      weight of each new interval in the running mean, in (0, 1]
 * @param cooldown        after an anomaly, the same destination reports again only this much later
 * @param maxDestinations destinations tracked at once; the least recently used is evicted and counted
 * @param maxEvidence     most flow ids kept as evidence per anomaly
 */
public record FloodConfig(Duration interval, double allowance, double threshold, double meanWeight, Duration cooldown,
                          int maxDestinations, int maxEvidence) {
    public FloodConfig {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("flood detector interval must be positive, got " + interval);
        }
        if (!(allowance >= 0) || !(threshold > 0)) {
            throw new IllegalArgumentException("flood detector needs allowance >= 0 and threshold > 0, got "
                    + allowance + " and " + threshold);
        }
        if (!(meanWeight > 0 && meanWeight <= 1)) {
            throw new IllegalArgumentException("flood detector meanWeight must be in (0, 1], got " + meanWeight);
        }
        if (cooldown.isNegative() || maxDestinations < 1 || maxEvidence < 0) {
            throw new IllegalArgumentException(
                    "flood detector needs cooldown >= 0, maxDestinations >= 1 and maxEvidence >= 0");
        }
    }

    /** One-second steps, k = 50 packets, h = 100 packets, mean weight 0.05, ten-minute cooldown. */
    public static FloodConfig defaults() {
        return new FloodConfig(Duration.ofSeconds(1), 50, 100, 0.05, Duration.ofMinutes(10), 16_384, 20);
    }
}
