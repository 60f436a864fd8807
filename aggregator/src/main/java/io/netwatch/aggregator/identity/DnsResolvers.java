package io.netwatch.aggregator.identity;

import io.netwatch.aggregator.policy.Cidr;
import io.netwatch.proto.flow.v1.Workload;
import java.util.List;

/**
 * The resolvers whose answers may name addresses: the cluster's DNS (pods labelled
 * {@code k8s-app=kube-dns} in kube-system and the {@code kube-system/kube-dns} Service, the
 * name CoreDNS keeps too; the same addresses the response stage never blocks) and the
 * addresses configured besides ({@code kubernetes.dns_resolvers}, by default NodeLocal
 * DNSCache's link-local 169.254.20.10).
 *
 * <p>Why: a name learnt from an answer labels every later flow to that address, from every
 * pod, and baselines learn edges by that label. Any pod can ask a resolver of its own for any
 * name and get any address back; if those answers counted, a compromised pod could make its
 * command server read as {@code api.github.com} (a known edge: no {@code new_edge}) or rename
 * an address other pods use. Cilium's FQDN identities trust only what its DNS proxy saw the
 * cluster's resolver answer, for the same reason.
 *
 * @param extra addresses trusted besides the cluster's DNS; {@code 0.0.0.0/0} and {@code ::/0}
 *              trust every resolver, as before this check
 */
public record DnsResolvers(List<Cidr> extra) {
    /** NodeLocal DNSCache's default listen address, on every node it runs on. */
    public static final List<String> DEFAULT_EXTRA = List.of("169.254.20.10/32");
    static final String NAMESPACE = "kube-system";
    static final String LABEL = "k8s-app";
    static final String VALUE = "kube-dns";
    static final String SERVICE = NAMESPACE + "/" + VALUE;

    public DnsResolvers {
        extra = List.copyOf(extra);
    }

    /** The cluster's DNS and NodeLocal DNSCache. */
    public static DnsResolvers defaults() {
        return new DnsResolvers(DEFAULT_EXTRA.stream().map(Cidr::parse).toList());
    }

    /** Every resolver (no check): for callers that have no cluster to check against. */
    public static DnsResolvers any() {
        return new DnsResolvers(List.of(Cidr.parse("0.0.0.0/0"), Cidr.parse("::/0")));
    }

    /**
     * Whether {@code server}, held by {@code holder} (null: nobody in the cluster) when the
     * exchange started, is a resolver whose answers name addresses.
     */
    boolean trusts(IpKey server, AddressHolder holder) {
        if (holder != null && clusterDns(holder.workload())) {
            return true;
        }
        if (extra.isEmpty()) {
            return false;
        }
        byte[] address = server.bytes();
        for (Cidr c : extra) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static boolean clusterDns(Workload w) {
        if (!NAMESPACE.equals(w.getNamespace())) {
            return false;
        }
        if ("Service".equals(w.getWorkloadKind())) {
            return w.getServicesList().contains(SERVICE);
        }
        return VALUE.equals(w.getLabelsMap().get(LABEL));
    }
}
