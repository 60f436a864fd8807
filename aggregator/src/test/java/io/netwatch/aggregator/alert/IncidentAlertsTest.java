package io.netwatch.aggregator.alert;

import static io.netwatch.aggregator.alert.AlertFixtures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.netwatch.aggregator.incident.BeaconConfig;
import io.netwatch.aggregator.incident.IncidentConfig;
import io.netwatch.aggregator.incident.IncidentCounters;
import io.netwatch.aggregator.incident.IncidentTracker;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Incidents as alerts: their labels, and their life in the router as the aggregator wires them (Alerting.start). */
class IncidentAlertsTest {
    private final long[] clock = {AlertFixtures.T0.toEpochMilli()};
    private final RecordingSink sink = new RecordingSink();
    private SinkQueue queue;
    private IncidentTracker tracker;

    @AfterEach
    void close() throws InterruptedException {
        if (queue != null) {
            queue.close();
        }
        if (tracker != null) {
            tracker.close();
        }
    }

    private static Anomaly anomaly(String id, String type, Severity severity, String target, long second) {
        return Anomaly.newBuilder().setId(id).setNodeName("node-a").setAnomalyType(type).setSeverity(severity)
                .setSource(Endpoint.newBuilder().setIp("10.1.0.7").setWorkload(Workload.newBuilder()
                        .setNamespace("shop").setPodName("web-abc").setWorkloadKind("Deployment")
                        .setWorkloadName("web")))
                .setDestination(Endpoint.newBuilder().setIp(target))
                .setStart(Timestamps.fromSeconds(second)).setEnd(Timestamps.fromSeconds(second + 1)).build();
    }

    private AlertRouter router(AlertRoute root) {
        queue = new SinkQueue("team", sink, new DeliveryPolicy(Duration.ofSeconds(1), 0, Duration.ZERO,
                Duration.ZERO, 1000, 0, Duration.ofHours(1)));
        return new AlertRouter(root, Map.of("team", queue), List.of(), 10_000, 1000);
    }

    private IncidentTracker tracker(AlertRouter router) {
        tracker = new IncidentTracker(new IncidentConfig(Duration.ofMinutes(30), Duration.ofMinutes(15), 100, 100,
                BeaconConfig.defaults()), new IncidentCounters(), () -> clock[0]);
        tracker.subscribe(new IncidentAlerts(router::submit, ""));
        return tracker;
    }

    /**
     * docs/alerts.md: "When all its alerts have resolved the group sends one resolve notice and
     * ends"; "a resolve closes what the first notification opened". With the default group_by
     * [anomaly_type, namespace], an incident that gains a second anomaly type moves to another
     * group. Found in review: its resolve reached only that one, and the first group kept the
     * alert firing for good (re-notified every repeat_interval, never evictable).
     */
    @Test
    void anIncidentThatGainsATypeIsResolvedInEveryGroupItFiredIn() throws Exception {
        AlertRoute root = new AlertRoute("route", AlertMatcher.ANY, "team", List.of("anomaly_type", "namespace"),
                Duration.ZERO, Duration.ofMinutes(5), Duration.ofHours(4), false, List.of());
        AlertRouter router = router(root);
        IncidentTracker t = tracker(router);
        long s = clock[0] / 1000;
        t.anomalyStored(anomaly("a-1", "port_scan", Severity.SEVERITY_HIGH, "10.2.0.1", s), clock[0]);
        assertTrue(t.awaitIdle(10_000));
        router.tick(clock[0]);
        clock[0] += 60_000;
        t.anomalyStored(anomaly("a-2", "ip_sweep", Severity.SEVERITY_HIGH, "10.2.0.2", s + 60), clock[0]);
        assertTrue(t.awaitIdle(10_000));
        router.tick(clock[0]);
        clock[0] += Duration.ofMinutes(15).toMillis();
        t.sweepNow();
        assertTrue(t.awaitIdle(10_000));
        assertEquals(0, t.openCount(), "the incident resolved");
        for (int i = 0; i < 3; i++) {
            clock[0] += Duration.ofMinutes(5).toMillis();
            router.tick(clock[0]);
        }
        await(() -> queue.sent() == router.notifications(), "every notification delivered");
        // Every group that told the receiver of the firing incident must have told it of the resolve.
        Set<String> firingGroups = new TreeSet<>();
        Set<String> resolvedGroups = new TreeSet<>();
        for (Notification n : sink.got) {
            (n.status() == AlertEvent.State.FIRING ? firingGroups : resolvedGroups).add(n.groupKey());
        }
        assertEquals(Set.of("route{anomaly_type=port_scan;namespace=shop;}",
                "route{anomaly_type=ip_sweep,port_scan;namespace=shop;}"), firingGroups,
                "the incident fired in the port_scan group, then moved to the group of both types");
        assertEquals(firingGroups, resolvedGroups, "groups told of the firing incident but never of its resolve");
        for (Notification n : sink.got) {
            assertEquals(1, n.alerts().size(), n.toString());
            assertEquals(n.status(), n.alerts().getFirst().state(), "the one incident, as the notice says: " + n);
        }
        assertEquals(0, router.groups(), "every group ended once the incident resolved");
    }

    /**
     * docs/alerts.md: a route's `match.workload` is a "list of `Kind/name`", e.g. the example's
     * {workload: [Deployment/checkout, StatefulSet/db]}. Found in review: an incident of
     * Deployment shop/web became an alert whose workload was "web", so such a route never took it.
     */
    @Test
    void aRouteOnTheActorsWorkloadTakesItsIncident() throws Exception {
        AlertRoute pods = new AlertRoute("route.routes[0]", new AlertMatcher(Set.of(), Severity.SEVERITY_UNKNOWN,
                Set.of(), Set.of(), Set.of("Deployment/web")), "pods", List.of(), Duration.ZERO,
                Duration.ofMinutes(5), Duration.ofHours(4), false, List.of());
        AlertRoute root = new AlertRoute("route", AlertMatcher.ANY, "team", List.of(), Duration.ZERO,
                Duration.ofMinutes(5), Duration.ofHours(4), false, List.of(pods));
        List<AlertEvent> events = new ArrayList<>();
        tracker = new IncidentTracker(IncidentConfig.defaults(), new IncidentCounters(), () -> clock[0]);
        tracker.subscribe(new IncidentAlerts(events::add, ""));
        tracker.anomalyStored(anomaly("a-1", "port_scan", Severity.SEVERITY_HIGH, "10.2.0.1", clock[0] / 1000),
                clock[0]);
        assertTrue(tracker.awaitIdle(10_000));
        assertEquals(1, events.size());
        AlertEvent e = events.getFirst();
        assertEquals("Deployment/web", e.workload(), "Kind/name, as routes name workloads");
        assertEquals("shop", e.namespace());
        assertEquals(List.of(pods), root.select(e), "routed to the Deployment/web route; the alert's workload is '"
                + e.workload() + "'");
    }

    /**
     * A flood is keyed by its victim ("target shop/web:80", docs/incidents.md): its alert is in
     * the victim's namespace, and names no workload of its (spoofable) sources.
     */
    @Test
    void aFloodsAlertIsInItsVictimsNamespaceAndNamesNoWorkload() throws Exception {
        List<AlertEvent> events = new ArrayList<>();
        tracker = new IncidentTracker(IncidentConfig.defaults(), new IncidentCounters(), () -> clock[0]);
        tracker.subscribe(new IncidentAlerts(events::add, ""));
        long s = clock[0] / 1000;
        tracker.anomalyStored(Anomaly.newBuilder().setId("f-1").setNodeName("node-a").setAnomalyType("syn_flood")
                .setSeverity(Severity.SEVERITY_HIGH).setDestination(Endpoint.newBuilder().setIp("10.1.0.9").setPort(80)
                        .setWorkload(Workload.newBuilder().setNamespace("shop").setPodName("web-abc")
                                .setWorkloadKind("Deployment").setWorkloadName("web")))
                .setStart(Timestamps.fromSeconds(s)).setEnd(Timestamps.fromSeconds(s + 1)).build(), clock[0]);
        assertTrue(tracker.awaitIdle(10_000));
        assertEquals(1, events.size());
        AlertEvent e = events.getFirst();
        assertEquals("target shop/web:80", e.actor());
        assertEquals("shop", e.namespace());
        assertEquals("", e.workload());
    }
}
