package io.netwatch.agent.score;

/**
 * Settings of the volume-spike detector: an edge's bytes in one minute (final flow records
 * ending in it) above {@code mean + k * stddev} of its pushed baseline and at least
 * {@code minBytes} raise {@code volume_spike}, once per edge per minute.
 *
 * @param k           standard deviations above the mean that are a spike
 * @param minBytes    fewest bytes in a minute that can be a spike (small edges vary a lot)
 * @param minMinutes  minutes of history an edge's baseline needs before it is trusted
 * @param maxEdges    edges counted at once; the least recently used is evicted and counted
 * @param maxEvidence most flow ids kept as evidence per anomaly
 */
public record VolumeSpikeConfig(double k, long minBytes, long minMinutes, int maxEdges, int maxEvidence) {
    public VolumeSpikeConfig {
        if (!(k > 0) || minBytes < 1 || minMinutes < 1 || maxEdges < 1 || maxEvidence < 0) {
            throw new IllegalArgumentException("volume spike needs k > 0, minBytes >= 1, minMinutes >= 1, "
                    + "maxEdges >= 1 and maxEvidence >= 0, got " + k + ", " + minBytes + ", " + minMinutes + ", "
                    + maxEdges + ", " + maxEvidence);
        }
    }

    /** Four standard deviations, at least 1 MiB in the minute, over at least 10 minutes of history. */
    public static VolumeSpikeConfig defaults() {
        return new VolumeSpikeConfig(4, 1 << 20, 10, 16_384, 20);
    }
}
