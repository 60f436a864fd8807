package io.netwatch.aggregator.alert;

import io.netwatch.aggregator.incident.Incident;
import io.netwatch.aggregator.incident.IncidentListener;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Incidents as alerts: one alert per incident ({@code incident:ID}), firing when it opens and
 * again whenever it changes (the router deduplicates; a risen severity is a new notification
 * only through the route's repeat rules), resolved when the incident resolves. This is what
 * the aggregator alerts on: an incident already groups a scanner's anomalies from every node,
 * so a scan of a hundred pods is one page, not a hundred.
 */
public final class IncidentAlerts implements IncidentListener {
    private static final int MAX_NAME_CHARS = 256;
    private static final int MAX_SUMMARY_CHARS = 2048;
    /** How an incident keyed by its victim (a flood) names its actor. */
    private static final String TARGET = "target ";
    /** How a campaign (an incident keyed by a registered domain) names its actor. */
    private static final String DOMAIN = "domain ";

    private final Consumer<AlertEvent> out;
    private final String linkTemplate;

    /** @param linkTemplate the alerts file's link, {@code {key}} replaced by the alert's key */
    public IncidentAlerts(Consumer<AlertEvent> out, String linkTemplate) {
        this.out = out;
        this.linkTemplate = linkTemplate;
    }

    @Override
    public void opened(Incident incident) {
        out.accept(event(incident));
    }

    @Override
    public void updated(Incident incident) {
        out.accept(event(incident));
    }

    @Override
    public void resolved(Incident incident) {
        out.accept(event(incident));
    }

    private AlertEvent event(Incident i) {
        return event(i, linkTemplate);
    }

    private static AlertEvent event(Incident i, String linkTemplate) {
        String key = "incident:" + i.id();
        String actor = AlertJson.truncate(i.actor(), MAX_NAME_CHARS);
        String namespace = namespace(i.actor());
        String workload = AlertJson.truncate(i.workload(), MAX_NAME_CHARS);
        List<String> types = new ArrayList<>(i.types().keySet());
        Map<String, String> labels = new TreeMap<>();
        labels.put("incident", i.id());
        labels.put("family", i.family().name().toLowerCase(java.util.Locale.ROOT));
        if (!i.techniques().isEmpty()) {
            labels.put("attack_technique", String.join(",", i.techniques()));
        }
        String title = AlertJson.truncate(i.severity().name().substring("SEVERITY_".length()).toLowerCase(
                java.util.Locale.ROOT) + " " + String.join("/", types) + " incident: " + actor, MAX_NAME_CHARS * 2);
        Instant start = Instant.ofEpochSecond(0, Math.max(0, i.firstSeenNanos()));
        Instant end = i.open() ? null : Instant.ofEpochSecond(0, Math.max(0, i.lastSeenNanos()));
        String link = linkTemplate.isEmpty() ? ""
                : linkTemplate.replace("{key}", URLEncoder.encode(key, StandardCharsets.UTF_8));
        return new AlertEvent(key, i.open() ? AlertEvent.State.FIRING : AlertEvent.State.RESOLVED, title,
                AlertJson.truncate(i.summary(), MAX_SUMMARY_CHARS), i.severity(), types, namespace, workload, List.of(),
                i.nodes(), actor, start, end, link, labels);
    }

    /**
     * The namespace of an incident's actor: of the workload "namespace/workload", or of a
     * flood's victim "target namespace/workload:port"; empty for an address or a domain.
     */
    private static String namespace(String actor) {
        if (actor.startsWith(DOMAIN)) {
            return "";
        }
        String who = actor.startsWith(TARGET) ? actor.substring(TARGET.length()) : actor;
        int slash = who.indexOf('/');
        return slash > 0 ? who.substring(0, slash) : "";
    }
}
