package io.netwatch.aggregator.incident;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Regular rhythms are beacons; Poisson arrivals, bursts and repeats of one connection are not. */
class BeaconDetectorTest {
    private static final long T0_NANOS = 1_700_000_000_000_000_000L;
    private final List<Anomaly> raised = new ArrayList<>();
    private final IncidentTracker tracker = new IncidentTracker(IncidentConfig.defaults(), new IncidentCounters(),
            () -> 0L);
    private long flowId;

    @AfterEach
    void stop() throws InterruptedException {
        tracker.close();
    }

    private BeaconDetector detector(BeaconConfig config, boolean cluster) {
        return new BeaconDetector(config, cluster, tracker, raised::add);
    }

    private Flow connection(String source, String peer, int port, long startNanos) {
        return Flow.newBuilder().setFlowId(++flowId).setNodeName("node-a").setIpProtocol(6)
                .setSource(Endpoint.newBuilder().setIp(source).setPort(40_000))
                .setDestination(Endpoint.newBuilder().setIp(peer).setPort(port))
                .setFirstSeen(Timestamps.fromNanos(startNanos)).setLastSeen(Timestamps.fromNanos(startNanos + 1_000_000))
                .setToServer(Counters.newBuilder().setPackets(6).setBytes(700))
                .setToClient(Counters.newBuilder().setPackets(5).setBytes(900))
                .build();
    }

    @Test
    void aJitteredTimerIsABeaconReportedOncePerCooldown() {
        BeaconDetector d = detector(BeaconConfig.defaults(), false);
        Random random = new Random(7);
        long t = T0_NANOS;
        for (int i = 0; i < 20; i++) {
            // 30 s +- 20 % uniform jitter.
            t += (long) (30e9 * (0.8 + 0.4 * random.nextDouble()));
            d.judge(connection("10.1.0.5", "203.0.113.7", 443, t));
        }
        assertEquals(1, raised.size(), "one report within the cooldown: " + raised);
        Anomaly a = raised.getFirst();
        assertEquals("beaconing", a.getAnomalyType());
        assertEquals("aggregator.beaconing", a.getDetector());
        assertEquals("", a.getNodeName());
        assertTrue(a.getId().startsWith("aggregator.beaconing-"), a.getId());
        assertEquals("T1071", a.getAttackTechnique());
        assertEquals(10, a.getEvidenceFlowIdsCount(), "the ten connections that made the rhythm");
        double period = a.getExplanation().getObservations(0).getObserved();
        double jitter = a.getExplanation().getObservations(1).getObserved();
        assertTrue(period > 25 && period < 35, "period " + period);
        assertTrue(jitter < 0.2, "jitter " + jitter);
        assertTrue(a.getExplanation().getSummary().contains("203.0.113.7:443"), a.getExplanation().getSummary());
    }

    @Test
    void missedBeatsAndRepeatedRecordsOfOneConnectionStillLookLikeTheTimer() {
        BeaconDetector d = detector(BeaconConfig.defaults(), false);
        for (int beat = 0; beat < 12; beat++) {
            if (beat == 3 || beat == 7) {
                continue;
            }
            Flow f = connection("10.1.0.5", "203.0.113.7", 8443, T0_NANOS + beat * 10_000_000_000L);
            d.judge(f);
            d.judge(f.toBuilder().setInterim(true).build());
            // The same connection seen by a second node, 2 ms later by its clock.
            d.judge(f.toBuilder().setNodeName("node-b").setFirstSeen(Timestamps.fromNanos(
                    Timestamps.toNanos(f.getFirstSeen()) + 2_000_000)).build());
        }
        assertEquals(1, raised.size());
        assertEquals(10.0, raised.getFirst().getExplanation().getObservations(0).getObserved(), 1e-9);
    }

    @Test
    void poissonArrivalsAreNotBeacons() {
        BeaconDetector d = detector(BeaconConfig.defaults(), false);
        Random random = new Random(42);
        int pairs = 2_000;
        for (int p = 0; p < pairs; p++) {
            long t = T0_NANOS;
            for (int i = 0; i < 40; i++) {
                t += (long) (-Math.log(1 - random.nextDouble()) * 30e9);
                d.judge(connection("10.1." + p / 250 + "." + p % 250, "203.0.113.7", 443, t));
            }
        }
        System.out.printf("beaconing: %d of %d Poisson pairs (40 connections each, mean 30 s) reported%n",
                raised.size(), pairs);
        assertEquals(List.of(), raised.stream().map(a -> a.getExplanation().getSummary()).toList());
    }

    @Test
    void jitteredTimersAreFound() {
        assertTrue(found(0.20) >= 0.99, "+-20 % jitter");
        assertTrue(found(0.25) >= 0.95, "+-25 % jitter, the edge of the default max_jitter 0.2");
    }

    /** Share of 2000 timers (5-120 s, uniform jitter of +-{@code jitter}, 20 connections) reported. */
    private double found(double jitter) {
        raised.clear();
        BeaconDetector d = detector(BeaconConfig.defaults(), false);
        Random random = new Random(3);
        int pairs = 2_000;
        for (int p = 0; p < pairs; p++) {
            double period = 5e9 + random.nextDouble() * 115e9;
            long t = T0_NANOS;
            for (int i = 0; i < 20; i++) {
                t += (long) (period * (1 - jitter + 2 * jitter * random.nextDouble()));
                d.judge(connection("10.1." + p / 250 + "." + p % 250, "203.0.113.7", 443, t));
            }
        }
        System.out.printf("beaconing: %d of %d timers (5-120 s, +-%.0f%% jitter, 20 connections) reported%n",
                raised.size(), pairs, jitter * 100);
        return raised.size() / (double) pairs;
    }

    @Test
    void aBurstIsNotABeacon() {
        BeaconDetector d = detector(BeaconConfig.defaults(), false);
        for (int i = 0; i < 20; i++) {
            d.judge(connection("10.1.0.5", "203.0.113.7", 443, T0_NANOS + i * 100_000_000L));
        }
        assertEquals(List.of(), raised, "20 connections 100 ms apart are under the 1 s minimum period");
    }

    @Test
    void onlyAnsweredConnectionsToExternalPeersOnJudgedPortsCount() throws InterruptedException {
        BeaconDetector d = detector(BeaconConfig.defaults(), true);
        for (int i = 0; i < 20; i++) {
            long t = T0_NANOS + i * 5_000_000_000L;
            Flow internal = connection("10.1.0.5", "10.2.0.9", 443, t).toBuilder().setDestination(Endpoint.newBuilder()
                    .setIp("10.2.0.9").setPort(443).setWorkload(Workload.newBuilder().setNamespace("db"))).build();
            d.flowStored(internal, 0);
            d.flowStored(connection("10.1.0.5", "203.0.113.53", 53, t), 0);
            // A regular rhythm of probes the peer never answers (a flood, a scan's retries).
            d.flowStored(connection("10.1.0.5", "203.0.113.9", 22, t).toBuilder()
                    .setToClient(Counters.getDefaultInstance()).build(), 0);
        }
        assertTrue(tracker.awaitIdle(10_000));
        assertEquals(0, tracker.counters().beaconFlows(), "a pod-to-pod rhythm, DNS and unanswered probes are not judged");
        for (int i = 0; i < 20; i++) {
            d.flowStored(connection("10.1.0.5", "203.0.113.7", 443, T0_NANOS + i * 5_000_000_000L), 0);
        }
        assertTrue(tracker.awaitIdle(10_000));
        assertEquals(20, tracker.counters().beaconFlows());
        assertEquals(1, raised.size());
    }

    @Test
    void aRhythmToANodeAddressIsInTheClusterThoughNoPodHoldsIt() throws InterruptedException {
        // Node addresses are no pod's: the enricher names them by their network, as outside peers.
        BeaconDetector d = new BeaconDetector(BeaconConfig.defaults(), true,
                Set.of("192.168.0.2", "198.51.100.20")::contains, tracker, raised::add);
        for (int i = 0; i < 20; i++) {
            long t = T0_NANOS + i * 15_000_000_000L;
            for (String node : List.of("192.168.0.2", "198.51.100.20")) {
                Flow f = connection("10.1.0.5", node, 10250, t);
                d.flowStored(f.toBuilder().setDestination(f.getDestination().toBuilder().setWorkload(
                        Workload.newBuilder().setExternalName(node.replaceAll("\\.\\d+$", ".0/24")))).build(), 0);
            }
        }
        assertTrue(tracker.awaitIdle(10_000));
        assertEquals(0, tracker.counters().beaconFlows(), "the kubelet and a node's external address are the cluster's");
        for (int i = 0; i < 20; i++) {
            d.flowStored(connection("10.1.0.5", "192.168.7.2", 10250, T0_NANOS + i * 15_000_000_000L), 0);
        }
        assertTrue(tracker.awaitIdle(10_000));
        assertEquals(1, raised.size(), "an address no node has is judged");
    }

    @Test
    void theTableOfPairsIsBoundedAndCountsWhatItForgets() {
        BeaconDetector d = detector(new BeaconConfig(10, 0.2, Duration.ofSeconds(1), Duration.ofHours(2), 1_000,
                Duration.ofHours(1), Set.of()), false);
        for (int s = 0; s < 100_000; s++) {
            d.judge(connection("10." + (s >> 16) + "." + (s >> 8 & 255) + "." + (s & 255), "203.0.113.7", 443,
                    T0_NANOS + s));
        }
        assertEquals(1_000, d.pairs());
        assertEquals(99_000, tracker.counters().beaconPairsEvicted());
    }
}
