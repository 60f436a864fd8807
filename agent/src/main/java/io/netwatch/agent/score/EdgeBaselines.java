package io.netwatch.agent.score;

import io.netwatch.proto.flow.v1.Flow;

/**
 * The learned volume of workload edges, as the aggregator pushed it: what
 * {@link VolumeSpikeDetector} compares an edge's bytes per minute with. An enrichment getter
 * that may be absent ({@link #NONE}); its implementation names the flow's ends (it knows the
 * identities), the detector only counts.
 */
public interface EdgeBaselines {
    /** No baselines: volume_spike never fires. */
    EdgeBaselines NONE = flow -> null;

    /** The learned volume of the flow's edge, or null when the edge has none. */
    Expected expected(Flow flow);

    /**
     * One edge's learned volume.
     *
     * @param edge        the edge, as {@code source -> destination:port/protocol}
     * @param bytesMean   mean bytes per minute with traffic
     * @param bytesStddev their standard deviation
     * @param minutes     minutes the statistics are made of
     */
    record Expected(String edge, double bytesMean, double bytesStddev, long minutes) {
    }
}
