package io.netwatch.aggregator.baseline;

import com.google.protobuf.util.Timestamps;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Explanation;
import io.netwatch.proto.anomaly.v1.Observation;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import java.time.Instant;
import java.util.Locale;

/** Builds the baseline's anomalies, each explaining itself: the edge, since when learned, the baseline's size. */
final class BaselineAnomalies {
    static final String NEW_EDGE = "new_edge";
    static final String LATERAL_MOVEMENT = "lateral_movement";
    /** MITRE ATT&CK: Remote Services, the usual way of moving from one workload to the next. */
    static final String LATERAL_TECHNIQUE = "T1021";
    /** Evidence flow ids kept per lateral_movement anomaly, and edges named in its summary. */
    static final int MAX_LISTED = 20;

    private BaselineAnomalies() {
    }

    /** @param denied NetworkPolicy denies the flow (judged even in a learning period) */
    static Anomaly newEdge(String id, EdgeKey edge, Flow flow, long learningStarted, int edgesInBaseline,
                           long nowMillis, boolean denied) {
        String summary = String.format(Locale.ROOT,
                "new edge %s, outside the baseline learned since %s (%d edges)%s; learned from now on",
                edge, Instant.ofEpochMilli(learningStarted), edgesInBaseline,
                denied ? "; NetworkPolicy denies it, so no learning period takes it as normal" : "");
        return Anomaly.newBuilder().setId(id).setAnomalyType(NEW_EDGE).setSeverity(Severity.SEVERITY_LOW)
                .setScore(0.5).setSource(flow.getSource()).setDestination(flow.getDestination())
                .setStart(flow.hasFirstSeen() ? flow.getFirstSeen() : Timestamps.fromMillis(nowMillis))
                .setEnd(flow.hasLastSeen() ? flow.getLastSeen() : Timestamps.fromMillis(nowMillis))
                .setExplanation(Explanation.newBuilder().setSummary(summary)
                        .addObservations(observation("flows_on_edge_in_baseline", 0, 1, "flows"))
                        .addObservations(observation("edges_in_baseline", edgesInBaseline, edgesInBaseline, "edges")))
                .addEvidenceFlowIds(flow.getFlowId())
                .setDetector("aggregator." + NEW_EDGE)
                .build();
    }

    static Anomaly lateral(String id, LateralMovementDetector.Burst burst, Flow last, BaselineConfig config) {
        StringBuilder listed = new StringBuilder();
        int n = 0;
        for (LateralMovementDetector.NewEdge e : burst.edges()) {
            if (n++ == MAX_LISTED) {
                listed.append(", ...");
                break;
            }
            listed.append(n == 1 ? "" : ", ").append(e.edge().destination()).append(':').append(e.edge().port())
                    .append('/').append(EdgeKey.protocolName(e.edge().protocol()));
        }
        long first = burst.edges().getFirst().atMillis();
        long end = burst.edges().getLast().atMillis();
        String summary = String.format(Locale.ROOT,
                "%s opened %d new edges to %d peers on %d ports in %.0f s (at least %d edges to %d peers in %d s "
                        + "looks like lateral movement): %s",
                burst.source(), burst.edges().size(), burst.peers(), burst.ports(), (end - first) / 1000.0,
                config.lateralMinEdges(), config.lateralMinPeers(), config.lateralWindow().toSeconds(), listed);
        double over = (double) burst.edges().size() / config.lateralMinEdges();
        Anomaly.Builder b = Anomaly.newBuilder().setId(id).setAnomalyType(LATERAL_MOVEMENT)
                .setSeverity(Severity.SEVERITY_HIGH).setScore(Math.min(1, 0.5 * over))
                .setSource(Endpoint.newBuilder().setIp(last.getSource().getIp())
                        .setWorkload(last.getSource().getWorkload()))
                .setStart(Timestamps.fromMillis(first)).setEnd(Timestamps.fromMillis(end))
                .setExplanation(Explanation.newBuilder().setSummary(summary)
                        .addObservations(observation("new_edges", burst.edges().size(), config.lateralMinEdges(),
                                "edges"))
                        .addObservations(observation("distinct_new_peers", burst.peers(), config.lateralMinPeers(),
                                "peers")))
                .setAttackTechnique(LATERAL_TECHNIQUE)
                .setDetector("aggregator." + LATERAL_MOVEMENT);
        for (int i = 0; i < Math.min(MAX_LISTED, burst.edges().size()); i++) {
            b.addEvidenceFlowIds(burst.edges().get(i).flowId());
        }
        return b.build();
    }

    private static Observation observation(String name, double observed, double expected, String unit) {
        return Observation.newBuilder().setName(name).setObserved(observed).setExpected(expected).setUnit(unit).build();
    }
}
