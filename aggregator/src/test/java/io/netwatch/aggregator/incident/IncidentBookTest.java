package io.netwatch.aggregator.incident;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Explanation;
import io.netwatch.proto.anomaly.v1.Observation;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Workload;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Correlation, deduplication, escalation, lifecycle and bounds of the incident book. */
class IncidentBookTest {
    private static final long T0 = 1_700_000_000L;
    private final IncidentCounters counters = new IncidentCounters();
    private final IncidentBook book = new IncidentBook(new IncidentConfig(Duration.ofMinutes(30),
            Duration.ofMinutes(15), 4, 3, BeaconConfig.defaults()), counters);

    static Anomaly anomaly(String id, String node, String type, Severity severity, String source, String target,
                           int port, long startSecond) {
        return Anomaly.newBuilder().setId(id).setNodeName(node).setAnomalyType(type).setSeverity(severity)
                .setSource(Endpoint.newBuilder().setIp(source))
                .setDestination(Endpoint.newBuilder().setIp(target).setPort(port))
                .setStart(Timestamps.fromSeconds(startSecond)).setEnd(Timestamps.fromSeconds(startSecond + 2))
                .setAttackTechnique("T1046").build();
    }

    static Anomaly scan(String id, String node, String target, long startSecond) {
        return anomaly(id, node, "port_scan", Severity.SEVERITY_MEDIUM, "10.9.9.9", target, 0, startSecond);
    }

    private Incident only() {
        List<Incident> all = book.incidents();
        assertEquals(1, all.size(), "one incident: " + all);
        return all.getFirst();
    }

    @Test
    void oneScannerOnTwoNodesIsOneIncidentListingBothNodesAndTargets() {
        List<IncidentBook.Change> first = book.accept(scan("node-a-port_scan-1", "node-a", "10.1.0.5", T0), 1_000);
        assertEquals(IncidentBook.Kind.OPENED, first.getFirst().kind());
        List<IncidentBook.Change> second = book.accept(scan("node-b-port_scan-1", "node-b", "10.2.0.7", T0 + 1), 2_000);
        assertEquals(IncidentBook.Kind.UPDATED, second.getFirst().kind());
        Incident i = only();
        assertEquals(first.getFirst().incident().id(), i.id(), "the id is stable across updates");
        assertEquals("10.9.9.9", i.actor());
        assertEquals("", i.workload(), "an address is no workload");
        assertEquals(Family.SCAN, i.family());
        assertEquals(List.of("node-a", "node-b"), i.nodes());
        assertEquals(List.of("10.1.0.5", "10.2.0.7"), i.targets());
        assertEquals(2, i.detections());
        assertEquals(List.of("T1046"), i.techniques());
        assertEquals(List.of("node-a-port_scan-1", "node-b-port_scan-1"), i.anomalyIds());
        assertEquals(Severity.SEVERITY_HIGH, i.severity(), "two nodes raise a medium scan to high");
        assertEquals(List.of("2 nodes"), i.escalations());
        assertTrue(i.summary().contains("2 nodes (node-a, node-b)") && i.summary().contains("2 targets"), i.summary());
    }

    @Test
    void aResentAnomalyAndTheSameEvidenceFromAnotherNodeCountOnce() {
        Anomaly a = scan("node-a-port_scan-1", "node-a", "10.1.0.5", T0);
        book.accept(a, 1_000);
        book.accept(a, 1_500);
        assertEquals(1, counters.resent(), "the same node and id again is a resend");
        // The same scan of the same pod, seen by the other node's agent in an overlapping window.
        book.accept(scan("node-b-port_scan-9", "node-b", "10.1.0.5", T0 + 1), 2_000);
        Incident i = only();
        assertEquals(1, i.detections(), "one scan, however many agents saw it");
        assertEquals(1, i.duplicates());
        assertEquals(1, counters.duplicates());
        assertEquals(List.of("node-a", "node-b"), i.nodes(), "both nodes are still listed");
        assertEquals(Severity.SEVERITY_HIGH, i.severity());
    }

    @Test
    void aRestartedAgentsFirstAnomalyIsNewThoughItsIdIsTheSame() {
        // Found in review: each agent process numbers its anomalies from 1, so the first
        // anomaly after a restart was taken for a resend and never reached an incident.
        book.accept(scan("node-a-port_scan-1", "node-a", "10.1.0.5", T0), 1_000);
        book.accept(anomaly("node-a-port_scan-1", "node-a", "port_scan", Severity.SEVERITY_MEDIUM, "10.8.8.8",
                "10.1.0.6", 0, T0 + 600), 2_000);
        assertEquals(0, counters.resent());
        assertEquals(List.of("10.8.8.8", "10.9.9.9"), book.incidents().stream().map(Incident::actor).sorted().toList());
    }

    @Test
    void differentSignaturesOnOneConnectionAreDifferentDetections() {
        // Found in review: three rules matching one scan counted as 1 detection and 2 duplicates.
        for (int sid = 1; sid <= 3; sid++) {
            Anomaly a = anomaly("node-a-sig-" + sid, "node-a", "signature", Severity.SEVERITY_MEDIUM, "10.9.9.9",
                    "10.1.0.5", 80, T0).toBuilder().setExplanation(Explanation.newBuilder()
                    .addObservations(Observation.newBuilder().setName("rule_sid")
                            .setObserved(9_100_060 + sid).setUnit("sid"))).build();
            book.accept(a, 1_000 + sid);
        }
        // The same rule from another node's agent is still the same evidence.
        book.accept(anomaly("node-b-sig-1", "node-b", "signature", Severity.SEVERITY_MEDIUM, "10.9.9.9", "10.1.0.5",
                80, T0).toBuilder().setExplanation(Explanation.newBuilder()
                .addObservations(Observation.newBuilder().setName("rule_sid")
                        .setObserved(9_100_061).setUnit("sid"))).build(), 2_000);
        Incident i = only();
        assertEquals(3, i.detections());
        assertEquals(1, i.duplicates());
    }

    @Test
    void severityRisesWithTypesTargetsAndRepeatedDetections() {
        book.accept(anomaly("a-1", "node-a", "port_scan", Severity.SEVERITY_MEDIUM, "10.9.9.9", "10.1.0.1", 0, T0),
                1_000);
        assertEquals(Severity.SEVERITY_MEDIUM, only().severity(), "one detection stays at its own severity");
        assertEquals(List.of(), only().escalations());
        book.accept(anomaly("a-2", "node-a", "ip_sweep", Severity.SEVERITY_MEDIUM, "10.9.9.9", "", 0, T0 + 10), 2_000);
        assertEquals(Severity.SEVERITY_HIGH, only().severity(), "a second type");
        for (int t = 2; t <= 5; t++) {
            book.accept(anomaly("a-" + (t + 1), "node-a", "port_scan", Severity.SEVERITY_MEDIUM, "10.9.9.9",
                    "10.1.0." + t, 0, T0 + 20 * t), 3_000);
        }
        Incident i = only();
        assertEquals(Severity.SEVERITY_CRITICAL, i.severity(), i.escalations().toString());
        assertEquals(List.of("2 anomaly types", "5 targets", "6 detections"), i.escalations());
        assertEquals(Severity.SEVERITY_MEDIUM, i.baseSeverity());
        assertTrue(i.summary().contains("raised from medium for 2 anomaly types, 5 targets, 6 detections"),
                i.summary());
    }

    @Test
    void aTunnelledDomainQueriedFromManyPodsIsOneCampaign() {
        for (int pod = 1; pod <= 3; pod++) {
            Anomaly a = Anomaly.newBuilder().setId("n-dns-" + pod).setNodeName("node-" + pod).setAnomalyType("dns_tunnel")
                    .setSeverity(Severity.SEVERITY_HIGH)
                    .setSource(Endpoint.newBuilder().setIp("10.1.0." + pod).setWorkload(Workload.newBuilder()
                            .setNamespace("shop").setWorkloadName("web-" + pod)))
                    .setDestination(Endpoint.newBuilder().setWorkload(Workload.newBuilder()
                            .setExternalName("tunnel.example")))
                    .setStart(Timestamps.fromSeconds(T0 + pod)).setEnd(Timestamps.fromSeconds(T0 + pod + 5)).build();
            book.accept(a, 1_000 * pod);
        }
        Incident i = only();
        assertEquals("domain tunnel.example", i.actor());
        assertEquals("tunnel.example", i.domain());
        assertEquals(Family.C2, i.family());
        assertEquals(List.of("shop/web-1", "shop/web-2", "shop/web-3"), i.sources());
        assertEquals(3, i.nodes().size());
        assertEquals(Severity.SEVERITY_CRITICAL, i.severity(), "3 sources, 3 nodes, 3 detections on a high base");
    }

    @Test
    void theWorkloadIsTheActorSoEveryPodOfADeploymentIsOne() {
        for (int pod = 1; pod <= 2; pod++) {
            book.accept(Anomaly.newBuilder().setId("b-" + pod).setNodeName("node-a").setAnomalyType("brute_force")
                    .setSeverity(Severity.SEVERITY_HIGH).setSource(Endpoint.newBuilder().setIp("10.1.0." + pod)
                            .setWorkload(Workload.newBuilder().setNamespace("shop").setPodName("web-abc-" + pod)
                                    .setWorkloadKind("Deployment").setWorkloadName("web")))
                    .setDestination(Endpoint.newBuilder().setIp("10.2.0.1").setPort(22))
                    .setStart(Timestamps.fromSeconds(T0)).setEnd(Timestamps.fromSeconds(T0 + 30)).build(), 1_000);
        }
        assertEquals("shop/web", only().actor());
        assertEquals("Deployment/web", only().workload(), "the kind the actor's name leaves out");
        assertEquals("Deployment/web", IncidentProtos.toProto(only()).getWorkload(), "what the query API sends");
        assertEquals(List.of("10.2.0.1:22"), only().targets());
    }

    @Test
    void differentFamiliesOrActorsAreDifferentIncidents() {
        book.accept(scan("s-1", "node-a", "10.1.0.5", T0), 1_000);
        book.accept(anomaly("f-1", "node-a", "syn_flood", Severity.SEVERITY_HIGH, "", "10.1.0.5", 80, T0), 1_000);
        book.accept(anomaly("s-2", "node-a", "port_scan", Severity.SEVERITY_MEDIUM, "10.8.8.8", "10.1.0.5", 0, T0),
                1_000);
        List<String> actors = book.incidents().stream().map(i -> i.family().label() + " " + i.actor()).sorted()
                .toList();
        assertEquals(List.of("flood target 10.1.0.5:80", "scan 10.8.8.8", "scan 10.9.9.9"), actors);
    }

    @Test
    void aFloodIsKeyedByItsVictimEvenWhenItNamesASource() {
        // Found in review: a flood naming its (forged) source was keyed by it, so a spoofed
        // flood of one victim became one incident per source.
        for (int s = 1; s <= 3; s++) {
            book.accept(anomaly("f-" + s, "node-a", "syn_flood", Severity.SEVERITY_HIGH,
                    "203.0.113." + s, "10.1.0.5", 80, T0 + s), 1_000);
        }
        List<String> actors = book.incidents().stream().map(Incident::actor).toList();
        assertEquals(List.of("target 10.1.0.5:80"), actors);
    }

    @Test
    void aFloodThatNamesNoVictimIsKeyedByItsSource() {
        book.accept(anomaly("f-1", "node-a", "udp_flood", Severity.SEVERITY_HIGH, "203.0.113.1", "", 0, T0), 1_000);
        assertEquals("203.0.113.1", only().actor());
    }

    @Test
    void anIncidentResolvesAfterTheQuietPeriodAndLaterEvidenceOpensANewOne() {
        book.accept(scan("s-1", "node-a", "10.1.0.5", T0), 1_000);
        assertEquals(List.of(), book.sweep(1_000 + Duration.ofMinutes(15).toMillis() - 1), "not quiet long enough");
        List<IncidentBook.Change> resolved = book.sweep(1_000 + Duration.ofMinutes(15).toMillis());
        assertEquals(1, resolved.size());
        assertEquals(IncidentBook.Kind.RESOLVED, resolved.getFirst().kind());
        Incident r = resolved.getFirst().incident();
        assertFalse(r.open());
        assertFalse(r.evicted());
        assertEquals(1_000 + Duration.ofMinutes(15).toMillis(), r.resolvedMillis());
        assertEquals(1, counters.resolved(Family.SCAN, Severity.SEVERITY_MEDIUM));
        List<IncidentBook.Change> again = book.accept(scan("s-2", "node-a", "10.1.0.6", T0 + 3_600), 2_000_000);
        assertEquals(IncidentBook.Kind.OPENED, again.getFirst().kind());
        assertTrue(!again.getFirst().incident().id().equals(r.id()), "a new incident, a new id");
        assertEquals(2, book.incidents().size(), "the resolved one is kept for the query API");
    }

    @Test
    void evidenceBeyondTheWindowResolvesTheOldIncidentAndOpensANewOne() {
        book.accept(scan("s-1", "node-a", "10.1.0.5", T0), 1_000);
        List<IncidentBook.Change> changes = book.accept(scan("s-2", "node-a", "10.1.0.6", T0 + 31 * 60), 2_000);
        assertEquals(List.of(IncidentBook.Kind.RESOLVED, IncidentBook.Kind.OPENED),
                changes.stream().map(IncidentBook.Change::kind).toList());
    }

    @Test
    void evidenceFarOlderThanTheWindowDoesNotJoinTheOpenIncident() {
        // Found in review: an anomaly delivered late (an agent resending after a long
        // disconnect) whose evidence was two days older joined the open incident, which then
        // spanned two days.
        long now = T0 + 2 * 86_400;
        book.accept(scan("s-1", "node-a", "10.1.0.5", now), 1_000);
        book.accept(scan("s-old", "node-b", "10.1.0.6", T0), 2_000);
        Incident open = book.incidents().stream().filter(Incident::open).findFirst().orElseThrow();
        assertEquals(List.of("node-a"), open.nodes(), "a two-day-old anomaly joined: " + open.summary());
    }

    @Test
    void aBacklogFromWellBeforeTheOpenIncidentIsAnIncidentOfItsOwn() {
        long now = T0 + 2 * 86_400;
        String current = book.accept(scan("s-1", "node-a", "10.1.0.5", now), 1_000).getFirst().incident().id();
        List<IncidentBook.Change> old = book.accept(scan("s-old-1", "node-b", "10.1.0.6", T0), 2_000);
        assertEquals(List.of(IncidentBook.Kind.OPENED), old.stream().map(IncidentBook.Change::kind).toList(),
                "the open incident is neither joined nor resolved");
        String backlog = old.getFirst().incident().id();
        assertTrue(!backlog.equals(current), "a new incident, a new id");
        // The rest of the backlog joins the backlog's incident; the present joins the present's.
        List<IncidentBook.Change> more = book.accept(scan("s-old-2", "node-b", "10.1.0.7", T0 + 600), 3_000);
        assertEquals(IncidentBook.Kind.UPDATED, more.getFirst().kind());
        assertEquals(backlog, more.getFirst().incident().id());
        List<IncidentBook.Change> later = book.accept(scan("s-2", "node-c", "10.1.0.8", now + 60), 4_000);
        assertEquals(List.of(IncidentBook.Kind.UPDATED), later.stream().map(IncidentBook.Change::kind).toList());
        assertEquals(current, later.getFirst().incident().id());
        Incident b = more.getFirst().incident();
        assertEquals(List.of("node-b"), b.nodes());
        assertEquals(List.of("10.1.0.6", "10.1.0.7"), b.targets());
        assertEquals(602L * 1_000_000_000L, b.lastSeenNanos() - b.firstSeenNanos());
        Incident c = later.getFirst().incident();
        assertEquals(List.of("node-a", "node-c"), c.nodes());
        assertEquals(62L * 1_000_000_000L, c.lastSeenNanos() - c.firstSeenNanos());
        // Both go quiet and resolve like any other.
        assertEquals(2, book.sweep(4_000 + Duration.ofMinutes(15).toMillis()).size());
        assertEquals(0, book.openCount());
    }

    @Test
    void earlierEvidenceWithinTheWindowJoinsAndAnotherNodesClockMayBeBehind() {
        book.accept(scan("s-1", "node-a", "10.1.0.5", T0), 1_000);
        // The same scan seen by node b, whose clock is behind: its window ends 4 s before node
        // a's starts, within the 5 s of clock difference allowed.
        List<IncidentBook.Change> skewed = book.accept(scan("s-9", "node-b", "10.1.0.5", T0 - 6), 2_000);
        assertEquals(IncidentBook.Kind.UPDATED, skewed.getFirst().kind());
        // Another target 20 minutes earlier (a slow agent) is within the window before the first evidence.
        book.accept(scan("s-0", "node-c", "10.1.0.6", T0 - 20 * 60), 3_000);
        Incident i = only();
        assertEquals(2, i.detections());
        assertEquals(1, i.duplicates(), "the skewed copy is the same detection");
        assertEquals(List.of("node-a", "node-b", "node-c"), i.nodes());
    }

    @Test
    void theCapOnOpenIncidentsEvictsTheLeastRecentlyUpdatedAndCountsIt() {
        for (int s = 1; s <= 4; s++) {
            book.accept(anomaly("s-" + s, "node-a", "port_scan", Severity.SEVERITY_MEDIUM, "10.9.0." + s, "10.1.0.1",
                    0, T0), s);
        }
        // Touch the first so the second is the least recently updated.
        book.accept(anomaly("s-1b", "node-a", "port_scan", Severity.SEVERITY_MEDIUM, "10.9.0.1", "10.1.0.2", 0,
                T0 + 100), 10);
        List<IncidentBook.Change> changes = book.accept(anomaly("s-5", "node-a", "port_scan",
                Severity.SEVERITY_MEDIUM, "10.9.0.5", "10.1.0.1", 0, T0), 20);
        assertEquals(IncidentBook.Kind.RESOLVED, changes.getFirst().kind());
        assertEquals("10.9.0.2", changes.getFirst().incident().actor());
        assertTrue(changes.getFirst().incident().evicted());
        assertEquals(1, counters.evicted());
        assertEquals(4, book.openCount());
        // Three resolved are kept: the fourth resolution forgets the oldest, counted.
        for (int s = 6; s <= 9; s++) {
            book.accept(anomaly("s-" + s, "node-a", "port_scan", Severity.SEVERITY_MEDIUM, "10.9.0." + s, "10.1.0.1",
                    0, T0), 30 + s);
        }
        assertEquals(3, book.resolvedCount());
        assertEquals(2, counters.forgotten());
        assertEquals(5, counters.evicted());
    }

    @Test
    void hostileAnomaliesAreGroupedWithinBoundsAndNeverThrow() {
        String huge = "x".repeat(100_000);
        Anomaly hostile = Anomaly.newBuilder().setId(huge).setNodeName(huge).setAnomalyType(huge)
                .setSeverity(Severity.SEVERITY_CRITICAL).setSeverityValue(99)
                .setSource(Endpoint.newBuilder().setIp(huge))
                .setStart(Timestamp.newBuilder().setSeconds(Long.MAX_VALUE).setNanos(-5))
                .setEnd(Timestamp.newBuilder().setSeconds(Long.MIN_VALUE)).build();
        book.accept(hostile, 1_000);
        book.accept(Anomaly.getDefaultInstance(), 1_000);
        for (int t = 0; t < 1_000; t++) {
            book.accept(anomaly("t-" + t, "node-" + t, "type-" + t, Severity.SEVERITY_LOW, "10.7.7.7", "10.1." + t
                    + ".1", 0, T0), 2_000);
        }
        List<Incident> all = book.incidents();
        assertEquals(3, all.size(), all.stream().map(Incident::actor).toList().toString());
        Incident many = all.stream().filter(i -> i.actor().equals("10.7.7.7")).findFirst().orElseThrow();
        assertEquals(OpenIncident.MAX_LISTED, many.nodes().size());
        assertEquals(1_000 - OpenIncident.MAX_LISTED, many.nodesMore());
        assertEquals(OpenIncident.MAX_LISTED, many.targets().size());
        assertEquals(OpenIncident.MAX_IDS, many.anomalyIds().size());
        assertEquals(OpenIncident.MAX_TYPES + 1, many.types().size(), "16 types and other");
        assertEquals(1_000, many.detections());
        Incident big = all.stream().filter(i -> i.actor().length() == IncidentKey.MAX_NAME).findFirst().orElseThrow();
        assertEquals(Family.OTHER, big.family());
        assertTrue(big.summary().length() < 5_000, "names are cut: " + big.summary().length());
    }
    @Test
    void anAnomalyAfterTheQuietPeriodOpensANewIncidentWhetherOrNotTheSweepRanFirst() {
        book.accept(scan("a-1", "node-a", "10.1.0.5", T0), 1_000);
        // The worker was busy: no sweep ran between the quiet period's end and the next anomaly.
        long late = 1_000 + Duration.ofMinutes(15).toMillis();
        List<IncidentBook.Change> changes = book.accept(scan("a-2", "node-a", "10.1.0.6", T0 + 120), late);
        assertEquals(List.of(IncidentBook.Kind.RESOLVED, IncidentBook.Kind.OPENED),
                changes.stream().map(IncidentBook.Change::kind).toList(),
                "quiet for the quiet period is resolved, as the sweep would have done");
        assertFalse(changes.getFirst().incident().evicted());
        assertEquals(1, changes.get(1).incident().detections());
    }

    @Test
    void aDnsTunnelDomainIsOneCampaignWhateverItsCaseOrTrailingDot() {
        for (String name : List.of("tunnel.example", "Tunnel.EXAMPLE", "tunnel.example.")) {
            book.accept(Anomaly.newBuilder().setId("t-" + name).setNodeName("node-a").setAnomalyType("dns_tunnel")
                    .setSeverity(Severity.SEVERITY_HIGH).setSource(Endpoint.newBuilder().setIp("10.1.0.5"))
                    .setDestination(Endpoint.newBuilder().setWorkload(Workload.newBuilder().setExternalName(name)))
                    .setStart(Timestamps.fromSeconds(T0)).setEnd(Timestamps.fromSeconds(T0 + 2)).build(), 1_000);
        }
        Incident i = only();
        assertEquals("domain tunnel.example", i.actor());
        assertEquals("tunnel.example", i.domain());
    }
}
