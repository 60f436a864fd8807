package io.netwatch.agent.score;

import io.netwatch.proto.anomaly.v1.Anomaly;

/** Receives anomalies raised by the agent's detectors. */
@FunctionalInterface
public interface AnomalySink {
    void onAnomaly(Anomaly anomaly);

    AnomalySink NONE = a -> { };
}
