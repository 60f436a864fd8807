package io.netwatch.aggregator.alert;

import io.netwatch.proto.anomaly.v1.Severity;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What alerting takes in: one alert that starts firing or resolves. Made from incidents
 * ({@link IncidentAlerts}) or, without an incident tracker, from stored anomalies
 * ({@link AnomalyAlerts}). Two events with the same {@code key} are the same alert: the
 * router deduplicates on it.
 *
 * @param key       stable identity of the alert (dedup key), e.g. {@code anomaly:port_scan:10.0.0.7}
 * @param state     firing or resolved
 * @param title     one line a person on call reads first
 * @param summary   what happened, in a sentence or two
 * @param severity  the highest severity seen; one no enum value names (an agent's number past
 *                  {@code critical}, say) is {@code SEVERITY_UNKNOWN}, the lowest ("unknown")
 * @param types     anomaly types involved ({@code port_scan}, ...)
 * @param namespace namespace of the actor (else of the target); empty when outside the cluster
 * @param workload  actor's workload as {@code Kind/name}; empty when unknown
 * @param pods      pods involved as {@code namespace/name}
 * @param nodes     nodes involved
 * @param actor     who did it: a workload, else an address
 * @param start     when it started (capture time)
 * @param end       when it ended; null while firing
 * @param link      URL back to the incident; empty when there is none
 * @param labels    extra labels, copied to sinks that take labels
 */
public record AlertEvent(String key, State state, String title, String summary, Severity severity, List<String> types,
                         String namespace, String workload, List<String> pods, List<String> nodes, String actor,
                         Instant start, Instant end, String link, Map<String, String> labels) {

    /** Firing from the first anomaly of a group; resolved after it went quiet. */
    public enum State {
        FIRING, RESOLVED;

        /** "firing", "resolved": the word sinks use. */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The labels routes and group_by can name. */
    public static final List<String> LABEL_NAMES = List.of("key", "severity", "anomaly_type", "namespace", "workload",
            "actor", "node");

    public AlertEvent {
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("an alert needs a key");
        }
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(start, "start");
        if (state == State.RESOLVED && end == null) {
            throw new IllegalArgumentException("a resolved alert needs its end: " + key);
        }
        title = title == null ? "" : title;
        summary = summary == null ? "" : summary;
        // Agents are hostile input: UNRECOGNIZED has no number to compare (getNumber() throws).
        severity = severity == null || severity == Severity.UNRECOGNIZED ? Severity.SEVERITY_UNKNOWN : severity;
        types = List.copyOf(types);
        namespace = namespace == null ? "" : namespace;
        workload = workload == null ? "" : workload;
        pods = List.copyOf(pods);
        nodes = List.copyOf(nodes);
        actor = actor == null ? "" : actor;
        link = link == null ? "" : link;
        labels = Map.copyOf(labels);
    }

    /** The same alert, resolved at {@code at}. */
    public AlertEvent resolved(Instant at) {
        return new AlertEvent(key, State.RESOLVED, title, summary, severity, types, namespace, workload, pods, nodes,
                actor, start, at, link, labels);
    }

    /** "high", "critical", ...: the severity as routes and sinks spell it. */
    public String severityName() {
        return severityName(severity);
    }

    static String severityName(Severity s) {
        return switch (s) {
            case SEVERITY_INFO -> "info";
            case SEVERITY_LOW -> "low";
            case SEVERITY_MEDIUM -> "medium";
            case SEVERITY_HIGH -> "high";
            case SEVERITY_CRITICAL -> "critical";
            default -> "unknown";
        };
    }

    /**
     * The value of one of {@link #LABEL_NAMES} (several types or nodes joined by commas), for
     * matching and grouping; empty when the alert has none.
     */
    public String label(String name) {
        return switch (name) {
            case "key" -> key;
            case "severity" -> severityName();
            case "anomaly_type" -> String.join(",", types);
            case "namespace" -> namespace;
            case "workload" -> workload;
            case "actor" -> actor;
            case "node" -> String.join(",", nodes);
            default -> labels.getOrDefault(name, "");
        };
    }
}
