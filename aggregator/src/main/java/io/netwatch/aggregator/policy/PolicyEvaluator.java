package io.netwatch.aggregator.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Judges connections against the NetworkPolicies ({@code networking.k8s.io/v1}) of one
 * {@link ClusterSnapshot}. A pure function of the snapshot: no Kubernetes client, no I/O,
 * no state, safe to share between threads.
 *
 * <p>Each side is judged on its own. The source pod's egress: if no policy selecting it
 * isolates egress, it is not isolated; otherwise the connection must match some egress
 * rule of one of those policies (policies add up, they never subtract). The destination
 * pod's ingress likewise, with ingress rules. An end that is not a pod IP is external and
 * has no say. Two exceptions no policy can take away, as Kubernetes documents them: a pod's
 * connection to itself, and traffic between a pod and its own node (kubelet probes), both
 * ways. The node is known by the pod's {@link PodView#hostIps()}; another node's address is
 * an outside address like any other.
 */
public final class PolicyEvaluator {
    private final ClusterSnapshot cluster;

    public PolicyEvaluator(ClusterSnapshot cluster) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
    }

    public Verdict evaluate(Connection c) {
        return evaluate(c, cluster.podAt(c.source()), cluster.podAt(c.destination()));
    }

    /**
     * Judges a connection whose ends the caller has already resolved: the aggregator knows
     * which pod held each address when the flow started, which may no longer be the pod the
     * snapshot maps it to (an address reused by a new pod).
     *
     * @param src the pod that held the source address, or null when it was none
     * @param dst the pod that held the destination address, or null when it was none
     */
    public Verdict evaluate(Connection c, PodView src, PodView dst) {
        if (src != null && dst != null && src.namespace().equals(dst.namespace()) && src.name().equals(dst.name())) {
            return new Verdict(new Verdict.Itself(), new Verdict.Itself());
        }
        byte[] srcIp = c.source();
        byte[] dstIp = c.destination();
        Verdict.Side egress = src == null ? new Verdict.External()
                : src.onNode(dstIp) ? new Verdict.OwnNode()
                : side(src, Direction.EGRESS, dst, dstIp, c, dst);
        Verdict.Side ingress = dst == null ? new Verdict.External()
                : dst.onNode(srcIp) ? new Verdict.OwnNode()
                : side(dst, Direction.INGRESS, src, srcIp, c, dst);
        return new Verdict(egress, ingress);
    }

    /**
     * @param subject     the pod whose policies decide this side
     * @param peer        the pod at the other end, or null when it is outside the cluster
     * @param peerIp      the other end's address, for ipBlock peers
     * @param destination the destination pod (whichever side this is), for named ports
     */
    private Verdict.Side side(PodView subject, Direction d, PodView peer, byte[] peerIp, Connection c,
                              PodView destination) {
        List<PolicyRef> isolating = new ArrayList<>();
        List<RuleRef> allowing = new ArrayList<>();
        for (Policy p : cluster.policiesIn(subject.namespace())) {
            if (!p.isolates(d) || !p.selects(subject)) {
                continue;
            }
            isolating.add(p.ref());
            List<Rule> rules = p.rules(d);
            for (int i = 0; i < rules.size(); i++) {
                Rule r = rules.get(i);
                if (anyPeer(r, p, peer, peerIp) && anyPort(r, c, destination)) {
                    allowing.add(new RuleRef(p.ref(), d, i));
                }
            }
        }
        if (isolating.isEmpty()) {
            return new Verdict.NotIsolated();
        }
        return allowing.isEmpty() ? new Verdict.Denied(isolating) : new Verdict.Allowed(allowing);
    }

    private boolean anyPeer(Rule r, Policy p, PodView peer, byte[] peerIp) {
        if (r.peers().isEmpty()) {
            return true;
        }
        for (Peer candidate : r.peers()) {
            boolean matches = switch (candidate) {
                case Peer.IpBlock b -> b.contains(peerIp);
                case Peer.Pods s -> peer != null && selects(s, p, peer);
            };
            if (matches) {
                return true;
            }
        }
        return false;
    }

    private boolean selects(Peer.Pods s, Policy p, PodView pod) {
        boolean namespaceMatches = s.namespaceSelector() == null
                ? pod.namespace().equals(p.ref().namespace())
                : s.namespaceSelector().matches(cluster.namespace(pod.namespace()).labels());
        return namespaceMatches && (s.podSelector() == null || s.podSelector().matches(pod.labels()));
    }

    private static boolean anyPort(Rule r, Connection c, PodView destination) {
        if (r.ports().isEmpty()) {
            return true;
        }
        for (PortMatch m : r.ports()) {
            if (m.protocol() != c.protocol()) {
                continue;
            }
            boolean matches = switch (m) {
                case PortMatch.AnyPort _ -> true;
                case PortMatch.Range range -> c.port() >= range.first() && c.port() <= range.last();
                case PortMatch.Named n -> destination != null && destination.declares(n.name(), n.protocol(), c.port());
            };
            if (matches) {
                return true;
            }
        }
        return false;
    }
}
