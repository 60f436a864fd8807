package io.netwatch.aggregator.alert;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.common.Durations;
import io.netwatch.proto.anomaly.v1.Severity;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the alerts file ({@code alerts.file}): routes, receivers, silences. Every mistake is
 * an {@link AlertsConfigException} naming the file, the line, the key and what is allowed;
 * sinks are built and their secrets read here, so a missing Secret stops the start.
 * docs/alerts.md is the reference.
 */
public final class AlertsFile {
    static final List<String> SEVERITIES = List.of("info", "low", "medium", "high", "critical");
    static final List<String> SINK_TYPES = List.of("webhook", "slack", "pagerduty", "opsgenie", "alertmanager",
            "kubernetes_events");
    private static final Set<String> TOP = Set.of("route", "receivers", "silences", "resolve_after", "incident_url");
    private static final Set<String> ROUTE = Set.of("receiver", "match", "group_by", "group_wait", "group_interval",
            "repeat_interval", "continue", "routes");
    private static final Set<String> MATCH = Set.of("severity", "min_severity", "anomaly_type", "namespace",
            "workload");
    private static final Set<String> RECEIVER;
    private static final Set<String> SILENCE = Set.of("match", "starts_at", "ends_at", "comment");
    private static final Set<String> RATE = Set.of("count", "per");
    /** An Alertmanager receiver's least resolve_timeout when the file gives none. */
    private static final Duration DEFAULT_RESOLVE_TIMEOUT = Duration.ofHours(1);

    static {
        Set<String> r = new LinkedHashSet<>(List.of("name", "timeout", "retries", "backoff", "max_backoff",
                "queue_size", "rate_limit"));
        r.addAll(SINK_TYPES);
        RECEIVER = Set.copyOf(r);
    }

    /**
     * What sinks are built with.
     *
     * @param kubernetes the cluster client, or null when the aggregator watches none
     *                   (kubernetes_events receivers are then refused)
     */
    public record SinkContext(HttpClient http, KubernetesClient kubernetes, Clock clock,
                              Map<String, String> environment) {
    }

    private final SinkContext context;
    private final SecretSource secrets;
    /** Each Alertmanager sink built, with its resolve_timeout node, or null when the file gives none. */
    private final Map<AlertSink, YamlTree> resolveTimeouts = new java.util.IdentityHashMap<>();

    private AlertsFile(SinkContext context) {
        this.context = context;
        this.secrets = new SecretSource(context.environment());
    }

    public static AlertsConfig load(Path file, SinkContext context) throws AlertsConfigException {
        return new AlertsFile(context).read(YamlTree.read(file));
    }

    private AlertsConfig read(YamlTree top) throws AlertsConfigException {
        Map<String, YamlTree> f = top.fields(TOP);
        if (!f.containsKey("receivers")) {
            throw top.error("receivers is missing: list at least one receiver (" + String.join(", ", SINK_TYPES) + ")");
        }
        Map<String, AlertsConfig.Receiver> receivers = new LinkedHashMap<>();
        List<YamlTree> listed = f.get("receivers").items();
        if (listed.isEmpty()) {
            throw f.get("receivers").error("is empty; list at least one receiver with one of "
                    + String.join(", ", SINK_TYPES));
        }
        for (YamlTree r : listed) {
            AlertsConfig.Receiver rec = receiver(r);
            if (receivers.put(rec.name(), rec) != null) {
                throw r.error("receiver name '" + rec.name() + "' is used twice");
            }
        }
        if (!f.containsKey("route")) {
            throw top.error("route is missing: give at least route.receiver (one of " + receivers.keySet() + ")");
        }
        Defaults root = new Defaults(null, List.of("anomaly_type", "namespace"), Duration.ofSeconds(30),
                Duration.ofMinutes(5), Duration.ofHours(4));
        AlertRoute route = route(f.get("route"), "route", root, receivers.keySet(), true);
        holdLongerThanRepeats(route, receivers);
        List<Silence> silences = new ArrayList<>();
        if (f.containsKey("silences")) {
            for (YamlTree s : f.get("silences").items()) {
                silences.add(silence(s));
            }
        }
        Duration resolveAfter = f.containsKey("resolve_after") ? f.get("resolve_after").duration(Duration.ofSeconds(1))
                : AnomalyAlerts.DEFAULT_QUIET;
        String link = f.containsKey("incident_url") ? url(f.get("incident_url")).toString() : "";
        return new AlertsConfig(route, receivers, silences, resolveAfter, link.replace("%7Bkey%7D", "{key}"));
    }

    /**
     * An Alertmanager resolves a firing alert at its endsAt (now + resolve_timeout) unless told
     * again before, and a still-firing, unchanged group is told again only every repeat_interval:
     * a resolve_timeout not longer than that resolves alerts at Alertmanager while they fire. One
     * not given is twice the longest repeat_interval of the routes sending there (at least 1h);
     * one given that is too short is refused.
     */
    private void holdLongerThanRepeats(AlertRoute route, Map<String, AlertsConfig.Receiver> receivers)
            throws AlertsConfigException {
        Map<String, AlertRoute> longest = new LinkedHashMap<>();
        longestRepeat(route, longest);
        for (Map.Entry<String, AlertRoute> e : longest.entrySet()) {
            AlertsConfig.Receiver r = receivers.get(e.getKey());
            if (!(r.sink() instanceof AlertmanagerSink am)) {
                continue;
            }
            Duration repeat = e.getValue().repeatInterval();
            YamlTree given = resolveTimeouts.get(am);
            if (given == null) {
                Duration hold = repeat.multipliedBy(2);
                hold = hold.compareTo(DEFAULT_RESOLVE_TIMEOUT) < 0 ? DEFAULT_RESOLVE_TIMEOUT : hold;
                receivers.put(r.name(), new AlertsConfig.Receiver(r.name(), am.resolvingAfter(hold), r.delivery()));
            } else if (am.resolveTimeout().compareTo(repeat) <= 0) {
                throw given.error("'" + given.text() + "' is not allowed: " + e.getValue().id()
                        + " sends to this receiver and repeats a still-firing group every " + Durations.format(repeat)
                        + ", and Alertmanager would resolve its alerts in between; use a resolve_timeout longer than "
                        + Durations.format(repeat) + " (e.g. " + Durations.format(repeat.multipliedBy(2))
                        + ") or a shorter repeat_interval there");
            }
        }
    }

    /** Each receiver named by a route of the tree, with the route among them that repeats least often. */
    private static void longestRepeat(AlertRoute r, Map<String, AlertRoute> longest) {
        longest.merge(r.receiver(), r, (a, b) -> b.repeatInterval().compareTo(a.repeatInterval()) > 0 ? b : a);
        for (AlertRoute child : r.routes()) {
            longestRepeat(child, longest);
        }
    }

    private record Defaults(String receiver, List<String> groupBy, Duration groupWait, Duration groupInterval,
                            Duration repeatInterval) {
    }

    private AlertRoute route(YamlTree t, String id, Defaults parent, Set<String> receivers, boolean top)
            throws AlertsConfigException {
        Map<String, YamlTree> f = t.fields(ROUTE);
        if (top && f.containsKey("continue")) {
            throw f.get("continue").error("the top route takes every alert; continue belongs to child routes");
        }
        if (top && f.containsKey("match")) {
            throw f.get("match").error("the top route takes every alert; put match on child routes");
        }
        String receiver = parent.receiver();
        if (f.containsKey("receiver")) {
            receiver = f.get("receiver").text();
            if (!receivers.contains(receiver)) {
                throw f.get("receiver").error("no receiver is named '" + receiver + "'; receivers: "
                        + String.join(", ", receivers));
            }
        } else if (receiver == null) {
            throw t.error("receiver is missing: the top route needs one of " + String.join(", ", receivers));
        }
        List<String> groupBy = parent.groupBy();
        if (f.containsKey("group_by")) {
            groupBy = f.get("group_by").texts();
            for (String l : groupBy) {
                if (!AlertEvent.LABEL_NAMES.contains(l)) {
                    throw f.get("group_by").error("'" + l + "' is not a label; allowed: "
                            + String.join(", ", AlertEvent.LABEL_NAMES));
                }
            }
        }
        Duration wait = f.containsKey("group_wait") ? f.get("group_wait").duration(Duration.ZERO) : parent.groupWait();
        Duration interval = f.containsKey("group_interval") ? f.get("group_interval").duration(Duration.ofMillis(1))
                : parent.groupInterval();
        Duration repeat = f.containsKey("repeat_interval") ? f.get("repeat_interval").duration(Duration.ofMillis(1))
                : parent.repeatInterval();
        AlertMatcher match = f.containsKey("match") ? matcher(f.get("match")) : AlertMatcher.ANY;
        boolean cont = f.containsKey("continue") && f.get("continue").bool();
        Defaults mine = new Defaults(receiver, groupBy, wait, interval, repeat);
        List<AlertRoute> children = new ArrayList<>();
        if (f.containsKey("routes")) {
            for (YamlTree c : f.get("routes").items()) {
                children.add(route(c, id + ".routes[" + children.size() + "]", mine, receivers, false));
            }
        }
        return new AlertRoute(id, match, receiver, groupBy, wait, interval, repeat, cont, children);
    }

    private static AlertMatcher matcher(YamlTree t) throws AlertsConfigException {
        Map<String, YamlTree> f = t.fields(MATCH);
        Set<String> severities = f.containsKey("severity") ? oneOf(f.get("severity"), SEVERITIES, "severity") : Set.of();
        Severity min = Severity.SEVERITY_UNKNOWN;
        if (f.containsKey("min_severity")) {
            String s = f.get("min_severity").text();
            if (!SEVERITIES.contains(s)) {
                throw f.get("min_severity").error("'" + s + "' is not a severity; allowed: "
                        + String.join(", ", SEVERITIES));
            }
            min = Severity.forNumber(SEVERITIES.indexOf(s) + 1);
        }
        Set<String> types = f.containsKey("anomaly_type")
                ? oneOf(f.get("anomaly_type"), FlowStore.ANOMALY_TYPES, "anomaly type") : Set.of();
        Set<String> namespaces = f.containsKey("namespace") ? Set.copyOf(f.get("namespace").texts()) : Set.of();
        Set<String> workloads = Set.of();
        if (f.containsKey("workload")) {
            workloads = Set.copyOf(f.get("workload").texts());
            for (String w : workloads) {
                if (w.indexOf('/') <= 0) {
                    throw f.get("workload").error("'" + w + "' is not a workload; write Kind/name, e.g. Deployment/web");
                }
            }
        }
        return new AlertMatcher(severities, min, types, namespaces, workloads);
    }

    private static Set<String> oneOf(YamlTree t, List<String> allowed, String what) throws AlertsConfigException {
        Set<String> out = new LinkedHashSet<>();
        for (String v : t.texts()) {
            if (!allowed.contains(v)) {
                throw t.error("'" + v + "' is not a known " + what + "; allowed: "
                        + String.join(", ", allowed));
            }
            out.add(v);
        }
        return out;
    }

    private static Silence silence(YamlTree t) throws AlertsConfigException {
        Map<String, YamlTree> f = t.fields(SILENCE);
        if (!f.containsKey("match") || !f.containsKey("ends_at")) {
            throw t.error("a silence needs match and ends_at (an RFC 3339 time): silences always expire");
        }
        java.time.Instant starts = f.containsKey("starts_at") ? f.get("starts_at").instant() : null;
        java.time.Instant ends = f.get("ends_at").instant();
        if (starts != null && !ends.isAfter(starts)) {
            throw f.get("ends_at").error("ends before it starts (" + starts + ")");
        }
        return new Silence(matcher(f.get("match")), starts, ends,
                f.containsKey("comment") ? f.get("comment").text() : "");
    }

    private AlertsConfig.Receiver receiver(YamlTree t) throws AlertsConfigException {
        Map<String, YamlTree> f = t.fields(RECEIVER);
        if (!f.containsKey("name")) {
            throw t.error("name is missing: routes choose receivers by name");
        }
        String name = f.get("name").text();
        if (!name.matches("[a-z0-9][a-z0-9_-]{0,62}")) {
            throw f.get("name").error("'" + name + "' is not allowed; use lowercase letters, digits, '-' and '_'"
                    + " (it is the sink label of the alert metrics)");
        }
        List<String> kinds = SINK_TYPES.stream().filter(f::containsKey).toList();
        if (kinds.size() != 1) {
            throw t.error("receiver " + name + " needs exactly one sink, one of " + String.join(", ", SINK_TYPES)
                    + (kinds.isEmpty() ? "" : "; found " + kinds));
        }
        DeliveryPolicy d = DeliveryPolicy.DEFAULTS;
        Duration timeout = f.containsKey("timeout") ? f.get("timeout").duration(Duration.ofMillis(1)) : d.timeout();
        int retries = f.containsKey("retries") ? f.get("retries").integer(0, 100) : d.retries();
        Duration backoff = f.containsKey("backoff") ? f.get("backoff").duration(Duration.ZERO) : d.backoff();
        Duration maxBackoff = f.containsKey("max_backoff") ? f.get("max_backoff").duration(backoff) : d.maxBackoff();
        if (maxBackoff.compareTo(backoff) < 0) {
            throw t.error("max_backoff (" + maxBackoff + ") must be at least backoff (" + backoff + ")");
        }
        int queue = f.containsKey("queue_size") ? f.get("queue_size").integer(1, 1_000_000) : d.queueSize();
        int rateCount = 0;
        Duration ratePer = d.ratePer();
        if (f.containsKey("rate_limit")) {
            Map<String, YamlTree> r = f.get("rate_limit").fields(RATE);
            if (!r.containsKey("count") || !r.containsKey("per")) {
                throw f.get("rate_limit").error("give count and per, e.g. {count: 10, per: 1h}");
            }
            rateCount = r.get("count").integer(1, 1_000_000);
            ratePer = r.get("per").duration(Duration.ofSeconds(1));
        }
        String kind = kinds.getFirst();
        AlertSink sink = sink(kind, f.get(kind));
        return new AlertsConfig.Receiver(name, sink,
                new DeliveryPolicy(timeout, retries, backoff, maxBackoff, queue, rateCount, ratePer));
    }

    private AlertSink sink(String kind, YamlTree t) throws AlertsConfigException {
        HttpPoster http = new HttpPoster(context.http());
        return switch (kind) {
            case "webhook" -> {
                Map<String, YamlTree> f = t.fields(Set.of("url", "secret_file", "secret_env"));
                yield new WebhookSink(http, required(t, f, "url"),
                        secrets.read(t, f, "secret").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        context.clock());
            }
            case "slack" -> {
                Map<String, YamlTree> f = t.fields(Set.of("url_file", "url_env"));
                String url = secrets.read(t, f, "url");
                yield new SlackSink(http, parseUrl(f.getOrDefault("url_file", f.get("url_env")), url, false));
            }
            case "pagerduty" -> {
                Map<String, YamlTree> f = t.fields(Set.of("routing_key_file", "routing_key_env", "url"));
                String key = secrets.read(t, f, "routing_key");
                yield new PagerDutySink(http, f.containsKey("url") ? url(f.get("url")) : PagerDutySink.DEFAULT_URL,
                        key);
            }
            case "opsgenie" -> {
                Map<String, YamlTree> f = t.fields(Set.of("api_key_file", "api_key_env", "url"));
                String key = secrets.readForHeader(t, f, "api_key");
                yield new OpsgenieSink(http, f.containsKey("url") ? url(f.get("url")) : OpsgenieSink.DEFAULT_URL, key);
            }
            case "alertmanager" -> {
                Map<String, YamlTree> f = t.fields(Set.of("url", "resolve_timeout"));
                Duration resolve = f.containsKey("resolve_timeout")
                        ? f.get("resolve_timeout").duration(Duration.ofMinutes(1)) : DEFAULT_RESOLVE_TIMEOUT;
                AlertmanagerSink am = new AlertmanagerSink(http, required(t, f, "url"), resolve);
                resolveTimeouts.put(am, f.get("resolve_timeout"));
                yield am;
            }
            default -> {
                if (!t.empty()) {
                    throw t.error("kubernetes_events takes no settings; write kubernetes_events: {}");
                }
                if (context.kubernetes() == null) {
                    throw t.error("kubernetes_events needs the cluster: set kubernetes.enabled (--kubernetes)");
                }
                yield new KubernetesEventSink(context.kubernetes(), context.clock());
            }
        };
    }

    private static URI required(YamlTree sink, Map<String, YamlTree> f, String key) throws AlertsConfigException {
        if (!f.containsKey(key)) {
            throw sink.error(key + " is missing: an http:// or https:// URL");
        }
        return url(f.get(key));
    }

    private static URI url(YamlTree t) throws AlertsConfigException {
        return parseUrl(t, t.text(), true);
    }

    /** An absolute http(s) URL; a secret one is never repeated in the error. */
    private static URI parseUrl(YamlTree t, String text, boolean show) throws AlertsConfigException {
        String shown = show ? "'" + text + "' " : "the secret ";
        try {
            URI u = new URI(text.replace("{key}", "%7Bkey%7D"));
            if (u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
                throw t.error(shown + "is not allowed; use an http:// or https:// URL with a host");
            }
            return u;
        } catch (URISyntaxException e) {
            throw t.error(shown + "is not a URL (" + e.getReason() + "); use an http:// or https:// URL");
        }
    }
}
