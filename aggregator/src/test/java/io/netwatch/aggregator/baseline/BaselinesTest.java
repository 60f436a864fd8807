package io.netwatch.aggregator.baseline;

import static io.netwatch.aggregator.baseline.BaselineFlows.external;
import static io.netwatch.aggregator.baseline.BaselineFlows.pod;
import static io.netwatch.aggregator.baseline.BaselineFlows.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netwatch.aggregator.store.BoundedLog;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.baseline.v1.BaselineState;
import io.netwatch.proto.baseline.v1.LearnedEdge;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.PolicyDecision;
import io.netwatch.proto.flow.v1.PolicyVerdict;
import io.netwatch.proto.flow.v1.Workload;
import io.netwatch.proto.ingest.v1.BaselineEdge;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaselinesTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long HOUR = 3_600_000L;

    private final Clocks clock = new Clocks();
    private final FlowStore store = new FlowStore(200_000, 10_000, Duration.ofDays(30));
    private Baselines baselines;

    private static final Endpoint WEB_1 = pod("10.244.1.5", "shop", "web", "web-7d9f-abcde", 40000);
    private static final Endpoint DB = pod("10.244.2.6", "shop", "db", "db-0", 5432);
    private static final Endpoint CACHE = pod("10.244.2.7", "shop", "cache", "cache-55f-aaaaa", 6379);

    /**
     * The aggregator's clocks as a test moves them: time passing moves the wall clock and the
     * monotonic one together ({@link #addAndGet}, {@link #set}); {@link #step} moves the wall clock
     * alone, as NTP or an operator does. A reading of the wall clock ({@link #get}) takes both
     * at once, and the same thread's next {@link #nanos} gives the monotonic one of that moment
     * (the baseline thread reads the wall clock, then the monotonic one): a test moving the
     * clocks while the baseline thread reads them never shows it half of a move.
     */
    private static final class Clocks {
        private record Reading(long millis, long nanos) {
        }

        private final AtomicReference<Reading> now = new AtomicReference<>(new Reading(T0, 0));
        private final ThreadLocal<Reading> read = new ThreadLocal<>();

        long get() {
            Reading r = now.get();
            read.set(r);
            return r.millis();
        }

        long nanos() {
            Reading r = read.get();
            read.remove();
            return (r != null ? r : now.get()).nanos();
        }

        /** {@code millis} pass. */
        long addAndGet(long millis) {
            if (millis < 0) {
                throw new IllegalArgumentException("time passing does not go back: step the clock");
            }
            return now.updateAndGet(r -> new Reading(r.millis() + millis, r.nanos() + millis * 1_000_000)).millis();
        }

        /** Time passes until the wall clock says {@code millis}. */
        void set(long millis) {
            addAndGet(millis - now.get().millis());
        }

        /** The wall clock is stepped by {@code millis}, no time passing. */
        void step(long millis) {
            now.updateAndGet(r -> new Reading(r.millis() + millis, r.nanos()));
        }
    }

    private Baselines start(BaselineConfig config) throws Exception {
        baselines = Baselines.start(config, store, clock::get, clock::nanos);
        return baselines;
    }

    /**
     * The table's time for a reading of the clocks at {@code millis} on the wall clock, the
     * monotonic clock having moved with it.
     */
    private static long now(BaselineTable table, long millis) {
        return table.now(millis, millis * 1_000_000);
    }

    @AfterEach
    void close() {
        if (baselines != null) {
            baselines.close();
        }
    }

    private static BaselineConfig learningFor(Duration global, Duration perWorkload) {
        return BaselineConfig.defaults().withLearning(global, perWorkload);
    }

    private void feed(Flow f) {
        store.addFlow(f, clock.get(), clock.nanos());
    }

    /** Makes each workload known during learning (a flow from it to the database). */
    private void known(Endpoint... workloads) {
        for (Endpoint w : workloads) {
            feed(tcp(w, DB, 1));
        }
    }

    private static Endpoint peer(String ip, String namespace, String deployment, int port) {
        return pod(ip, namespace, deployment, deployment + "-0", port);
    }

    private List<Anomaly> anomalies(String type) {
        baselines.flush();
        BoundedLog.Read<Anomaly> r = store.anomalies().read(0, 100_000);
        return r.entries().stream().map(BoundedLog.Entry::value).filter(a -> a.getAnomalyType().equals(type)).toList();
    }

    @Test
    void anEdgeSeenAfterLearningIsANewEdgeOnceAndThenLearned() throws Exception {
        start(learningFor(Duration.ofHours(1), Duration.ofMinutes(10)));
        feed(tcp(WEB_1, DB, 1000));
        known(CACHE);
        clock.addAndGet(2 * HOUR);
        feed(tcp(WEB_1, DB, 1000));
        assertEquals(List.of(), anomalies("new_edge"), "a learned edge is not new");

        feed(tcp(WEB_1, CACHE, 500));
        feed(tcp(WEB_1, CACHE, 500));
        List<Anomaly> raised = anomalies("new_edge");
        assertEquals(1, raised.size(), "once per edge: it is learned after the first");
        Anomaly a = raised.getFirst();
        assertEquals("aggregator.new_edge", a.getDetector());
        assertEquals("", a.getNodeName());
        assertTrue(a.getId().startsWith("aggregator.new_edge:"), a.getId());
        String summary = a.getExplanation().getSummary();
        assertTrue(summary.contains("shop/Deployment/web -> shop/Deployment/cache:6379/tcp"), summary);
        assertTrue(summary.contains(java.time.Instant.ofEpochMilli(T0).toString()), summary);
        assertTrue(summary.contains("(3 edges)"), summary);
        assertEquals(3, a.getExplanation().getObservations(1).getObserved(), 0);
        assertEquals(1, baselines.newEdges());
        assertEquals(3, baselines.stats().edges());
        assertFalse(baselines.stats().learning());
    }

    @Test
    void aRolloutOrAScaleUpOfAKnownWorkloadIsNotNew() throws Exception {
        start(learningFor(Duration.ofHours(1), Duration.ofMinutes(10)));
        feed(tcp(WEB_1, DB, 1000));
        feed(tcp(WEB_1, external("93.184.216.34", 443), 1000));
        clock.addAndGet(2 * HOUR);
        // Rollout: new ReplicaSet hash, new pod names, new addresses; then a scale-up to five.
        for (int i = 0; i < 5; i++) {
            Endpoint newPod = pod("10.244.3." + (10 + i), "shop", "web", "web-8c1e-" + i, 41000 + i);
            Endpoint newDb = pod("10.244.4." + (10 + i), "shop", "db", "db-" + i, 5432);
            feed(tcp(newPod, newDb, 800));
            feed(tcp(newPod, external("93.184.216.99", 443), 800)); // same /24 outside
        }
        assertEquals(List.of(), anomalies("new_edge"));
        assertEquals(2, baselines.stats().edges());
        assertEquals(0, baselines.newEdges());
    }

    /** An address outside the cluster as the enricher names it: a DNS name, or its network. */
    private static Endpoint named(String ip, int port, String name) {
        return Endpoint.newBuilder().setIp(ip).setPort(port).setWorkload(Workload.newBuilder().setExternalName(name))
                .build();
    }

    @Test
    void anExternalPeerKnownByItsDnsNameKeepsItsEdgeWhenTheNameIsForgotten() throws Exception {
        start(learningFor(Duration.ofHours(1), Duration.ofMinutes(10)));
        feed(tcp(WEB_1, named("54.187.1.10", 443, "api.stripe.com"), 1000));
        feed(tcp(WEB_1, named("35.1.2.3", 443, "35.1.2.0/24"), 1000)); // no answer seen for it
        clock.addAndGet(2 * HOUR);
        // A connection held for hours: an hour after the last DNS answer the enricher forgets
        // the name, and the same peer is named by its network.
        feed(tcp(WEB_1, named("54.187.1.10", 443, "54.187.1.0/24"), 1000));
        assertEquals(List.of(), anomalies("new_edge"), "one peer, one edge");
        feed(tcp(WEB_1, named("54.187.9.9", 443, "api.stripe.com"), 1000)); // a new address of the service
        feed(tcp(WEB_1, named("54.187.9.9", 443, "54.187.9.0/24"), 1000)); // the same, its name forgotten
        assertEquals(List.of(), anomalies("new_edge"));
        // Not the reverse: a name never reached is news, even on a network that is known.
        feed(tcp(WEB_1, named("35.1.2.3", 443, "evil.example"), 1000));
        assertEquals(1, anomalies("new_edge").size());
        assertTrue(baselines.snapshot().edges().stream().anyMatch(e -> e.getDestination().equals("54.187.1.0/24")),
                "the agents, which name outside peers by network, get that edge");
    }

    @Test
    void aWorkloadFirstSeenAfterLearningGetsItsOwnLearningPeriod() throws Exception {
        start(learningFor(Duration.ofHours(1), Duration.ofMinutes(10)));
        feed(tcp(WEB_1, DB, 1000));
        clock.addAndGet(2 * HOUR);
        Endpoint batch = pod("10.244.5.5", "shop", "batch", "batch-1", 40000);
        feed(tcp(batch, DB, 100));
        feed(tcp(WEB_1, pod("10.244.5.5", "shop", "batch", "batch-1", 8080), 100)); // into the new workload
        clock.addAndGet(5 * 60_000);
        feed(tcp(batch, external("198.51.100.7", 443), 100));
        assertEquals(List.of(), anomalies("new_edge"), "the new Deployment is learned, not flagged edge by edge");

        clock.addAndGet(10 * 60_000);
        feed(tcp(batch, external("203.0.113.9", 22), 100));
        List<Anomaly> raised = anomalies("new_edge");
        assertEquals(1, raised.size(), "after its own learning period the workload is judged");
        assertTrue(raised.getFirst().getExplanation().getSummary().contains("shop/Deployment/batch -> 203.0.113.0/24:22"),
                raised.getFirst().getExplanation().getSummary());
    }

    /** The flow as the aggregator stores it when NetworkPolicy denies it. */
    private static Flow denied(Flow f) {
        return f.toBuilder().setPolicy(PolicyVerdict.newBuilder().setDecision(PolicyDecision.POLICY_DECISION_DENIED)
                .setEgress("deny").setIngress("deny").addPolicies("shop/default-deny")).build();
    }

    @Test
    void aFlowNetworkPolicyDeniesIsNeverLearnedAsNormal() throws Exception {
        // A compromised pod probing during the learning period: what the policies deny is not
        // the cluster's normal traffic, and learnt it would stay allowed for good.
        start(learningFor(Duration.ofHours(1), Duration.ofMinutes(10)).withLateral(Duration.ofMinutes(5), 4, 4));
        feed(tcp(WEB_1, DB, 1000));
        for (int i = 0; i < 4; i++) {
            known(peer("10.244.6." + i, "prod", "svc" + i, 40000));
        }
        for (int i = 0; i < 4; i++) {
            feed(denied(tcp(WEB_1, peer("10.244.6." + i, "prod", "svc" + i, 22), 60)));
        }
        assertTrue(baselines.stats().learning());
        List<Anomaly> raised = anomalies("new_edge");
        assertEquals(4, raised.size(), "judged although the learning period runs");
        String summary = raised.getFirst().getExplanation().getSummary();
        assertTrue(summary.contains("shop/Deployment/web -> prod/Deployment/svc0:22/tcp"), summary);
        assertTrue(summary.contains("NetworkPolicy denies"), summary);
        assertEquals(1, anomalies("lateral_movement").size());

        // A new workload's own learning period does not learn denied flows either.
        Endpoint batch = peer("10.244.5.5", "shop", "batch", 40000);
        feed(denied(tcp(batch, DB, 100)));
        assertEquals(5, anomalies("new_edge").size());
        // Allowed flows still teach the baseline in the learning period.
        feed(tcp(batch, CACHE, 100));
        assertEquals(5, anomalies("new_edge").size());
    }

    @Test
    void theAggregatorsClockSteppingBackReopensNoLearningPeriod() throws Exception {
        start(learningFor(Duration.ofHours(1), Duration.ofMinutes(10)));
        feed(tcp(WEB_1, DB, 1000));
        known(CACHE);
        clock.addAndGet(2 * HOUR);
        feed(tcp(WEB_1, DB, 1000));
        clock.step(-90 * 60_000); // the clock is stepped back into the learning period
        feed(tcp(WEB_1, CACHE, 500));
        Endpoint batch = peer("10.244.5.5", "shop", "batch", 40000);
        feed(tcp(batch, DB, 100)); // a new workload: its own 10 minutes, counted forward from here
        clock.addAndGet(20 * 60_000);
        feed(tcp(batch, external("203.0.113.9", 22), 100));
        List<Anomaly> raised = anomalies("new_edge");
        assertEquals(2, raised.size(), raised.toString());
        assertFalse(baselines.stats().learning(), "learning is over, whatever the clock says");
    }

    @Test
    void aBurstAcrossAClockStepHasNoNegativeDuration() throws Exception {
        start(learningFor(Duration.ofHours(1), Duration.ofMinutes(10)).withLateral(Duration.ofMinutes(5), 4, 4));
        feed(tcp(WEB_1, DB, 1000));
        for (int i = 0; i < 4; i++) {
            known(peer("10.244.6." + i, "prod", "svc" + i, 40000));
        }
        clock.addAndGet(2 * HOUR);
        for (int i = 0; i < 4; i++) {
            if (i == 2) {
                clock.step(-3 * 60_000);
            } else {
                clock.addAndGet(1_000);
            }
            feed(tcp(WEB_1, peer("10.244.6." + i, "prod", "svc" + i, 9000 + i), 200));
        }
        Anomaly a = anomalies("lateral_movement").getFirst();
        assertTrue(Timestamps.compare(a.getStart(), a.getEnd()) <= 0, a.getStart() + " after " + a.getEnd());
        assertFalse(a.getExplanation().getSummary().contains(" in -"), a.getExplanation().getSummary());
    }

    @Test
    void aFileWrittenWhileTheClockWasAheadDoesNotStretchLearning() {
        BaselineConfig config = learningFor(Duration.ofHours(1), Duration.ZERO);
        BaselineTable before = new BaselineTable(config);
        observe(before, "a", now(before, T0));
        BaselineState saved = before.state(now(before, T0 + 10 * 60_000));
        // Restarted with the clock two days behind the one that wrote the file: 50 minutes of
        // learning are left, not two days and 50 minutes.
        BaselineTable after = new BaselineTable(config);
        after.restore(saved);
        long wall = T0 - 48 * HOUR;
        assertTrue(after.learning(now(after, wall)));
        assertEquals(BaselineTable.Verdict.NEW, observe(after, "b", now(after, wall + 51 * 60_000)));
    }

    @Test
    void aWorkloadReachingManyNewPeersOnNewPortsIsLateralMovement() throws Exception {
        start(learningFor(Duration.ofHours(1), Duration.ofMinutes(10))
                .withLateral(Duration.ofMinutes(5), 8, 4));
        feed(tcp(WEB_1, DB, 1000));
        int[] ports = {22, 445, 3389, 5985, 6379, 9200, 2379, 10250, 8080, 27017};
        for (int i = 0; i < ports.length; i++) {
            known(peer("10.244.6." + i, "prod", "svc" + i, 40000));
        }
        clock.addAndGet(2 * HOUR);
        for (int i = 0; i < ports.length; i++) {
            clock.addAndGet(2_000);
            feed(tcp(WEB_1, peer("10.244.6." + i, "prod", "svc" + i, ports[i]), 200));
        }
        List<Anomaly> lateral = anomalies("lateral_movement");
        assertEquals(1, lateral.size(), "one anomaly for the burst, not one per edge past the threshold");
        Anomaly a = lateral.getFirst();
        assertEquals(Severity.SEVERITY_HIGH, a.getSeverity());
        assertTrue(a.getSeverity().getNumber() > anomalies("new_edge").getFirst().getSeverity().getNumber());
        assertEquals("T1021", a.getAttackTechnique());
        assertEquals("aggregator.lateral_movement", a.getDetector());
        assertEquals(8, a.getExplanation().getObservations(0).getObserved(), 0);
        assertEquals(8, a.getEvidenceFlowIdsCount());
        String summary = a.getExplanation().getSummary();
        assertTrue(summary.startsWith("shop/Deployment/web opened 8 new edges to 8 peers on 8 ports"), summary);
        assertTrue(summary.contains("prod/Deployment/svc0:22/tcp") && summary.contains("prod/Deployment/svc7:10250/tcp"),
                summary);
        assertEquals(10, anomalies("new_edge").size(), "each edge is still its own new_edge");
    }

    @Test
    void fewNewEdgesOneRepeatedPeerOrASlowTrickleIsNotLateralMovement() throws Exception {
        start(learningFor(Duration.ofHours(1), Duration.ofMinutes(10))
                .withLateral(Duration.ofMinutes(5), 8, 4));
        feed(tcp(WEB_1, DB, 1000));
        Endpoint api = peer("10.244.8.1", "shop", "api", 40000);
        known(api);
        for (int i = 0; i < 10; i++) {
            known(peer("10.244.7." + i, "shop", "peer" + i, 40000));
        }
        clock.addAndGet(2 * HOUR);
        // Three new peers: a normal change.
        for (int i = 0; i < 3; i++) {
            feed(tcp(WEB_1, peer("10.244.7." + i, "shop", "peer" + i, 8080), 100));
        }
        clock.addAndGet(10 * 60_000);
        // Many new ports, but on one peer only (a service's ports being added).
        for (int port = 9000; port < 9010; port++) {
            feed(tcp(WEB_1, pod("10.244.2.6", "shop", "db", "db-0", port), 100));
        }
        // Ten new peers, one every ten minutes: never 8 in a 5-minute window.
        for (int i = 0; i < 10; i++) {
            clock.addAndGet(10 * 60_000);
            feed(tcp(api, peer("10.244.7." + i, "shop", "peer" + i, 7000 + i), 100));
        }
        assertEquals(List.of(), anomalies("lateral_movement"));
        assertEquals(23, anomalies("new_edge").size());
    }

    @Test
    void volumeStatisticsArePerMinuteOfTraffic() throws Exception {
        start(learningFor(Duration.ofHours(1), Duration.ofMinutes(10)));
        long minute0 = (T0 / 60_000 + 1) * 60_000;
        long[] perMinute = {1000, 2000, 3000};
        for (int m = 0; m < perMinute.length; m++) {
            clock.set(minute0 + m * 60_000L + 5_000);
            feed(tcp(WEB_1, DB, perMinute[m] / 2));
            feed(tcp(WEB_1, DB, perMinute[m] / 2));
        }
        clock.set(minute0 + 10 * 60_000L);
        baselines.flush();
        BaselineEdge e = baselines.snapshot().edges().getFirst();
        assertEquals("shop/Deployment/web", e.getSource());
        assertEquals("shop/Deployment/db", e.getDestination());
        assertEquals(5432, e.getPort());
        assertEquals(3, e.getMinutes());
        assertEquals(2000, e.getBytesPerMinuteMean(), 1e-9);
        assertEquals(1000, e.getBytesPerMinuteStddev(), 1e-9);
        assertEquals(2, e.getFlowsPerMinuteMean(), 1e-9);
        assertEquals(0, e.getFlowsPerMinuteStddev(), 1e-9);
    }

    @Test
    void volumeIsLearnedPerNodeAsEachAgentCountsIt() throws Exception {
        // Every minute web sends db 1 MB, and both ends' nodes capture the transfer. Each agent
        // counts 1 MB in the minute against this baseline (volume_spike): the aggregator, which
        // gets both records, must not learn 2 MB.
        start(learningFor(Duration.ofHours(1), Duration.ofMinutes(10)));
        long minute0 = (T0 / 60_000 + 1) * 60_000;
        for (int m = 0; m < 12; m++) {
            clock.set(minute0 + m * 60_000L + 5_000);
            Flow f = tcp(WEB_1, DB, 1_000_000);
            feed(f);
            feed(f.toBuilder().setNodeName("node-b").build());
        }
        clock.set(minute0 + 20 * 60_000L);
        baselines.flush();
        BaselineEdge e = baselines.snapshot().edges().getFirst();
        assertEquals(1_000_000, e.getBytesPerMinuteMean(), 1e-6);
        assertEquals(1, e.getFlowsPerMinuteMean(), 1e-9);
        assertEquals(24, e.getMinutes(), "one sample per node and minute with traffic");
    }

    /** What an agent calls a spike with the defaults: mean + 4 × max(stddev, mean / 4). */
    private static double spikeAbove(EdgeStats s) {
        return s.bytesMean + 4 * Math.max(s.bytesStddev(), s.bytesMean / 4);
    }

    @Test
    void oneMinuteFarAboveItsEdgeDoesNotBlindTheEdgeForGood() {
        // An edge carrying about 1 MB a minute, then one minute of 1 GB: an exfiltration the
        // agent raised volume_spike for, or an agent's backlog of an hour, sent after a
        // disconnect and received in one minute. Folded in as it is, that one sample makes the
        // deviation 100 MB, and the agents would let 400 MB a minute through unreported.
        EdgeStats s = new EdgeStats(T0);
        long minute = T0 / 60_000 * 60_000;
        for (int m = 0; m < 100; m++) {
            s.add(minute + m * 60_000L, "node-a", 900_000 + (m % 5) * 50_000, 1);
        }
        s.add(minute + 100 * 60_000L, "node-a", 1_000_000_000, 400);
        s.settle(minute + 101 * 60_000L);
        assertEquals(101, s.minutes);
        assertTrue(spikeAbove(s) < 3_000_000, "spike above " + spikeAbove(s) + " bytes");

        // A lasting change is still learned: the edge now carries 10 MB a minute.
        long at = minute + 101 * 60_000L;
        int minutes = 0;
        while (spikeAbove(s) < 10_500_000) {
            assertTrue(++minutes < 60, "still a spike after an hour at the new level: " + spikeAbove(s));
            s.add(at, "node-a", 10_000_000, 10);
            at += 60_000;
            s.settle(at);
        }
    }

    @Test
    void countersPast2To63SaturateAndTheEdgeKeepsItsBaseline() throws Exception {
        start(learningFor(Duration.ofHours(1), Duration.ofMinutes(10)));
        long minute0 = (T0 / 60_000 + 1) * 60_000;
        clock.set(minute0);
        feed(tcp(WEB_1, DB, -1)); // a uint64 counter of 2^64 - 1, as a hostile agent may send
        clock.set(minute0 + 60_000);
        feed(tcp(WEB_1, DB, Long.MAX_VALUE));
        feed(tcp(WEB_1, DB, 1000)); // past 2^63 in the sum
        clock.set(minute0 + 2 * 60_000);
        baselines.flush();
        BaselineEdge e = baselines.snapshot().edges().getFirst();
        assertEquals(2, e.getMinutes());
        assertTrue(e.getBytesPerMinuteMean() > 1e18 && Double.isFinite(e.getBytesPerMinuteStddev()),
                e.getBytesPerMinuteMean() + " ± " + e.getBytesPerMinuteStddev());
        BaselineTable restored = new BaselineTable(BaselineConfig.defaults());
        BaselineTable table = new BaselineTable(BaselineConfig.defaults());
        EdgeNames.Named web = new EdgeNames.Named("shop/Deployment/web", true);
        EdgeKey key = new EdgeKey(web.name(), "shop/Deployment/db", 5432, 6);
        table.observe(key, null, web, web, minute0, "node-a", -1, 1, false);
        assertEquals(0, restored.restore(table.state(minute0 + 60_000)), "a file entry, not a malformed one");
        assertTrue(restored.edge(key) != null);
    }

    @Test
    void memoryStaysBoundedUnderManyRandomEdgesAndEveryDropIsCounted() throws Exception {
        start(learningFor(Duration.ofHours(1), Duration.ofMinutes(10)).withBounds(1_000, 500, 60));
        feed(tcp(WEB_1, DB, 1));
        clock.addAndGet(2 * HOUR);
        Random random = new Random(7);
        int n = 50_000;
        for (int i = 0; i < n; i++) {
            Endpoint src = pod("10." + random.nextInt(256) + "." + random.nextInt(256) + ".1", "ns" + random.nextInt(999),
                    "w" + i, "w" + i + "-0", 40000);
            feed(tcp(src, external(random.nextInt(224) + "." + random.nextInt(256) + ".1.1", random.nextInt(65536)), 1));
            if (i % 5_000 == 0) {
                baselines.flush(); // the queue is bounded too
            }
        }
        baselines.flush();
        Baselines.Stats s = baselines.stats();
        assertEquals(1_000, s.edges());
        assertEquals(500, s.workloads());
        long seen = n + 1 - baselines.dropped();
        assertEquals(seen - 1_000, s.edgesEvicted(), "every edge forgotten is counted");
        assertTrue(s.workloadsEvicted() > 0);
        // Every random workload is new, so in its learning period: nothing is reported.
        assertEquals(0, baselines.newEdges());
    }

    @Test
    void aFloodOfNewEdgesAfterLearningNeverEvictsTheLearnedBaseline() throws Exception {
        // Room for 100 edges; 50 learned. Then a spoofed SYN flood from 1,000 networks: each
        // source /24 is a new edge. Forgetting the learned edges to make room for them would
        // make every one of them "new" the next time it is used.
        start(learningFor(Duration.ofHours(1), Duration.ofMinutes(10)).withBounds(100, 1_000, 100_000));
        feed(tcp(WEB_1, DB, 1000));
        for (int i = 0; i < 49; i++) {
            feed(tcp(WEB_1, external("198.51." + i + ".1", 443), 100));
        }
        clock.addAndGet(2 * HOUR);
        Endpoint web443 = pod("10.244.1.5", "shop", "web", "web-7d9f-abcde", 443);
        for (int i = 0; i < 1_000; i++) {
            feed(tcp(external("100." + (64 + i / 256) + "." + (i % 256) + ".9", 40000), web443, 60));
        }
        baselines.flush();
        assertEquals(1_000, baselines.newEdges());
        feed(tcp(WEB_1, DB, 1000));
        for (int i = 0; i < 49; i++) {
            feed(tcp(WEB_1, external("198.51." + i + ".1", 443), 100));
        }
        baselines.flush();
        assertEquals(1_000, baselines.newEdges(), "the learned edges are still known after the flood");
        assertEquals(100, baselines.stats().edges());
        assertEquals(1_001 + 49 - 100, baselines.stats().edgesEvicted(), "every edge forgotten is counted");
    }

    /** web -> {@code peer} on a table, as one final record from node-a at {@code at}. */
    private static BaselineTable.Verdict observe(BaselineTable table, String peer, long at) {
        EdgeNames.Named web = new EdgeNames.Named("shop/Deployment/web", true);
        return table.observe(new EdgeKey(web.name(), peer, 1, 6), null, web, new EdgeNames.Named(peer, false), at,
                "node-a", 1, 1, false);
    }

    @Test
    void theFileKeepsWhichEdgesWereAddedAfterLearning() {
        BaselineConfig config = learningFor(Duration.ofHours(1), Duration.ZERO).withBounds(3, 100, 100);
        BaselineTable before = new BaselineTable(config);
        observe(before, "a", T0);
        observe(before, "b", T0);
        observe(before, "c", T0 + 2 * HOUR);
        BaselineTable after = new BaselineTable(config);
        assertEquals(0, after.restore(before.state(T0 + 2 * HOUR)));
        assertEquals(1, after.addedEdges());
        observe(after, "d", T0 + 3 * HOUR);
        assertTrue(after.edge(new EdgeKey("shop/Deployment/web", "a", 1, 6)) != null,
                "a learned edge outlasts an added one");
        assertEquals(null, after.edge(new EdgeKey("shop/Deployment/web", "c", 1, 6)));
    }

    @Test
    void aFilesStatisticsNoCounterCanMakeAreSkippedNotFoldedIntoNaN() {
        // A bit flipped in a double's exponent (a first-format file has no checksum) makes an
        // infinite or absurd mean: taken, the agents would refuse the edge, and its next minute
        // would make the statistics NaN, which the next start would skip: the edge new again.
        long minute = T0 / 60_000 * 60_000;
        LearnedEdge good = LearnedEdge.newBuilder().setSource("shop/Deployment/web").setDestination("10.0.0.0/24")
                .setPort(443).setIpProtocol(6).setFirstSeenMillis(minute).setLastSeenMillis(minute).setMinutes(20)
                .setBytesMean(1000).setBytesM2(20_000).setFlowsMean(1).build();
        BaselineState.Builder file = BaselineState.newBuilder().setVersion(1).setLearningStartedMillis(minute)
                .addEdges(good);
        double[] absurd = {Double.POSITIVE_INFINITY, 1e300};
        for (int i = 0; i < absurd.length; i++) {
            file.addEdges(good.toBuilder().setPort(1 + i).setBytesMean(absurd[i]));
            file.addEdges(good.toBuilder().setPort(11 + i).setBytesM2(absurd[i]));
            file.addEdges(good.toBuilder().setPort(21 + i).setFlowsMean(absurd[i]));
            file.addEdges(good.toBuilder().setPort(31 + i).setFlowsM2(absurd[i]));
        }
        BaselineTable table = new BaselineTable(BaselineConfig.defaults());
        assertEquals(8, table.restore(file.build()));
        assertEquals(1, table.edges());
        EdgeNames.Named web = new EdgeNames.Named("shop/Deployment/web", true);
        table.observe(new EdgeKey("shop/Deployment/web", "10.0.0.0/24", 443, 6), null, web,
                new EdgeNames.Named("10.0.0.0/24", false), minute + 60_000, "node-a", 1200, 1, false);
        for (LearnedEdge e : table.state(minute + 120_000).getEdgesList()) {
            assertTrue(Double.isFinite(e.getBytesMean()) && Double.isFinite(e.getBytesM2()), e.toString());
        }
    }

    @Test
    void newEdgesPastThePerMinuteCapAreLearnedAndCounted() throws Exception {
        start(learningFor(Duration.ofHours(1), Duration.ofMinutes(10)).withBounds(10_000, 1_000, 5));
        feed(tcp(WEB_1, DB, 1));
        clock.addAndGet(2 * HOUR);
        for (int i = 0; i < 20; i++) {
            feed(tcp(WEB_1, external("198.51." + i + ".1", 443), 10));
        }
        assertEquals(5, anomalies("new_edge").size());
        assertEquals(20, baselines.newEdges());
        assertEquals(15, baselines.newEdgesUnreported());
        assertEquals(21, baselines.stats().edges());
    }

    @Test
    void hostileNamesAndAddressesAreCountedNotThrown() throws Exception {
        start(learningFor(Duration.ZERO, Duration.ZERO));
        feed(tcp(external("", 1), DB, 1));
        feed(tcp(external("not-an-ip", 1), DB, 1));
        feed(tcp(Endpoint.newBuilder().setIp("10.0.0.1").setWorkload(Workload.newBuilder().setNamespace("x")
                .setWorkloadName("w".repeat(10_000))).build(), DB, 1));
        feed(tcp(WEB_1, external("2001:db8:1:2::7", 443), 1));
        List<Anomaly> raised = anomalies("new_edge");
        assertEquals(3, baselines.unnamed());
        assertEquals(1, raised.size());
        assertTrue(raised.getFirst().getExplanation().getSummary().contains("2001:db8:1::/48:443/tcp"),
                raised.getFirst().getExplanation().getSummary());
    }

    /**
     * Lets {@code millis} of the aggregator's time pass as it does while it runs: the baseline
     * thread reads the clock every 100 ms; here every 30 s, well within a minute.
     */
    private void run(long millis) {
        for (long left = millis; left > 0; left -= 30_000) {
            clock.addAndGet(Math.min(left, 30_000));
            baselines.flush();
        }
    }

    private static boolean inSnapshot(BaselineSnapshot s, String source, String destination) {
        return s.edges().stream().anyMatch(e -> e.getSource().equals(source) && e.getDestination().equals(destination));
    }

    @Test
    void anEdgeUnusedForLongerThanTheExpiryIsForgottenAndNewWhenNextUsed() throws Exception {
        // cache -> db was made once in the learning period (a leftover of a job, or of a
        // compromised pod); web -> db is used every two hours.
        start(learningFor(Duration.ofHours(1), Duration.ofMinutes(10)).withEdgeExpiry(Duration.ofHours(3)));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new BaselineMetrics(baselines).bindTo(registry);
        feed(tcp(WEB_1, DB, 1000));
        feed(tcp(CACHE, DB, 1000));
        run(2 * HOUR);
        feed(tcp(WEB_1, DB, 1000));
        run(2 * HOUR + 30 * 60_000);
        assertEquals(1, baselines.stats().edgesExpired(), "cache -> db, unused for 4.5 hours");
        assertEquals(1, baselines.stats().edges());
        assertEquals(1, registry.get("netwatch.baseline.expired.edges").functionCounter().count());
        assertTrue(inSnapshot(baselines.snapshot(), "shop/Deployment/web", "shop/Deployment/db"));
        assertFalse(inSnapshot(baselines.snapshot(), "shop/Deployment/cache", "shop/Deployment/db"),
                "the agents' copies lose the edge with the next snapshot");

        feed(tcp(WEB_1, DB, 1000)); // unused for 2.5 hours: kept
        feed(tcp(CACHE, DB, 1000));
        List<Anomaly> raised = anomalies("new_edge");
        assertEquals(1, raised.size(), raised.toString());
        assertTrue(raised.getFirst().getExplanation().getSummary().contains(
                "shop/Deployment/cache -> shop/Deployment/db:5432/tcp"), raised.getFirst().toString());
        assertEquals(2, baselines.stats().edges(), "learned again from its new use");
    }

    @Test
    void theLookupForgetsAnEdgePastItsExpiryWithoutWaitingForTheSweep() {
        // The lookup checks the expiry too, so an edge's fate does not hang on when the sweep ran.
        BaselineTable table = new BaselineTable(learningFor(Duration.ofMinutes(10), Duration.ZERO)
                .withEdgeExpiry(Duration.ofHours(1)));
        observe(table, "a", now(table, T0));
        long at = T0;
        for (; at < T0 + HOUR; at += 30_000) {
            now(table, at);
        }
        assertEquals(BaselineTable.Verdict.KNOWN, observe(table, "a", now(table, at)), "unused for exactly an hour");
        for (long end = at + HOUR + 30_000; at < end; at += 30_000) {
            now(table, at);
        }
        assertEquals(BaselineTable.Verdict.NEW, observe(table, "a", now(table, at)),
                "unused for an hour and 30 seconds, and no sweep ran: forgotten all the same");
        assertEquals(1, table.edgesExpired());
    }

    @Test
    void whenEveryEdgeExpiresTheAgentsAreToldTheBaselineIsEmpty() throws Exception {
        start(learningFor(Duration.ofMinutes(10), Duration.ZERO).withEdgeExpiry(Duration.ofHours(1)));
        assertFalse(baselines.snapshot().emptied(), "nothing learned yet: the agents keep what they have");
        feed(tcp(WEB_1, DB, 1000));
        baselines.flush();
        assertEquals(1, baselines.snapshot().edges().size());
        run(HOUR + 60_000);
        BaselineSnapshot s = baselines.snapshot();
        assertEquals(List.of(), s.edges());
        assertTrue(s.emptied(), "sent, so the agents' copies lose the edge too");
    }

    /**
     * Found in review: whether the baseline ever held an edge (so that an empty one is sent
     * to wipe the agents' copies) was known only in memory. Expiry empties the table on the
     * baseline thread's tick, the emptied snapshot waits for baseline.publish_every (1 min),
     * and a stop in between writes the empty table: restarted, it was taken for one that never
     * held an edge, not sent, and the agents kept the expired edges for good.
     */
    @Test
    void aBaselineEmptiedByExpiryJustBeforeARestartIsStillSentEmpty(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("baseline.pb");
        BaselineConfig config = learningFor(Duration.ofMinutes(10), Duration.ZERO).withEdgeExpiry(Duration.ofHours(1))
                .withFile(file, Duration.ofHours(1));
        start(config);
        feed(tcp(WEB_1, DB, 1000));
        baselines.flush();
        assertEquals(1, baselines.snapshot().edges().size(), "published: the agents hold the edge");
        for (long left = HOUR + 60_000; left > 0; left -= 30_000) {
            clock.addAndGet(30_000);
            baselines.saveNow(); // the baseline thread's ticks, no publish among them
        }
        assertEquals(0, baselines.stats().edges());
        baselines.close();
        start(config);
        assertTrue(baselines.snapshot().emptied(), "the agents' copies still hold the expired edge");
    }

    @Test
    void aMonthlyJobsEdgesAreKeptWithTheDefaultExpiryAndAQuietSpellPastItMakesThemNew() {
        BaselineTable table = new BaselineTable(learningFor(Duration.ofHours(24), Duration.ZERO));
        assertEquals(Duration.ofDays(45), BaselineConfig.DEFAULT_EDGE_EXPIRY);
        long at = T0;
        observe(table, "reports-db", now(table, at));
        long[] runs = {31, 28, 31, 30, 30}; // days between runs
        for (long days : runs) {
            for (long end = at + days * 24 * HOUR; at < end; at += 60_000) {
                now(table, at);
                table.expire();
            }
            assertEquals(BaselineTable.Verdict.KNOWN, observe(table, "reports-db", now(table, at)), days + " days");
        }
        for (long end = at + 46 * 24 * HOUR; at < end; at += 60_000) {
            now(table, at);
            table.expire();
        }
        assertEquals(0, table.edges(), "46 days without a run");
        assertEquals(BaselineTable.Verdict.NEW, observe(table, "reports-db", now(table, at)));
    }

    @Test
    void aClockSteppedFarAheadForgetsNoEdgeAndIsCounted() throws Exception {
        start(learningFor(Duration.ofHours(1), Duration.ofMinutes(10)).withEdgeExpiry(Duration.ofHours(3)));
        feed(tcp(WEB_1, DB, 1000));
        known(CACHE);
        run(2 * HOUR);
        clock.step(400L * 24 * HOUR); // NTP or an operator sets the clock a year ahead
        baselines.flush();
        assertEquals(2, baselines.stats().edges(), "a step of the clock is not time the edges went unused");
        assertEquals(1, baselines.stats().clockSteps());
        feed(tcp(WEB_1, DB, 1000));
        assertEquals(List.of(), anomalies("new_edge"));
        // The step counts as no time: cache -> db (last used 2 h before it) goes after 60 more.
        run(59 * 60_000 + 30_000);
        assertEquals(2, baselines.stats().edges());
        run(60_000);
        assertEquals(1, baselines.stats().edges());
        assertEquals(1, baselines.stats().edgesExpired());
    }

    /**
     * Found in review: flows reach the baseline thread stamped with the time the store got
     * them, read on an ingest thread. One stamped before a step of the clock and applied after
     * the baseline thread read the stepped clock looks like a second step the other way, and
     * the next reading a third: the counter says three steps, and the baseline's time moves
     * by the step once more (a step forward of an hour ends a 90-minute learning period after
     * an hour; a step back of an hour moves time an hour ahead).
     */
    @Test
    void aFlowStampedBeforeAClockStepForwardIsNoFurtherStep() throws Exception {
        start(learningFor(Duration.ofMinutes(90), Duration.ofMinutes(10)));
        feed(tcp(WEB_1, DB, 1000)); // learning starts
        baselines.flush();
        clock.addAndGet(50);
        long stampedMillis = clock.get(); // an ingest thread stamps a flow just before the step
        long stampedNanos = clock.nanos();
        clock.addAndGet(50);
        clock.step(HOUR); // NTP steps the clock an hour ahead
        baselines.flush();
        store.addFlow(tcp(CACHE, DB, 1000), stampedMillis, stampedNanos); // and stores it after
        baselines.flush();
        assertEquals(1, baselines.stats().clockSteps(), "the clock stepped once");
        assertTrue(baselines.stats().learning(), "an hour of the clock's time into a 90-minute learning period");
    }

    @Test
    void aFlowStampedBeforeAClockStepBackMovesNoTimeAhead() throws Exception {
        start(learningFor(Duration.ofMinutes(90), Duration.ofMinutes(10)));
        feed(tcp(WEB_1, DB, 1000)); // learning starts
        run(HOUR);
        long stampedMillis = clock.get(); // an ingest thread stamps a flow just before the step
        long stampedNanos = clock.nanos();
        clock.addAndGet(50);
        clock.step(-HOUR); // NTP steps the clock an hour back
        baselines.flush();
        store.addFlow(tcp(CACHE, DB, 1000), stampedMillis, stampedNanos); // and stores it after
        baselines.flush();
        assertEquals(1, baselines.stats().clockSteps(), "the clock stepped once");
        assertTrue(baselines.stats().learning(), "an hour into a 90-minute learning period, whatever the clock says");
    }

    /**
     * The baseline thread reads the clock ten times a second, but a reading can come late: the
     * thread held up (a slow disk under the file's write, a long collector pause) or the process
     * paused. With no reading between, the clock moved five minutes as the aggregator ran five
     * minutes: no step, and five minutes toward edges' expiry.
     */
    @Test
    void anIdleGapWithNoReadingBetweenIsRunningTimeNotAClockStep() throws Exception {
        start(learningFor(Duration.ofHours(1), Duration.ofMinutes(10)).withEdgeExpiry(Duration.ofMinutes(3)));
        feed(tcp(WEB_1, DB, 1000));
        baselines.flush();
        clock.addAndGet(5 * 60_000); // five minutes pass, no reading between
        baselines.flush();
        assertEquals(0, baselines.stats().clockSteps(), "the clock moved as time passed");
        assertEquals(1, baselines.stats().edgesExpired(), "unused five minutes of running, past an expiry of three");
    }

    @Test
    void anExpiryOfZeroKeepsEdgesForeverAsBefore() {
        BaselineConfig config = learningFor(Duration.ofMinutes(10), Duration.ZERO);
        BaselineTable never = new BaselineTable(config.withEdgeExpiry(Duration.ZERO));
        BaselineTable hour = new BaselineTable(config.withEdgeExpiry(Duration.ofHours(1)));
        for (BaselineTable t : List.of(never, hour)) {
            observe(t, "a", now(t, T0));
            for (long at = T0; at <= T0 + 400L * 24 * HOUR; at += 60_000) {
                now(t, at);
                t.expire();
            }
        }
        assertEquals(1, never.edges(), "400 days unused, never forgotten");
        assertEquals(BaselineTable.Verdict.KNOWN, observe(never, "a", now(never, T0 + 401L * 24 * HOUR)));
        assertEquals(0, never.edgesExpired());
        assertEquals(0, hour.edges(), "the same table with an expiry of an hour forgets it");
    }

    @Test
    void anEdgesTimeUnusedSurvivesARestartAndTheTimeStoppedDoesNotCount(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("baseline.pb");
        BaselineConfig config = learningFor(Duration.ofMinutes(10), Duration.ZERO).withEdgeExpiry(Duration.ofHours(1))
                .withFile(file, Duration.ofHours(1));
        start(config);
        feed(tcp(WEB_1, DB, 1000));
        feed(tcp(CACHE, DB, 1000));
        run(40 * 60_000);
        feed(tcp(WEB_1, DB, 1000));
        run(10 * 60_000);
        baselines.close(); // written on shutdown: cache -> db unused for 50 minutes, web -> db for 10
        LearnedEdge cacheDb = BaselineState.parseFrom(java.nio.file.Files.readAllBytes(file)).getEdgesList().stream()
                .filter(e -> e.getSource().equals("shop/Deployment/cache")).findFirst().orElseThrow();
        assertEquals(50 * 60_000, cacheDb.getUnusedMillis());

        clock.addAndGet(30L * 24 * HOUR); // stopped for a month, past the expiry
        start(config);
        assertEquals(2, baselines.stats().edges(), "the month stopped is not time unused");
        run(11 * 60_000);
        assertEquals(1, baselines.stats().edges(), "cache -> db: 50 minutes before the restart, 11 after");
        feed(tcp(WEB_1, DB, 1000));
        feed(tcp(CACHE, DB, 1000));
        List<Anomaly> raised = anomalies("new_edge");
        assertEquals(1, raised.size(), raised.toString());
        assertTrue(raised.getFirst().getExplanation().getSummary().contains("shop/Deployment/cache"),
                raised.getFirst().toString());
    }

    @Test
    void aFileWrittenBeforeEdgesKeptTheirTimeUnusedCountsEachAsJustUsed() {
        // An older aggregator's file: no unused_millis, every edge's last sighting long ago.
        LearnedEdge old = LearnedEdge.newBuilder().setSource("shop/Deployment/web").setDestination("10.0.0.0/24")
                .setPort(443).setIpProtocol(6).setFirstSeenMillis(T0).setLastSeenMillis(T0).setMinutes(1)
                .setBytesMean(1000).build();
        BaselineState file = BaselineState.newBuilder().setVersion(BaselineFile.VERSION).setLearningStartedMillis(T0)
                .setSavedMillis(T0 + 200L * 24 * HOUR).addEdges(old).build();
        BaselineTable table = new BaselineTable(BaselineConfig.defaults().withEdgeExpiry(Duration.ofHours(1)));
        assertEquals(0, table.restore(file));
        long at = T0 + 300L * 24 * HOUR;
        now(table, at);
        assertEquals(0, table.expire(), "upgrading forgets nothing at once");
        for (long end = at + HOUR + 60_000; at < end; at += 30_000) {
            now(table, at);
        }
        assertEquals(1, table.expire(), "an hour of running after the upgrade");
    }

    @Test
    void aFileIsTakenBackInTheOrderOfLastUseWhichTheSweepReliesOn() {
        // The sweep looks only at the least recently used edges: a file listing a long unused
        // edge after a recent one (written by hand, or by an aggregator whose clock stepped) must
        // not hide it behind the recent one.
        LearnedEdge.Builder edge = LearnedEdge.newBuilder().setSource("shop/Deployment/web").setPort(443)
                .setIpProtocol(6).setFirstSeenMillis(T0).setLastSeenMillis(T0);
        BaselineState file = BaselineState.newBuilder().setVersion(BaselineFile.VERSION).setLearningStartedMillis(T0)
                .addEdges(edge.clone().setDestination("10.0.1.0/24").setUnusedMillis(10 * 60_000))
                .addEdges(edge.clone().setDestination("10.0.2.0/24").setUnusedMillis(50 * 60_000))
                .build();
        BaselineTable table = new BaselineTable(BaselineConfig.defaults().withEdgeExpiry(Duration.ofHours(1)));
        assertEquals(0, table.restore(file));
        for (long at = T0; at <= T0 + 15 * 60_000; at += 30_000) {
            now(table, at);
        }
        assertEquals(1, table.expire());
        assertEquals(null, table.edge(new EdgeKey("shop/Deployment/web", "10.0.2.0/24", 443, 6)));
        assertTrue(table.edge(new EdgeKey("shop/Deployment/web", "10.0.1.0/24", 443, 6)) != null);
    }

    @Test
    void aTimeUnusedNoCounterCanMakeIsSkipped() {
        BaselineState file = BaselineState.newBuilder().setVersion(BaselineFile.VERSION).setLearningStartedMillis(T0)
                .addEdges(LearnedEdge.newBuilder().setSource("shop/Deployment/web").setDestination("10.0.0.0/24")
                        .setPort(443).setIpProtocol(6).setFirstSeenMillis(T0).setLastSeenMillis(T0)
                        .setUnusedMillis(-5))
                .build();
        BaselineTable table = new BaselineTable(BaselineConfig.defaults());
        assertEquals(1, table.restore(file));
        assertEquals(0, table.edges());
    }
}
