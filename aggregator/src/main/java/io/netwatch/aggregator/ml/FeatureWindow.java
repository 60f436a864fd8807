package io.netwatch.aggregator.ml;

import io.netwatch.proto.flow.v1.Endpoint;
import java.util.Arrays;

/**
 * One actor's behaviour over one window, frozen: the raw feature values (in {@link Feature}
 * order and units) and the point the forest sees ({@link Feature#normalise}).
 *
 * @param actor      {@code namespace/workload} when the cluster is watched, else the address
 * @param endpoint   the actor as an endpoint, its workload when known
 * @param startMillis window start, milliseconds since epoch (flow time)
 * @param endMillis  window end, exclusive
 * @param raw        feature values in {@link Feature} order
 * @param evidenceFlowIds the first flows of the window (at most {@link ActorWindow#MAX_EVIDENCE})
 */
public record FeatureWindow(String actor, Endpoint endpoint, long startMillis, long endMillis, double[] raw,
                            long[] evidenceFlowIds) {
    public FeatureWindow {
        if (actor == null || endpoint == null) {
            throw new IllegalArgumentException("a window needs its actor");
        }
        if (raw == null || raw.length != Feature.COUNT) {
            throw new IllegalArgumentException("a window has " + Feature.COUNT + " features, got "
                    + (raw == null ? "none" : raw.length));
        }
        raw = raw.clone();
        evidenceFlowIds = evidenceFlowIds == null ? new long[0] : evidenceFlowIds.clone();
    }

    /** The value of one feature, in its own unit. */
    public double value(Feature f) {
        return raw[f.ordinal()];
    }

    /** The point the forest scores: every feature normalised ({@link Feature#normalise}). */
    public float[] point() {
        float[] p = new float[raw.length];
        for (int i = 0; i < raw.length; i++) {
            p[i] = Feature.values()[i].normalise(raw[i]);
        }
        return p;
    }

    @Override
    public double[] raw() {
        return raw.clone();
    }

    @Override
    public long[] evidenceFlowIds() {
        return evidenceFlowIds.clone();
    }

    @Override
    public String toString() {
        return "FeatureWindow[" + actor + " @" + startMillis + " " + Arrays.toString(raw) + "]";
    }
}
