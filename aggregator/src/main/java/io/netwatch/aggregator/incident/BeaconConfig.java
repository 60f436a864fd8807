package io.netwatch.aggregator.incident;

import java.time.Duration;
import java.util.Set;

/**
 * Settings of the {@code beaconing} detector ({@link BeaconDetector}, docs/incidents.md).
 *
 * @param minConnections connection starts from one actor to one peer needed before the rhythm is judged
 * @param maxJitter      robust coefficient of variation of the intervals (1.4826 x MAD / median)
 *                       at or below which the rhythm is a beacon (about 1 for Poisson arrivals);
 *                       no interval may be shorter than (1 - 2 x maxJitter) x median either
 * @param minPeriod      median interval below which connections are a burst, not a beacon
 * @param maxPeriod      median interval above which nothing is judged (the table would hold
 *                       pairs for too long)
 * @param maxPairs       actor/peer pairs tracked; past it the least recently seen goes (counted)
 * @param cooldown       after a beacon is reported, the same pair is not reported again for this long
 * @param ignoredPorts   destination ports never judged (periodic by design: DNS, NTP, mDNS)
 */
public record BeaconConfig(int minConnections, double maxJitter, Duration minPeriod, Duration maxPeriod,
                           int maxPairs, Duration cooldown, Set<Integer> ignoredPorts) {
    /** Connection starts kept per pair: the most recent ones are judged. */
    public static final int MAX_SAMPLES = 32;

    public BeaconConfig {
        if (minConnections < 4 || minConnections > MAX_SAMPLES) {
            throw new IllegalArgumentException("beaconing.min_connections must be between 4 and " + MAX_SAMPLES
                    + ", got " + minConnections);
        }
        if (!(maxJitter > 0 && maxJitter < 1)) {
            throw new IllegalArgumentException("beaconing.max_jitter must be above 0 and below 1, got " + maxJitter);
        }
        if (minPeriod == null || maxPeriod == null || minPeriod.isNegative() || maxPeriod.compareTo(minPeriod) <= 0) {
            throw new IllegalArgumentException("beaconing periods must satisfy 0 <= min_period < max_period, got "
                    + minPeriod + " and " + maxPeriod);
        }
        if (maxPairs < 1) {
            throw new IllegalArgumentException("beaconing.max_pairs must be at least 1, got " + maxPairs);
        }
        if (cooldown == null || cooldown.isNegative()) {
            throw new IllegalArgumentException("beaconing.cooldown must not be negative, got " + cooldown);
        }
        ignoredPorts = Set.copyOf(ignoredPorts);
    }

    public static BeaconConfig defaults() {
        return new BeaconConfig(10, 0.2, Duration.ofSeconds(1), Duration.ofHours(2), 16_384, Duration.ofHours(1),
                Set.of(53, 123, 5353));
    }
}
