package io.netwatch.aggregator.response;

import io.netwatch.aggregator.policy.IpAddresses;
import io.netwatch.proto.anomaly.v1.Severity;
import java.util.Set;

/**
 * What the response stage judges: one actor and what it did. Made today from each stored
 * anomaly ({@link OffenseAdapter}); incidents (several anomalies of one actor) make the same.
 *
 * @param id            the anomaly's or incident's id, for the audit
 * @param actorIp       the address to block, an IPv4 or IPv6 literal, kept in canonical form (an
 *                      IPv4-mapped IPv6 one as its IPv4 address, which is what an agent blocks):
 *                      the guardrails, the blocks in force and the agents must all mean one address
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
        byte[] ip = actorIp == null ? null : IpAddresses.parseUnmapped(actorIp);
        if (ip == null) {
            throw new IllegalArgumentException("an offense needs the actor's address as an IP literal");
        }
        // Found in review: ::ffff:169.254.169.254 passed every address guardrail (none parsed it)
        // and an agent blocked it as 169.254.169.254; fd00:0::10 missed the cluster's fd00::10.
        actorIp = IpAddresses.format(ip);
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
