package io.netwatch.aggregator.baseline;

import io.netwatch.aggregator.identity.FlowEnricher;
import io.netwatch.aggregator.identity.IpKey;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Workload;

/**
 * Names a flow's end for the baseline: the owning workload ({@code namespace/Kind/name}) so a
 * rollout or a scale-up keeps the name; an external peer's DNS name or network as the
 * enricher gave it (with its network beside a DNS name: the enricher forgets a name an hour
 * after its last answer, and the peer is then named by its network); else the address's
 * network ({@code /24}, IPv6 {@code /48}, the enricher's grouping, so a flow keeps its edge
 * whether or not a cluster is watched).
 */
final class EdgeNames {
    /** Longest name kept; a longer one (a hostile label) leaves the flow out, counted. */
    static final int MAX_NAME = 512;

    private EdgeNames() {
    }

    /**
     * A named end; {@code workload} when it is a cluster workload (it has its own learning
     * period). {@code network} is set for a peer named by DNS: its address's network, the name
     * the enricher gives it once the DNS answer is forgotten (null otherwise).
     */
    record Named(String name, boolean workload, String network) {
        Named(String name, boolean workload) {
            this(name, workload, null);
        }
    }

    /** The end's name, or null when it has none that can be trusted (no address, not an IP, too long). */
    static Named of(Endpoint e) {
        if (e.hasWorkload()) {
            Workload w = e.getWorkload();
            if (!w.getWorkloadName().isEmpty()) {
                return checked(w.getNamespace() + "/" + (w.getWorkloadKind().isEmpty() ? "Pod" : w.getWorkloadKind())
                        + "/" + w.getWorkloadName(), true);
            }
            if (!w.getPodName().isEmpty()) {
                return checked(w.getNamespace() + "/Pod/" + w.getPodName(), true);
            }
            if (!w.getExternalName().isEmpty()) {
                Named named = checked(w.getExternalName(), false);
                String network = network(e.getIp());
                return named == null || network == null || network.equals(named.name()) ? named
                        : new Named(named.name(), false, network);
            }
        }
        String network = network(e.getIp());
        return network == null ? null : new Named(network, false);
    }

    /** The address's network ({@code /24}, IPv6 {@code /48}), or null when it is not an address. */
    private static String network(String address) {
        IpKey ip = IpKey.parse(address);
        return ip == null ? null
                : ip.network(ip.v6() ? FlowEnricher.IPV6_GROUP_PREFIX : FlowEnricher.IPV4_GROUP_PREFIX);
    }

    private static Named checked(String name, boolean workload) {
        return name.length() > MAX_NAME ? null : new Named(name, workload);
    }
}
