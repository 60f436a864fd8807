package io.netwatch.aggregator.store;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Flow;

/**
 * Sees every flow and anomaly as the store keeps it: the aggregator's own detectors,
 * baselines and incident tracking hang off this. Called on the storing thread (an agent's
 * stream, or the verdict sweep), so a listener does little and never blocks: heavy work
 * goes to its own executor. A listener that throws is counted and skipped, never the store.
 */
public interface StoreListener {
    /** A flow as stored: enriched with identities and judged by policy when a cluster is watched. */
    default void flowStored(Flow flow, long receivedMillis) {
    }

    /**
     * A flow as stored, with the monotonic stamp ({@link System#nanoTime}) read with its
     * wall-clock one: for a listener that must order readings of the clock taken on several
     * threads, or tell a step of the wall clock from time passing (the baselines).
     */
    default void flowStored(Flow flow, long receivedMillis, long receivedNanos) {
        flowStored(flow, receivedMillis);
    }

    /** An anomaly as stored, from an agent or from an aggregator detector. */
    default void anomalyStored(Anomaly anomaly, long receivedMillis) {
    }
}
