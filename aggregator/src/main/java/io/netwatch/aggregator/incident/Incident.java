package io.netwatch.aggregator.incident;

import io.netwatch.proto.anomaly.v1.Severity;
import java.util.List;
import java.util.Map;

/**
 * One incident as it stands at a moment: an immutable snapshot, safe to keep and to hand to
 * any thread. A new snapshot replaces it on every change ({@link IncidentListener}).
 *
 * @param id                stable for the incident's life ("inc-42")
 * @param open              false once resolved
 * @param severity          the highest severity of its anomalies, raised by {@code escalations}
 * @param baseSeverity      the highest severity of its anomalies
 * @param escalations       why the severity was raised ("2 nodes", ...); empty when it was not
 * @param family            family of its anomaly types
 * @param actor             who: "namespace/workload", an address, "target ADDRESS" or "domain NAME"
 * @param workload          the actor's workload as "Kind/name" ("Deployment/web") when the actor is
 *                          one and its anomalies named the kind; else empty
 * @param domain            registered domain of a campaign, else empty
 * @param firstSeenNanos    first evidence, capture time, nanoseconds since the epoch
 * @param lastSeenNanos     last evidence, likewise
 * @param openedMillis      aggregator clock, milliseconds since the epoch
 * @param updatedMillis     last anomaly taken, likewise
 * @param resolvedMillis    when resolved, likewise; 0 while open
 * @param types             distinct detections by anomaly type, in name order
 * @param nodes             nodes whose agents reported its anomalies (capped)
 * @param targets           targets of its anomalies (capped)
 * @param sources           sources of a campaign's anomalies (capped)
 * @param techniques        MITRE ATT&CK techniques, in name order
 * @param anomalyIds        ids of its anomalies, duplicates included, oldest first (capped)
 * @param detections        distinct detections
 * @param duplicates        anomalies that repeated one already counted
 * @param nodesMore         nodes past the cap
 * @param targetsMore       targets past the cap
 * @param sourcesMore       sources past the cap
 * @param evicted           resolved early because the cap on open incidents was reached
 * @param summary           one paragraph that explains it
 */
public record Incident(String id, boolean open, Severity severity, Severity baseSeverity, List<String> escalations,
                       Family family, String actor, String workload, String domain, long firstSeenNanos,
                       long lastSeenNanos, long openedMillis, long updatedMillis, long resolvedMillis,
                       Map<String, Long> types, List<String> nodes, List<String> targets, List<String> sources,
                       List<String> techniques, List<String> anomalyIds, long detections, long duplicates,
                       long nodesMore, long targetsMore, long sourcesMore, boolean evicted, String summary) {
    public Incident {
        escalations = List.copyOf(escalations);
        types = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(types));
        nodes = List.copyOf(nodes);
        targets = List.copyOf(targets);
        sources = List.copyOf(sources);
        techniques = List.copyOf(techniques);
        anomalyIds = List.copyOf(anomalyIds);
    }
}
