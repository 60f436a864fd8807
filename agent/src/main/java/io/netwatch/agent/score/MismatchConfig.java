package io.netwatch.agent.score;

import java.time.Duration;

/**
 * Settings of the protocol/port mismatch detector.
 *
 * @param window   one anomaly per (source, destination, port) edge per window (capture time)
 * @param maxEdges edges remembered at once; the least recently used is evicted and counted (it may then
 *                 be reported again)
 */
public record MismatchConfig(Duration window, int maxEdges) {
    public MismatchConfig {
        if (window.isNegative() || window.isZero() || maxEdges < 1) {
            throw new IllegalArgumentException("protocol mismatch needs a positive window and maxEdges >= 1, got "
                    + window + " and " + maxEdges);
        }
    }

    /** One anomaly per edge per hour; 16,384 edges. */
    public static MismatchConfig defaults() {
        return new MismatchConfig(Duration.ofHours(1), 16_384);
    }
}
