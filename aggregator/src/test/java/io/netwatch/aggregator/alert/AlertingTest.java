package io.netwatch.aggregator.alert;

import static io.netwatch.aggregator.alert.AlertFixtures.anomaly;
import static io.netwatch.aggregator.alert.AlertFixtures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netwatch.aggregator.incident.BeaconConfig;
import io.netwatch.aggregator.incident.IncidentConfig;
import io.netwatch.aggregator.incident.IncidentCounters;
import io.netwatch.aggregator.incident.IncidentTracker;
import com.google.protobuf.util.Timestamps;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.proto.anomaly.v1.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** End to end: an anomaly stored in the aggregator's store reaches a signed webhook, counted in the metrics. */
class AlertingTest {
    @TempDir
    Path dir;

    @Test
    void aStoredAnomalyReachesTheWebhookAndIsCounted() throws Exception {
        Files.writeString(dir.resolve("secret"), "s3cret-shared\n");
        try (CheckingServer hook = new CheckingServer(ServiceChecks.webhook("s3cret-shared"), 200, "")) {
            Path file = Files.writeString(dir.resolve("alerts.yaml"), """
                    incident_url: https://netwatch.example/alerts/{key}
                    resolve_after: 3s
                    route:
                      receiver: hook
                      group_wait: 0s
                      group_interval: 100ms
                    receivers:
                      - name: hook
                        webhook: {url: "URL/hook", secret_file: DIR/secret}
                    """.replace("URL", hook.url()).replace("DIR", dir.toString()));
            FlowStore store = new FlowStore(100, 100, Duration.ofHours(1));
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (Alerting alerting = Alerting.start(file, store, meters, null, Map.of())) {
                store.addAnomaly(anomaly("port_scan", "10.0.0.7", "shop", Severity.SEVERITY_HIGH),
                        System.currentTimeMillis());
                await(() -> hook.accepted.size() == 2, () -> "firing, then resolved after 3 quiet seconds; got "
                        + hook.all.size() + " requests, refused " + hook.refused + ", router "
                        + alerting.router().notifications() + " notifications, adapter " + alerting.adapter().fired()
                        + " fired " + alerting.adapter().resolved() + " resolved");
                assertEquals(List.of(), hook.refused);
                JsonNode firing = hook.accepted.get(0).json();
                assertEquals("firing", firing.path("status").asString());
                JsonNode alert = firing.path("alerts").get(0);
                assertEquals("anomaly:port_scan:shop/Deployment/app-10-0-0-7", alert.path("key").asString());
                assertEquals("https://netwatch.example/alerts/anomaly%3Aport_scan%3Ashop%2FDeployment%2Fapp-10-0-0-7",
                        alert.path("link").asString());
                assertEquals(List.of("shop/pod-10-0-0-7"), List.of(alert.path("pods").get(0).asString()));
                assertEquals("resolved", hook.accepted.get(1).json().path("status").asString());
                await(() -> meters.get("netwatch.alerts.sent").tag("sink", "hook").functionCounter().count() == 2,
                        "the sent counter");
                assertEquals(0.0, meters.get("netwatch.alerts.dropped").tag("sink", "hook").tag("reason", "queue_full")
                        .functionCounter().count());
                assertEquals(0.0, meters.get("netwatch.alerts.queue.depth").tag("sink", "hook").gauge().value());
            }
        }
    }

    @Test
    void theAdapterIsBoundedAndResolvesWhatItEvicts() {
        List<AlertEvent> out = new java.util.ArrayList<>();
        AnomalyAlerts adapter = new AnomalyAlerts(out::add, Duration.ofMinutes(5), 3, "");
        for (int i = 0; i < 5; i++) {
            adapter.anomalyStored(anomaly("port_scan", "10.0.0." + i, "shop", Severity.SEVERITY_HIGH), 1000 + i);
        }
        assertEquals(3, adapter.open());
        assertEquals(2, adapter.evicted());
        assertEquals(7, out.size(), "five firing, two resolved early");
        assertTrue(out.get(3).state() == AlertEvent.State.RESOLVED
                && out.get(3).key().endsWith("10-0-0-0"), out.get(3).key());
    }

    @Test
    void hostileAnomaliesAreCutToSizeAndNeverThrow() {
        List<AlertEvent> out = new java.util.ArrayList<>();
        AnomalyAlerts adapter = new AnomalyAlerts(out::add, Duration.ofMinutes(5), 10, "https://x/{key}");
        adapter.anomalyStored(io.netwatch.proto.anomaly.v1.Anomaly.newBuilder().setAnomalyType("t".repeat(100_000))
                .setExplanation(io.netwatch.proto.anomaly.v1.Explanation.newBuilder().setSummary("s".repeat(1 << 20)))
                .build(), 1);
        adapter.anomalyStored(io.netwatch.proto.anomaly.v1.Anomaly.getDefaultInstance(), 2);
        assertEquals(2, out.size());
        AlertEvent big = out.getFirst();
        assertTrue(big.key().length() < 600 && big.summary().length() <= AnomalyAlerts.MAX_SUMMARY_CHARS
                && big.title().length() <= 2 * AnomalyAlerts.MAX_NAME_CHARS, big.key().length() + " " + big.title());
        assertEquals("anomaly::unknown", out.get(1).key(), "an empty anomaly still makes a well-formed alert");
    }

    @Test
    void withIncidentsOneScanReportedByTwoNodesIsOneAlertResolvedWithItsIncident() throws Exception {
        Files.writeString(dir.resolve("secret"), "s3cret-shared\n");
        try (CheckingServer hook = new CheckingServer(ServiceChecks.webhook("s3cret-shared"), 200, "")) {
            Path file = Files.writeString(dir.resolve("alerts.yaml"), """
                    route:
                      receiver: hook
                      group_wait: 0s
                      group_interval: 100ms
                    receivers:
                      - name: hook
                        webhook: {url: "URL/hook", secret_file: DIR/secret}
                    """.replace("URL", hook.url()).replace("DIR", dir.toString()));
            FlowStore store = new FlowStore(100, 100, Duration.ofHours(1));
            long[] clock = {System.currentTimeMillis()};
            try (IncidentTracker tracker = new IncidentTracker(new IncidentConfig(Duration.ofMinutes(30),
                    Duration.ofSeconds(60), 100, 50, BeaconConfig.defaults()), new IncidentCounters(), () -> clock[0]);
                 Alerting alerting = Alerting.start(file, store, new SimpleMeterRegistry(), null, Map.of(), tracker)) {
                store.listen(tracker);
                long start = System.currentTimeMillis() / 1000;
                for (String node : List.of("node-a", "node-b")) {
                    store.addAnomaly(anomaly("port_scan", "10.0.0.7", "shop", Severity.SEVERITY_MEDIUM).toBuilder()
                            .setId(node + "-scan").setNodeName(node).setStart(Timestamps.fromSeconds(start))
                            .setEnd(Timestamps.fromSeconds(start + 1)).build(), clock[0]);
                }
                assertTrue(tracker.awaitIdle(10_000));
                await(() -> !hook.accepted.isEmpty(), "the incident's alert");
                clock[0] += 61_000;
                tracker.sweepNow();
                assertTrue(tracker.awaitIdle(10_000));
                await(() -> hook.accepted.stream().anyMatch(r -> r.json().path("status").asString().equals("resolved")),
                        "the resolve notice");
                assertEquals(List.of(), hook.refused);
                JsonNode firing = hook.accepted.getFirst().json();
                assertEquals("firing", firing.path("status").asString());
                JsonNode alert = firing.path("alerts").get(0);
                assertTrue(alert.path("key").asString().startsWith("incident:inc-"), alert.toString());
                assertEquals("shop", alert.path("namespace").asString());
                assertEquals(0, store.listenerFailures());
                List<String> statuses = hook.accepted.stream().map(r -> r.json().path("status").asString()).toList();
                assertEquals(List.of("firing", "resolved"), statuses,
                        "one firing notification for the incident, however many nodes reported it, then its resolve notice");
                for (CheckingServer.Request r : hook.accepted) {
                    List<String> keys = r.json().path("alerts").valueStream().map(a -> a.path("key").asString()).toList();
                    assertEquals(List.of(alert.path("key").asString()), keys,
                            "each notification is of the one incident's alert: " + r.body());
                }
                assertEquals(hook.accepted.size(), alerting.router().notifications(),
                        "every notification the router made reached the hook");
            }
        }
    }
}
