package io.netwatch.agent.score;

import java.time.Duration;

/**
 * Settings of the first, simple port-scan detector.
 *
 * @param minPorts       distinct destination ports one source must probe on one destination
 * @param minFailedRatio share of those probes that went unanswered or were refused, in (0, 1]
 * @param quietPeriod    a scan is reported once the source has been quiet this long
 * @param maxWindow      ... or once it has gone on this long, whichever comes first
 * @param maxTrackedPairs bound on (source, destination) pairs tracked at once; past it new
 *                       pairs are not tracked and are counted
 * @param maxEvidence    most flow ids kept as evidence per anomaly
 */
public record PortScanConfig(int minPorts, double minFailedRatio, Duration quietPeriod, Duration maxWindow,
                             int maxTrackedPairs, int maxEvidence) {
    public PortScanConfig {
        if (minPorts < 2) {
            throw new IllegalArgumentException("port scan minPorts must be at least 2, got " + minPorts);
        }
        if (!(minFailedRatio > 0 && minFailedRatio <= 1)) {
            throw new IllegalArgumentException("port scan minFailedRatio must be in (0, 1], got " + minFailedRatio);
        }
        if (maxTrackedPairs < 1 || maxEvidence < 0) {
            throw new IllegalArgumentException("port scan maxTrackedPairs must be >= 1 and maxEvidence >= 0");
        }
    }

    public static PortScanConfig defaults() {
        return new PortScanConfig(20, 0.8, Duration.ofSeconds(5), Duration.ofSeconds(60), 65_536, 100);
    }
}
