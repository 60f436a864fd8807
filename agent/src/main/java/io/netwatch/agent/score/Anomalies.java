package io.netwatch.agent.score;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Explanation;
import io.netwatch.proto.anomaly.v1.Observation;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Endpoint;

/** The parts every agent detector's anomaly shares: ids, type, detector name, window, summary. */
final class Anomalies {
    private Anomalies() {
    }

    /**
     * An anomaly with everything but its observations and evidence.
     *
     * @param detector    the detector's short name: the anomaly's detector is {@code agent.<detector>}
     * @param startNanos  first evidence, capture time in nanoseconds since the epoch
     * @param endNanos    last evidence, likewise
     */
    static Anomaly.Builder start(String id, String type, String detector, String technique, String nodeName,
                                 Severity severity, double score, Endpoint source, Endpoint destination,
                                 long startNanos, long endNanos, String summary) {
        return Anomaly.newBuilder()
                .setId(id)
                .setAnomalyType(type)
                .setSeverity(severity)
                .setScore(Math.max(0, Math.min(1, score)))
                .setSource(source)
                .setDestination(destination)
                .setStart(timestamp(Math.min(startNanos, endNanos)))
                .setEnd(timestamp(endNanos))
                .setExplanation(Explanation.newBuilder().setSummary(summary))
                .setAttackTechnique(technique)
                .setNodeName(nodeName)
                .setDetector("agent." + detector);
    }

    static Observation observation(String name, double observed, double expected, String unit) {
        return Observation.newBuilder().setName(name).setObserved(observed).setExpected(expected).setUnit(unit).build();
    }

    static Endpoint endpoint(String ip, int port) {
        return Endpoint.newBuilder().setIp(ip).setPort(port).build();
    }

    static Endpoint endpoint(String ip) {
        return Endpoint.newBuilder().setIp(ip).build();
    }

    static long nanos(Timestamp t) {
        return Timestamps.toNanos(t);
    }

    private static Timestamp timestamp(long nanos) {
        return Timestamps.fromNanos(nanos);
    }
}
