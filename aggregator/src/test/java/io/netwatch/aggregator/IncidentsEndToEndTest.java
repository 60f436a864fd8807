package io.netwatch.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netwatch.aggregator.incident.BeaconConfig;
import io.netwatch.aggregator.incident.IncidentConfig;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.incident.v1.Incident;
import io.netwatch.proto.incident.v1.IncidentState;
import io.netwatch.proto.query.v1.GetAnomaliesRequest;
import io.netwatch.proto.query.v1.GetIncidentsRequest;
import io.netwatch.proto.query.v1.GetIncidentsResponse;
import io.netwatch.proto.query.v1.IncidentChange;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Incidents through the real ingest stream and query API: two agents that report the same
 * scanner make one incident naming both nodes; a resend counts once; the incident resolves
 * after its quiet period; a beacon in the flows becomes a {@code beaconing} anomaly and an
 * incident.
 */
class IncidentsEndToEndTest {
    private static final long WAIT_SECONDS = 20;

    private static AggregatorServer start(Duration quiet) throws Exception {
        return AggregatorServer.start(new AggregatorConfig(new InetSocketAddress("127.0.0.1", 0), 1_000, 1_000,
                Duration.ofHours(1)).withIncidents(new IncidentConfig(Duration.ofMinutes(30), quiet, 100, 100,
                BeaconConfig.defaults())));
    }

    private static Anomaly scan(String node, long id, String target, long second) {
        return Anomaly.newBuilder().setId(node + "-port_scan-" + id).setNodeName(node).setAnomalyType("port_scan")
                .setDetector("agent.scan").setSeverity(Severity.SEVERITY_MEDIUM).setAttackTechnique("T1046")
                .setSource(Endpoint.newBuilder().setIp("10.244.9.9")).setDestination(Endpoint.newBuilder().setIp(target))
                .setStart(Timestamps.fromSeconds(second)).setEnd(Timestamps.fromSeconds(second + 3)).build();
    }

    private static List<Incident> incidents(ManagedChannel channel, GetIncidentsRequest request) {
        List<Incident> out = new ArrayList<>();
        QueryGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS).getIncidents(request)
                .forEachRemaining(r -> out.add(r.getIncident()));
        return out;
    }

    private static List<Incident> await(ManagedChannel channel, Predicate<List<Incident>> done, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        List<Incident> last = List.of();
        while (System.nanoTime() < deadline) {
            last = incidents(channel, GetIncidentsRequest.getDefaultInstance());
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        fail(what + ": " + last);
        return last;
    }

    @Test
    void twoAgentsReportingOneScannerMakeOneIncidentWithBothNodes() throws Exception {
        try (AggregatorServer aggregator = start(Duration.ofSeconds(2))) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", aggregator.port()).usePlaintext()
                    .build();
            try (TestAgent a = TestAgent.connect(channel, "node-a"); TestAgent b = TestAgent.connect(channel, "node-b")) {
                Iterator<GetIncidentsResponse> follow = QueryGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
                        .getIncidents(GetIncidentsRequest.newBuilder().setFollow(true).build());
                long now = System.currentTimeMillis() / 1000;
                a.sendAnomalies(List.of(scan("node-a", 1, "10.244.1.5", now)));
                b.sendAnomalies(List.of(scan("node-b", 1, "10.244.2.7", now + 1)));
                // Node a's agent resends its anomaly (a new batch, the same id), and node b's agent saw
                // node a's target too, in the same window: neither is a new detection.
                a.sendAnomalies(List.of(scan("node-a", 1, "10.244.1.5", now)));
                b.sendAnomalies(List.of(scan("node-b", 2, "10.244.1.5", now + 1)));

                List<Incident> all = await(channel, l -> l.size() == 1 && l.getFirst().getDuplicates() == 1,
                        "one incident with the duplicate counted");
                Incident i = all.getFirst();
                assertEquals("10.244.9.9", i.getActor());
                assertEquals("scan", i.getFamily());
                assertEquals(List.of("node-a", "node-b"), i.getNodeNamesList());
                assertEquals(List.of("10.244.1.5", "10.244.2.7"), i.getTargetsList());
                assertEquals(2, i.getDetections());
                assertEquals(Severity.SEVERITY_HIGH, i.getSeverity());
                assertEquals(Severity.SEVERITY_MEDIUM, i.getBaseSeverity());
                assertEquals(IncidentState.INCIDENT_STATE_OPEN, i.getState());
                assertEquals(1, aggregator.incidents().tracker().counters().resent());
                assertTrue(i.getSummary().startsWith("10.244.9.9: 2 detections of scan"), i.getSummary());

                // The follower saw it open, grow, and resolve after two quiet seconds.
                List<IncidentChange> changes = new ArrayList<>();
                while (!changes.contains(IncidentChange.INCIDENT_CHANGE_RESOLVED) && follow.hasNext()) {
                    GetIncidentsResponse r = follow.next();
                    assertEquals(i.getId(), r.getIncident().getId(), "one id for its whole life");
                    changes.add(r.getChange());
                }
                // OPENED, or CURRENT when the call reached the server after the first anomaly.
                assertTrue(changes.getFirst() == IncidentChange.INCIDENT_CHANGE_OPENED
                        || changes.getFirst() == IncidentChange.INCIDENT_CHANGE_CURRENT, changes.toString());
                assertEquals(IncidentChange.INCIDENT_CHANGE_RESOLVED, changes.getLast());
                // A follower that came in after the second anomaly got it folded into CURRENT.
                if (changes.getFirst() == IncidentChange.INCIDENT_CHANGE_OPENED) {
                    assertTrue(changes.contains(IncidentChange.INCIDENT_CHANGE_UPDATED), changes.toString());
                }
                List<Incident> resolved = incidents(channel, GetIncidentsRequest.newBuilder()
                        .addState(IncidentState.INCIDENT_STATE_RESOLVED).build());
                assertEquals(1, resolved.size());
                assertTrue(resolved.getFirst().hasResolved());
                assertEquals(List.of(), incidents(channel, GetIncidentsRequest.newBuilder()
                        .addState(IncidentState.INCIDENT_STATE_OPEN).build()));
                assertEquals(List.of(), incidents(channel, GetIncidentsRequest.newBuilder()
                        .setMinSeverity(Severity.SEVERITY_CRITICAL).build()));
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aBeaconInTheFlowsIsABeaconingAnomalyAndAnIncident() throws Exception {
        try (AggregatorServer aggregator = start(Duration.ofMinutes(15))) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", aggregator.port()).usePlaintext()
                    .build();
            try (TestAgent agent = TestAgent.connect(channel, "node-a")) {
                long t0 = System.currentTimeMillis() / 1000 - 3600;
                List<Flow> flows = new ArrayList<>();
                for (int beat = 0; beat < 12; beat++) {
                    flows.add(FlowFixtures.flow(beat + 1, "node-a", FlowFixtures.endpoint("10.244.1.5", 40_000 + beat),
                            FlowFixtures.endpoint("198.51.100.7", 443), 6, t0 + 60L * beat, t0 + 60L * beat + 1)
                            .toBuilder().setToClient(Counters.newBuilder().setPackets(4).setBytes(600)).build());
                    // Background traffic to another peer at random-looking times.
                    flows.add(FlowFixtures.flow(100 + beat, "node-a", FlowFixtures.endpoint("10.244.1.5", 50_000 + beat),
                            FlowFixtures.endpoint("198.51.100.8", 443), 6, t0 + (beat * beat * 37L) % 700,
                            t0 + (beat * beat * 37L) % 700 + 1).toBuilder()
                            .setToClient(Counters.newBuilder().setPackets(4).setBytes(600)).build());
                }
                agent.sendFlows(flows);
                List<Incident> all = await(channel, l -> !l.isEmpty(), "a beaconing incident");
                assertEquals(1, all.size(), all.toString());
                assertEquals("c2", all.getFirst().getFamily());
                assertEquals("10.244.1.5", all.getFirst().getActor());
                assertEquals(List.of("198.51.100.7:443"), all.getFirst().getTargetsList());
                List<Anomaly> anomalies = new ArrayList<>();
                QueryGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
                        .getAnomalies(GetAnomaliesRequest.newBuilder().addAnomalyType("beaconing").build())
                        .forEachRemaining(r -> anomalies.add(r.getAnomaly()));
                assertEquals(1, anomalies.size());
                assertEquals(60.0, anomalies.getFirst().getExplanation().getObservations(0).getObserved(), 1e-9);
                assertEquals(1, aggregator.store().anomalyCounts().count("beaconing"));
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aBadRequestIsRefusedNamingTheField() throws Exception {
        try (AggregatorServer aggregator = start(Duration.ofMinutes(15))) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", aggregator.port()).usePlaintext()
                    .build();
            try {
                StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                        () -> incidents(channel, GetIncidentsRequest.newBuilder().setMinSeverityValue(42).build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
                assertTrue(e.getStatus().getDescription().contains("min_severity"), e.getStatus().getDescription());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
