package io.netwatch.aggregator.incident;

import java.time.Duration;

/**
 * How anomalies become incidents (docs/incidents.md).
 *
 * @param window      an anomaly joins the open incident of its actor and family when its
 *                    evidence starts within this long (capture time) after the incident's
 *                    last evidence and ends within this long before its first; later
 *                    evidence resolves the old incident and opens a new one, earlier
 *                    evidence is an incident of its own
 * @param quietPeriod an open incident that took no anomaly for this long (aggregator clock)
 *                    is resolved
 * @param maxOpen     open incidents kept; past it the least recently updated one is resolved
 *                    early (counted as evicted)
 * @param maxResolved resolved incidents kept for the query API; the oldest fall off (counted)
 * @param beaconing   the {@code beaconing} detector's settings
 */
public record IncidentConfig(Duration window, Duration quietPeriod, int maxOpen, int maxResolved,
                             BeaconConfig beaconing) {
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(30);
    public static final Duration DEFAULT_QUIET_PERIOD = Duration.ofMinutes(15);
    public static final int DEFAULT_MAX_OPEN = 10_000;
    public static final int DEFAULT_MAX_RESOLVED = 10_000;

    public IncidentConfig {
        if (window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("incidents.window must be a positive duration, got " + window);
        }
        if (quietPeriod == null || quietPeriod.isNegative() || quietPeriod.isZero()) {
            throw new IllegalArgumentException("incidents.quiet_period must be a positive duration, got " + quietPeriod);
        }
        if (maxOpen < 1 || maxResolved < 1) {
            throw new IllegalArgumentException("incidents.max_open and incidents.max_resolved must be at least 1, got "
                    + maxOpen + " and " + maxResolved);
        }
        if (beaconing == null) {
            throw new IllegalArgumentException("beaconing settings must be given (BeaconConfig.defaults())");
        }
    }

    public static IncidentConfig defaults() {
        return new IncidentConfig(DEFAULT_WINDOW, DEFAULT_QUIET_PERIOD, DEFAULT_MAX_OPEN, DEFAULT_MAX_RESOLVED,
                BeaconConfig.defaults());
    }
}
