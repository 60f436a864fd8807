package io.netwatch.aggregator.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/alerts.md's "A full example" is a file the aggregator takes, as printed: only the
 * secrets' directory is moved to a temporary one. A reader copies it; a stale key or a value
 * the file now refuses (a resolve_timeout not longer than the routes' repeat_interval) would
 * stop their aggregator at start.
 */
@EnableKubernetesMockClient(crud = true)
class AlertsDocExampleTest {
    private static final String SECRETS = "/etc/netwatch/alert-secrets/";
    KubernetesClient client;
    @TempDir
    Path dir;

    /** The first yaml block after the heading "A full example". */
    private static String example() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "alerts.md"));
        int heading = doc.indexOf("## A full example");
        assertTrue(heading >= 0, "docs/alerts.md has its full example");
        int start = doc.indexOf("```yaml\n", heading) + "```yaml\n".length();
        return doc.substring(start, doc.indexOf("```", start));
    }

    @Test
    void theFullExampleLoads() throws Exception {
        String yaml = example();
        assertTrue(yaml.contains(SECRETS), "the example's secrets are under " + SECRETS);
        for (String secret : List.of("webhook-secret", "slack-url", "pagerduty-routing-key")) {
            Files.writeString(dir.resolve(secret), secret.equals("slack-url")
                    ? "https://hooks.slack.com/services/T0/B0/X\n" : "s3cret\n");
        }
        Path file = Files.writeString(dir.resolve("alerts.yaml"), yaml.replace(SECRETS, dir + "/"));
        try (HttpClient http = HttpClient.newHttpClient()) {
            AlertsConfig c = AlertsFile.load(file, new AlertsFile.SinkContext(http, client, Clock.systemUTC(),
                    Map.of("OPSGENIE_API_KEY", "og-key")));
            assertEquals(Set.of("team-webhook", "secops-slack", "oncall-pagerduty", "payments-opsgenie",
                    "alertmanager", "pod-events"), c.receivers().keySet());
            assertEquals(5, c.route().routes().size());
            AlertmanagerSink am = assertInstanceOf(AlertmanagerSink.class, c.receivers().get("alertmanager").sink());
            assertEquals(Duration.ofHours(8), am.resolveTimeout());
            assertEquals(1, c.silences().size());
        }
    }
}
