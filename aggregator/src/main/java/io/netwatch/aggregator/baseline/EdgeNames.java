package io.netwatch.aggregator.baseline;

import io.netwatch.aggregator.identity.FlowEnricher;
import io.netwatch.aggregator.identity.IpKey;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Workload;

/**
 * Names a flow's end for the baseline: the owning workload ({@code namespace/Kind/name}) so a
 * rollout or a scale-up keeps the name; an external peer's DNS name or network as the
 * enricher gave it; else the address's network ({@code /24}, IPv6 {@code /48}, the
 * enricher's grouping, so a flow keeps its edge whether or not a cluster is watched).
 */
final class EdgeNames {
    /** Longest name kept; a longer one (a hostile label) leaves the flow out, counted. */
    static final int MAX_NAME = 512;

    private EdgeNames() {
    }

    /** A named end; {@code workload} when it is a cluster workload (it has its own learning period). */
    record Named(String name, boolean workload) {
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
                return checked(w.getExternalName(), false);
            }
        }
        IpKey ip = IpKey.parse(e.getIp());
        if (ip == null) {
            return null;
        }
        return new Named(ip.network(ip.v6() ? FlowEnricher.IPV6_GROUP_PREFIX : FlowEnricher.IPV4_GROUP_PREFIX), false);
    }

    private static Named checked(String name, boolean workload) {
        return name.length() > MAX_NAME ? null : new Named(name, workload);
    }
}
