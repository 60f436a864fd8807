package io.netwatch.aggregator.alert;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Opsgenie Alert API: {@code POST /v2/alerts} creates the alert with the group's stable
 * alias (Opsgenie deduplicates open alerts by alias, so a repeat adds to it), and
 * {@code POST /v2/alerts/{alias}/close?identifierType=alias} closes it when the group
 * resolves; {@code Authorization: GenieKey <key>}. Both answer 202. Fields are cut to
 * Opsgenie's limits (message 130 characters, description 15000, tags 50 of 20 at most).
 */
final class OpsgenieSink implements AlertSink {
    static final URI DEFAULT_URL = URI.create("https://api.opsgenie.com");
    static final int MESSAGE_MAX = 130;
    static final int DESCRIPTION_MAX = 15_000;
    static final int TAG_MAX = 50;

    private final HttpPoster http;
    private final String base;
    private final String apiKey;

    OpsgenieSink(HttpPoster http, URI base, String apiKey) {
        this.http = http;
        String b = base.toString();
        this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
        this.apiKey = apiKey;
    }

    @Override
    public String type() {
        return "opsgenie";
    }

    @Override
    public Delivery send(Notification n, Duration timeout) throws InterruptedException {
        Map<String, String> headers = Map.of("Content-Type", "application/json", "Authorization", "GenieKey " + apiKey);
        if (n.status() == AlertEvent.State.RESOLVED) {
            URI close = URI.create(base + "/v2/alerts/" + URLEncoder.encode(n.dedupKey(), StandardCharsets.UTF_8)
                    + "/close?identifierType=alias");
            ObjectNode body = AlertJson.object();
            body.put("source", "netwatch");
            body.put("note", "Resolved: no anomaly of the group for the quiet period");
            return http.post(close, headers, AlertJson.write(body), timeout);
        }
        return http.post(URI.create(base + "/v2/alerts"), headers, AlertJson.write(create(n)), timeout);
    }

    static ObjectNode create(Notification n) {
        AlertEvent lead = n.lead();
        ObjectNode o = AlertJson.object();
        o.put("message", AlertJson.truncate(n.title(), MESSAGE_MAX));
        o.put("alias", n.dedupKey());
        StringBuilder d = new StringBuilder(lead.summary());
        for (AlertEvent a : n.firing()) {
            d.append("\n- ").append(a.title());
        }
        if (!lead.link().isEmpty()) {
            d.append("\n\n").append(lead.link());
        }
        o.put("description", AlertJson.truncate(d.toString(), DESCRIPTION_MAX));
        o.put("priority", priority(lead));
        o.put("source", "netwatch");
        o.put("entity", AlertJson.truncate(lead.workload().isEmpty() ? lead.actor() : lead.workload(), 512));
        ArrayNode tags = o.putArray("tags");
        tags.add("netwatch");
        tags.add(AlertJson.truncate("severity:" + lead.severityName(), TAG_MAX));
        for (String t : lead.types()) {
            tags.add(AlertJson.truncate(t, TAG_MAX));
        }
        if (!lead.namespace().isEmpty()) {
            tags.add(AlertJson.truncate("namespace:" + lead.namespace(), TAG_MAX));
        }
        ObjectNode details = o.putObject("details");
        n.groupLabels().forEach(details::put);
        details.put("alerts", Integer.toString(n.firing().size()));
        if (!lead.link().isEmpty()) {
            details.put("link", lead.link());
        }
        return o;
    }

    /** P1 (critical) to P5 (info). */
    static String priority(AlertEvent a) {
        return switch (a.severity()) {
            case SEVERITY_CRITICAL -> "P1";
            case SEVERITY_HIGH -> "P2";
            case SEVERITY_MEDIUM -> "P3";
            case SEVERITY_LOW -> "P4";
            default -> "P5";
        };
    }
}
