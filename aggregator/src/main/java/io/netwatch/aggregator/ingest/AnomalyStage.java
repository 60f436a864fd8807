package io.netwatch.aggregator.ingest;

import io.netwatch.proto.anomaly.v1.Anomaly;

/**
 * What happens to each agent's anomaly between its arrival and the store: its ends named by
 * the identities of its time, as flows' are ({@link FlowStage}). Runs on the agent's stream,
 * so it must answer from memory (never wait on the API server) and should not throw; if it
 * does, the anomaly is stored as it came.
 */
@FunctionalInterface
public interface AnomalyStage {
    /** Stores anomalies as they came. */
    AnomalyStage NONE = (anomaly, receivedMillis) -> anomaly;

    Anomaly apply(Anomaly anomaly, long receivedMillis);
}
