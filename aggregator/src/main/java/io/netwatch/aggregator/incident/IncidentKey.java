package io.netwatch.aggregator.incident;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Workload;
import java.util.Locale;

/**
 * What makes anomalies one incident: their family and their actor. The actor is the source's
 * workload when the anomaly carries it (namespace and owning workload, so every pod of a
 * Deployment is one actor), else the source address; a flood (spoofable sources) is keyed
 * by its victim whatever source it names (by the source only when it names no victim); a
 * DNS tunnel or exfiltration by its registered domain, so one domain queried from many pods
 * is one campaign.
 *
 * @param family the anomaly type's family
 * @param actor  "namespace/workload", an address, "target ADDRESS" or "domain NAME"
 * @param domain the registered domain of a campaign, else empty
 */
public record IncidentKey(Family family, String actor, String domain) {
    /** Longest name kept from an anomaly (a DNS name's limit); longer ones are cut. */
    static final int MAX_NAME = 253;

    public static IncidentKey of(Anomaly a) {
        Family family = Family.of(a.getAnomalyType());
        String domain = campaignDomain(a);
        if (!domain.isEmpty()) {
            return new IncidentKey(family, "domain " + domain, domain);
        }
        String victim = label(a.getDestination());
        if (family == Family.FLOOD && !victim.isEmpty()) {
            // Before the source: a flood's sources are spoofable, so a flood naming a forged
            // source per anomaly made one incident per source (found in review).
            return new IncidentKey(family, "target " + victim, "");
        }
        String source = party(a.getSource());
        if (!source.isEmpty()) {
            return new IncidentKey(family, source, "");
        }
        return new IncidentKey(family, victim.isEmpty() ? "unknown" : "target " + victim, "");
    }

    /**
     * The source's workload as "Kind/name" when it is this key's actor, else empty (an
     * address, a victim, a campaign, or a source without its kind): the key names a workload
     * "namespace/name", without the kind that routes and Kubernetes name it by.
     */
    String workloadOf(Anomaly a) {
        Workload w = a.getSource().getWorkload();
        if (!domain.isEmpty() || w.getWorkloadKind().isEmpty() || w.getWorkloadName().isEmpty()
                || !actor.equals(party(a.getSource()))) {
            return "";
        }
        return cut(w.getWorkloadKind() + "/" + w.getWorkloadName());
    }

    /** The registered domain of a DNS tunnel or exfiltration (the agent puts it in the destination's external name). */
    static String campaignDomain(Anomaly a) {
        String type = a.getAnomalyType();
        if (!type.equals("dns_tunnel") && !type.equals("exfiltration")) {
            return "";
        }
        return domainName(a.getDestination().getWorkload().getExternalName());
    }

    /**
     * A DNS name as one campaign is named: lower case and without the root's trailing dot, as
     * the agents' registered domains are; cut. An older or foreign sender's "Tunnel.Example."
     * made a second campaign of one domain.
     */
    static String domainName(String name) {
        // Cut first: a hostile name of megabytes is lower-cased only as far as it is kept.
        String n = cut(cut(name).toLowerCase(Locale.ROOT));
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    /** Who an endpoint is, without its port: "namespace/workload" when known, else its address. */
    static String party(Endpoint e) {
        Workload w = e.getWorkload();
        if (!w.getNamespace().isEmpty()) {
            String name = !w.getWorkloadName().isEmpty() ? w.getWorkloadName() : w.getPodName();
            if (!name.isEmpty()) {
                return cut(w.getNamespace() + "/" + name);
            }
        }
        return cut(e.getIp());
    }

    /** An endpoint as a target: "namespace/workload", "address:port" or "address"; empty when unset. */
    static String label(Endpoint e) {
        String who = party(e);
        if (who.isEmpty()) {
            String external = e.getWorkload().getExternalName();
            return cut(external);
        }
        return e.getPort() == 0 ? who : who + ":" + e.getPort();
    }

    static String cut(String s) {
        return s.length() <= MAX_NAME ? s : s.substring(0, MAX_NAME);
    }
}
