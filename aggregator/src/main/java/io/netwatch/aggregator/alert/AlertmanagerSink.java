package io.netwatch.aggregator.alert;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Prometheus Alertmanager API v2: {@code POST /api/v2/alerts} with one postable alert per
 * Netwatch alert (labels, annotations, startsAt, endsAt, generatorURL); Alertmanager does
 * its own grouping on the labels. A firing alert's endsAt is now plus {@code resolveTimeout},
 * so Alertmanager resolves it by itself if Netwatch stops repeating it; a resolved one ends
 * when the alert did. Netwatch repeats an unchanged group only every repeat_interval, not
 * every minute as Prometheus does, so the alerts file keeps {@code resolveTimeout} longer
 * than the repeat_interval of every route sending here ({@link AlertsFile}). Alertmanager
 * knows an alert by its labels: when an alert's labels changed since the group last told it
 * (a risen severity, a new type), its old labels are ended in the same request. Label names are Prometheus names ({@code [a-zA-Z_][a-zA-Z0-9_]*}).
 */
final class AlertmanagerSink implements AlertSink {
    private final HttpPoster http;
    private final URI url;
    private final Duration resolveTimeout;

    AlertmanagerSink(HttpPoster http, URI base, Duration resolveTimeout) {
        this(http, resolveTimeout, URI.create(trimSlash(base.toString()) + "/api/v2/alerts"));
    }

    private AlertmanagerSink(HttpPoster http, Duration resolveTimeout, URI url) {
        this.http = http;
        this.url = url;
        this.resolveTimeout = resolveTimeout;
    }

    private static String trimSlash(String b) {
        return b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
    }

    /** The same Alertmanager, holding firing alerts for {@code d}. */
    AlertmanagerSink resolvingAfter(Duration d) {
        return new AlertmanagerSink(http, d, url);
    }

    /** How long after a notification Alertmanager keeps a firing alert it hears no more of. */
    Duration resolveTimeout() {
        return resolveTimeout;
    }

    @Override
    public String type() {
        return "alertmanager";
    }

    @Override
    public Delivery send(Notification n, Duration timeout) throws InterruptedException {
        return http.post(url, Map.of("Content-Type", "application/json"), AlertJson.write(alerts(n)), timeout);
    }

    ArrayNode alerts(Notification n) {
        ArrayNode out = AlertJson.MAPPER.createArrayNode();
        Map<String, ObjectNode> current = new java.util.HashMap<>();
        for (AlertEvent a : n.alerts()) {
            ObjectNode labels = labels(a);
            current.put(a.key(), labels);
            add(out, a, labels, a.end() != null ? a.end() : n.at().plus(resolveTimeout));
        }
        for (AlertEvent old : n.replaced()) {
            // Labels are an Alertmanager alert's identity: the ones the alert no longer has would
            // stay firing there until their endsAt unless ended now, as Prometheus ends them.
            ObjectNode labels = labels(old);
            if (!labels.equals(current.get(old.key()))) {
                add(out, old, labels, n.at());
            }
        }
        return out;
    }

    private static ObjectNode labels(AlertEvent a) {
        ObjectNode labels = AlertJson.object();
        labels.put("alertname", "Netwatch_" + name(String.join("_", a.types())));
        labels.put("severity", a.severityName());
        labels.put("netwatch_key", a.key());
        put(labels, "namespace", a.namespace());
        put(labels, "workload", a.workload());
        put(labels, "actor", a.actor());
        a.labels().forEach((k, v) -> put(labels, name(k), v));
        return labels;
    }

    private static void add(ArrayNode out, AlertEvent a, ObjectNode labels, Instant ends) {
        ObjectNode o = out.addObject();
        o.set("labels", labels);
        ObjectNode annotations = o.putObject("annotations");
        annotations.put("summary", a.title());
        annotations.put("description", a.summary());
        put(annotations, "pods", String.join(", ", a.pods()));
        put(annotations, "nodes", String.join(", ", a.nodes()));
        // Alertmanager refuses an alert that ends before it starts (400, the alert left firing
        // there): the start is an agent's clock, the end of an anomaly alert the aggregator's.
        o.put("startsAt", AlertJson.time(a.start().isAfter(ends) ? ends : a.start()));
        o.put("endsAt", AlertJson.time(ends));
        if (!a.link().isEmpty()) {
            o.put("generatorURL", a.link());
        }
    }

    private static void put(ObjectNode o, String k, String v) {
        if (!v.isEmpty()) {
            o.put(k, v);
        }
    }

    /** A Prometheus label name: other characters become '_'. */
    static String name(String s) {
        String n = s.replaceAll("[^a-zA-Z0-9_]", "_");
        return n.isEmpty() || Character.isDigit(n.charAt(0)) ? "_" + n : n;
    }
}
