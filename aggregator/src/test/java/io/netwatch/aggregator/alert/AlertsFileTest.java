package io.netwatch.aggregator.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The alerts file: a full example reads as written; every mistake names file, line, key and what is allowed. */
class AlertsFileTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    @TempDir
    Path dir;

    @AfterAll
    static void closeClient() {
        HTTP.close();
    }

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private AlertsConfig load(String yaml) throws Exception {
        return AlertsFile.load(write("alerts.yaml", yaml),
                new AlertsFile.SinkContext(HTTP, null, Clock.systemUTC(), Map.of("OPSGENIE_KEY", "og-key")));
    }

    private String error(String yaml) {
        return assertThrows(AlertsConfigException.class, () -> load(yaml)).getMessage();
    }

    @Test
    void aMissingFileIsNamedInWords() {
        Path missing = dir.resolve("nowhere.yaml");
        String m = assertThrows(AlertsConfigException.class, () -> AlertsFile.load(missing,
                new AlertsFile.SinkContext(HTTP, null, Clock.systemUTC(), Map.of()))).getMessage();
        assertEquals(missing + ": no such file (alerts.file)", m);
    }

    @Test
    void theFullExampleReadsAsWritten() throws Exception {
        write("hook-secret", "s3cret\n");
        write("pd-key", "R0UT1NG\n");
        write("slack-url", "https://hooks.slack.com/services/T0/B0/X\n");
        AlertsConfig c = load("""
                incident_url: https://grafana.example/d/netwatch?var-alert={key}
                resolve_after: 10m
                route:
                  receiver: team
                  group_by: [anomaly_type, namespace]
                  group_wait: 30s
                  group_interval: 5m
                  repeat_interval: 4h
                  routes:
                    - match: {min_severity: critical}
                      receiver: pager
                      group_wait: 0s
                      continue: true
                    - match:
                        namespace: [shop, payments]
                        anomaly_type: [port_scan, syn_flood]
                        workload: Deployment/web
                      receiver: chat
                receivers:
                  - name: team
                    webhook: {url: "https://hooks.example/netwatch", secret_file: DIR/hook-secret}
                    rate_limit: {count: 20, per: 1h}
                  - name: pager
                    pagerduty: {routing_key_file: DIR/pd-key}
                    timeout: 5s
                    retries: 8
                    backoff: 1s
                    max_backoff: 2m
                    queue_size: 500
                  - name: chat
                    slack: {url_file: DIR/slack-url}
                  - name: genie
                    opsgenie: {api_key_env: OPSGENIE_KEY, url: "https://api.eu.opsgenie.com"}
                  - name: am
                    alertmanager: {url: "http://alertmanager.monitoring:9093", resolve_timeout: 30m}
                silences:
                  - match: {namespace: load-test}
                    ends_at: 2026-12-01T00:00:00Z
                    comment: load test week
                """.replace("DIR", dir.toString()));
        assertEquals(List.of("team", "pager", "chat", "genie", "am").stream().sorted().toList(),
                c.receivers().keySet().stream().sorted().toList());
        assertInstanceOf(WebhookSink.class, c.receivers().get("team").sink());
        assertInstanceOf(PagerDutySink.class, c.receivers().get("pager").sink());
        assertInstanceOf(SlackSink.class, c.receivers().get("chat").sink());
        assertInstanceOf(OpsgenieSink.class, c.receivers().get("genie").sink());
        assertInstanceOf(AlertmanagerSink.class, c.receivers().get("am").sink());
        assertEquals(new DeliveryPolicy(Duration.ofSeconds(5), 8, Duration.ofSeconds(1), Duration.ofMinutes(2), 500, 0,
                Duration.ofMinutes(1)), c.receivers().get("pager").delivery());
        assertEquals(20, c.receivers().get("team").delivery().rateCount());
        assertEquals(Duration.ofMinutes(10), c.resolveAfter());
        assertEquals("https://grafana.example/d/netwatch?var-alert={key}", c.linkTemplate());
        AlertRoute pager = c.route().routes().get(0);
        assertEquals(Duration.ZERO, pager.groupWait());
        assertEquals(List.of("anomaly_type", "namespace"), pager.groupBy(), "inherited");
        assertTrue(pager.continueMatching());
        assertEquals("Deployment/web", c.route().routes().get(1).match().workloads().iterator().next());
        assertEquals(1, c.silences().size());
    }

    @Test
    void mistakesNameTheFileLineKeyAndWhatIsAllowed() {
        String head = "receivers:\n  - name: am\n    alertmanager: {url: \"http://am:9093\"}\n";
        String e = error(head + "route:\n  receiver: am\n  routes:\n    - match: {severity: hgh}\n      receiver: am\n");
        assertTrue(e.contains("alerts.yaml line 7, key route.routes[0].match.severity: 'hgh'"), e);
        assertTrue(e.contains("allowed: info, low, medium, high, critical"), e);

        e = error(head + "route:\n  receiver: pager\n");
        assertTrue(e.contains("line 5, key route.receiver: no receiver is named 'pager'; receivers: am"), e);

        e = error(head + "route:\n  receiver: am\n  group_wiat: 10s\n");
        assertTrue(e.contains("line 6, key route.group_wiat: unknown key; allowed here: continue, group_by"), e);

        e = error(head + "route:\n  receiver: am\n  group_wait: soon\n");
        assertTrue(e.contains("key route.group_wait: 'soon' is not a duration (examples: 30s, 5m, 500ms, 2h, 1h30m,"
                + " PT30S)"), e);

        e = error(head + "route:\n  receiver: am\nresolve_after: 500ms\n");
        assertTrue(e.contains("key resolve_after: '500ms' is not allowed; use a duration of at least 1s"), e);

        e = error(head + "route:\n  receiver: am\n  routes:\n    - match: {anomaly_type: portscan}\n");
        assertTrue(e.contains("key route.routes[0].match.anomaly_type: 'portscan' is not a known anomaly type; "
                + "allowed: port_scan"), e);

        e = error(head + "route:\n  receiver: am\n  group_by: [pod]\n");
        assertTrue(e.contains("key route.group_by: 'pod' is not a label; allowed: key, severity"), e);

        e = error(head + "route: {receiver: am}\nsilences:\n  - match: {namespace: x}\n");
        assertTrue(e.contains("line 6, key silences[0]: a silence needs match and ends_at"), e);
        // Found in review: accepted, it overflowed the router's clock on every tick.
        e = error(head + "route: {receiver: am}\nsilences:\n  - match: {namespace: x}\n    ends_at: \"+999999999-12-31T23:59:59Z\"\n");
        assertTrue(e.contains("key silences[0].ends_at: '+999999999-12-31T23:59:59Z' is not allowed; use a time from 1970 to 9999"), e);

        e = error("route: {receiver: x}\nreceivers:\n  - name: x\n    webhook: {url: \"ftp://h/\", secret_env: S}\n");
        assertTrue(e.contains("line 4, key receivers[0].webhook.url: 'ftp://h/' is not allowed; use an http:// or "
                + "https:// URL"), e);

        e = error("route: {receiver: x}\nreceivers:\n  - name: x\n    webhook: {url: \"https://h/\", secret_env: S}\n");
        assertTrue(e.contains("environment variable S is not set"), e);

        e = error("route: {receiver: x}\nreceivers:\n  - name: x\n    pagerduty: {routing_key: abc}\n");
        assertTrue(e.contains("key receivers[0].pagerduty.routing_key: unknown key; allowed here: routing_key_env, "
                + "routing_key_file, url"), e);

        e = error("route: {receiver: x}\nreceivers:\n  - name: x\n    kubernetes_events: {}\n");
        assertTrue(e.contains("kubernetes_events needs the cluster: set kubernetes.enabled"), e);

        e = error("route: {receiver: x}\nreceivers:\n  - name: x\n");
        assertTrue(e.contains("receiver x needs exactly one sink, one of webhook, slack"), e);

        // Found in review: an empty list was reported at the route, as "receivers: " and nothing.
        e = error("route: {receiver: x}\nreceivers: []\n");
        assertTrue(e.contains("line 2, key receivers: is empty; list at least one receiver with one of webhook, slack,"),
                e);

        e = error("route: [\n");
        assertTrue(e.contains("alerts.yaml line 2: not YAML"), e);
    }

    @Test
    void alertmanagerHoldsAFiringAlertLongerThanTheRoutesRepeatIt() throws Exception {
        // Found in review: endsAt was now + 1h while a still-firing, unchanged group is sent
        // again only every repeat_interval (4h by default), so Alertmanager resolved the alert
        // after an hour and it fired again three hours later, all the while it was firing.
        AlertsConfig c = load("""
                route:
                  receiver: am
                  routes:
                    - match: {min_severity: critical}
                      receiver: am
                      repeat_interval: 6h
                receivers:
                  - name: am
                    alertmanager: {url: "http://am:9093"}
                """);
        assertEquals(Duration.ofHours(12), ((AlertmanagerSink) c.receivers().get("am").sink()).resolveTimeout(),
                "twice the longest repeat_interval of the routes sending to it");

        String e = error("""
                route:
                  receiver: am
                  repeat_interval: 4h
                receivers:
                  - name: am
                    alertmanager: {url: "http://am:9093", resolve_timeout: 1h}
                """);
        assertTrue(e.contains("line 6, key receivers[0].alertmanager.resolve_timeout: '1h' is not allowed: route sends "
                + "to this receiver and repeats a still-firing group every 4h, and Alertmanager would resolve its alerts "
                + "in between; use a resolve_timeout longer than 4h (e.g. 8h) or a shorter repeat_interval there"), e);
    }

    @Test
    void aMissingSecretFileStopsTheStartAndNamesIt() {
        String e = error("route: {receiver: pd}\nreceivers:\n  - name: pd\n    pagerduty:\n"
                + "      routing_key_file: /var/run/secrets/netwatch/pagerduty-key\n");
        assertTrue(e.contains("line 5, key receivers[0].pagerduty.routing_key_file: secret file "
                + "/var/run/secrets/netwatch/pagerduty-key does not exist (is the Secret mounted?)"), e);
        // Found in review: a directory or a device was reported as missing.
        e = error("route: {receiver: pd}\nreceivers:\n  - name: pd\n    pagerduty:\n"
                + "      routing_key_file: " + dir + "\n");
        assertTrue(e.contains("secret file " + dir + " is a directory, not a file: name the file in it, e.g. "
                + dir.resolve("token")), e);
        e = error("route: {receiver: pd}\nreceivers:\n  - name: pd\n    pagerduty:\n      routing_key_file: /dev/zero\n");
        assertTrue(e.contains("secret file /dev/zero is not a regular file (a device or a pipe)"), e);
    }

    @Test
    void aSecretNeverComesFromTheFileItselfAndIsNeverEchoed() throws Exception {
        write("bad-url", "not a url at all");
        String e = error("route: {receiver: s}\nreceivers:\n  - name: s\n    slack: {url_file: DIR/bad-url}\n"
                .replace("DIR", dir.toString()));
        assertTrue(e.contains("the secret is not"), e);
        assertTrue(!e.contains("not a url at all"), "the secret's value is not repeated: " + e);
        e = error("route: {receiver: w}\nreceivers:\n  - name: w\n    webhook: {url: \"https://h/\"}\n");
        assertTrue(e.contains("give exactly one of secret_file (a mounted Secret) or secret_env"), e);
    }

    @Test
    void anApiKeyThatCannotBeAHeaderIsRefusedWithoutShowingIt() throws Exception {
        // Found in review: a key file of two lines was read as one key; the JDK refused the
        // Authorization header on every send with an error quoting the header, key and all,
        // and the queue logged that error for every notification.
        write("og-key", "eb243592-faa2-4ba2\nsecond line\n");
        String e = error("route: {receiver: og}\nreceivers:\n  - name: og\n    opsgenie: {api_key_file: DIR/og-key}\n"
                .replace("DIR", dir.toString()));
        assertTrue(e.contains("line 4, key receivers[0].opsgenie.api_key_file: the secret in " + dir.resolve("og-key")
                + " has a line break, another control character or a character past Latin-1 inside"), e);
        assertTrue(!e.contains("eb243592") && !e.contains("second line"), "the secret is not repeated: " + e);
    }

    @Test
    void aliasBombsRecursionAndDeepNestingAreRefusedNotWalked() {
        // Found in review: 23 anchors, each route naming the one before twice, kept the
        // aggregator expanding for minutes (5 GB); an anchor inside itself overflowed the stack.
        StringBuilder bomb = new StringBuilder("receivers:\n  - name: hook\n    webhook: {url: \"https://h/\", secret_env: X}\n");
        bomb.append("r0: &r0 {receiver: hook}\n");
        for (int i = 1; i <= 23; i++) {
            bomb.append("r").append(i).append(": &r").append(i).append(" {receiver: hook, routes: [*r").append(i - 1)
                    .append(", *r").append(i - 1).append("]}\n");
        }
        bomb.append("route: *r23\n");
        assertTrue(error(bomb.toString()).endsWith("more than 100000 values once its aliases are expanded (anchors naming anchors)"),
                error(bomb.toString()));
        String recursive = error("route: &r {receiver: hook, routes: [*r]}\nreceivers: [{name: hook}]\n");
        assertTrue(recursive.endsWith("an alias refers to a node that contains it (line 1)"), recursive);
        String deep = error("route: " + "{routes: [".repeat(3000) + "]}".repeat(3000) + "\n");
        assertTrue(deep.contains("nested deeper than 64 levels"), deep);
    }
}
