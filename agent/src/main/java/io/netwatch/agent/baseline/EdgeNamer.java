package io.netwatch.agent.baseline;

import io.netwatch.agent.flow.IpAddressFormat;
import io.netwatch.agent.identity.IdentityCache;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Workload;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * Names a flow's end as the aggregator's baseline does: the owning workload
 * ({@code namespace/Kind/name}) from the agent's identity copy, else the address's network
 * ({@code /24}, IPv6 {@code /48}, the aggregator's grouping of external peers). The agent does
 * not keep DNS names: an external peer is named by its network, whose edge the aggregator
 * counts whatever DNS name the peer had.
 */
public final class EdgeNamer {
    static final int IPV4_PREFIX = 24;
    static final int IPV6_PREFIX = 48;

    private final IdentityCache identities;

    /** @param identities the agent's identity copy; null names every end by its network */
    public EdgeNamer(IdentityCache identities) {
        this.identities = identities;
    }

    /** The end's name, or null when its address is not an IP literal. */
    public String name(Endpoint e) {
        Workload w = e.hasWorkload() ? e.getWorkload() : identities == null ? null : identities.lookup(e.getIp());
        if (w != null) {
            if (!w.getWorkloadName().isEmpty()) {
                return w.getNamespace() + "/" + (w.getWorkloadKind().isEmpty() ? "Pod" : w.getWorkloadKind()) + "/"
                        + w.getWorkloadName();
            }
            if (!w.getPodName().isEmpty()) {
                return w.getNamespace() + "/Pod/" + w.getPodName();
            }
            if (!w.getExternalName().isEmpty()) {
                return w.getExternalName();
            }
        }
        return network(e.getIp());
    }

    /** {@code 203.0.113.0/24} or {@code 2001:db8:1::/48}; null when {@code ip} is not an address literal. */
    static String network(String ip) {
        if (ip == null || ip.isEmpty()) {
            return null;
        }
        byte[] b;
        try {
            // ofLiteral never resolves a name.
            InetAddress a = InetAddress.ofLiteral(ip);
            b = a.getAddress();
            if (a instanceof Inet4Address) {
                return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + ".0/" + IPV4_PREFIX;
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        int[] g = new int[8];
        for (int i = 0; i < IPV6_PREFIX / 16; i++) {
            g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        return IpAddressFormat.ipv6(g, false) + "/" + IPV6_PREFIX;
    }
}
