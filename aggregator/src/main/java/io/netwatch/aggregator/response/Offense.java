package io.netwatch.aggregator.response;

import io.netwatch.proto.anomaly.v1.Severity;
import java.util.Set;

/**
 * What the response stage judges: one actor and what it did. Made today from each stored
 * anomaly ({@link OffenseAdapter}); incidents (several anomalies of one actor) make the same.
 *
 * @param id            the anomaly's or incident's id, for the audit
 * @param actorIp       the address to block (IPv4 or IPv6 literal)
 * @param namespace     the actor pod's namespace, empty when unknown (not a pod, or no cluster)
 * @param pod           the actor pod's name, empty when unknown
 * @param actorNode     node the actor's pod runs on, empty when unknown
 * @param seenOn        nodes whose agents saw the offense
 * @param types         anomaly types ("port_scan", ...)
 * @param severity      the highest severity among them; one no enum value names (an agent's
 *                      number past {@code critical}, say) is {@code SEVERITY_UNKNOWN}, the lowest
 * @param confidence    the detector's score in [0, 1]
 * @param ownsAddress   the evidence shows the actor really holds its address (it completed a
 *                      TCP handshake); spoofed sources cannot produce it
 */
public record Offense(String id, String actorIp, String namespace, String pod, String actorNode, Set<String> seenOn,
                      Set<String> types, Severity severity, double confidence, boolean ownsAddress) {
    public Offense {
        if (actorIp == null || actorIp.isEmpty()) {
            throw new IllegalArgumentException("an offense needs the actor's address");
        }
        namespace = namespace == null ? "" : namespace;
        pod = pod == null ? "" : pod;
        actorNode = actorNode == null ? "" : actorNode;
        seenOn = Set.copyOf(seenOn);
        types = Set.copyOf(types);
        // Agents are hostile input: UNRECOGNIZED has no number to compare (getNumber() throws).
        severity = severity == null || severity == Severity.UNRECOGNIZED ? Severity.SEVERITY_UNKNOWN : severity;
    }

    /** "namespace/pod", or empty when the actor is not a known pod. */
    public String actor() {
        return pod.isEmpty() ? "" : namespace + "/" + pod;
    }
}
