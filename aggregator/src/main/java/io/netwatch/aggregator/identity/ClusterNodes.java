package io.netwatch.aggregator.identity;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The addresses of the cluster's nodes: every InternalIP and ExternalIP the Nodes list (both
 * families on a dual-stack node), and every address a pod names as its node's
 * ({@code status.hostIP}, {@code status.hostIPs}), which holds even before the Nodes are first
 * read or when they cannot be. No pod holds these addresses (host-network pods claim none), so
 * the enricher names them as outside networks; yet what goes to them stays in the cluster: the
 * kubelet, node exporters and other host-network agents, NodePorts.
 *
 * <p>The Nodes are listed by {@link ClusterWatcher} (at most every 30 s, not watched); pods come
 * from {@link ClusterState}. That one list serves the response stage's protected addresses too
 * ({@link #describe}), which listed the Nodes again on its own every 30 s. Writers lock this
 * object; readers (the storing thread, for every flow; the response thread) never do: each set
 * and map is immutable, behind a volatile reference replaced on change.
 */
public final class ClusterNodes {
    private volatile Set<IpKey> listed = Set.of();
    /**
     * Every address the last list gave a Node, of any type that holds an address literal, with
     * its type and node ("InternalIP of node worker-1"); null until a list succeeded.
     */
    private volatile Map<IpKey, String> described;
    /** Why the last list failed, null once one succeeded since. */
    private volatile String listProblem;
    private volatile Set<IpKey> hosts = Set.of();
    /** Pods naming each host address: it stays a node's while one does. */
    private final Map<IpKey, Integer> hostPods = new HashMap<>();
    private final AtomicLong listFailures = new AtomicLong();

    /** Whether {@code ip} (an address literal) is one of a node's; false for text that is no address. */
    public boolean contains(String ip) {
        return contains(IpKey.parse(ip));
    }

    public boolean contains(IpKey ip) {
        return ip != null && (listed.contains(ip) || hosts.contains(ip));
    }

    /** Node addresses known now, from either source. */
    public int size() {
        Set<IpKey> all = new HashSet<>(listed);
        all.addAll(hosts);
        return all.size();
    }

    /** Lists of the Nodes that failed (the last good list is kept). */
    public long listFailures() {
        return listFailures.get();
    }

    /** Whether a list of the Nodes has succeeded yet (pods' host addresses aside). */
    public boolean listedYet() {
        return described != null;
    }

    /** Why the last list of the Nodes failed, or null when none failed since the last that succeeded. */
    public String listProblem() {
        return listProblem;
    }

    /**
     * What the last list of the Nodes says {@code ip} (an address literal) is, as "InternalIP
     * of node worker-1": any address type, Hostname included when it holds a literal, the
     * first node in the list's order to name it; null when no listed Node names it, before the
     * first list, or for text that is no address. Pods' host addresses are not asked.
     */
    public String describe(String ip) {
        Map<IpKey, String> d = described;
        IpKey k = IpKey.parse(ip);
        return d == null || k == null ? null : d.get(k);
    }

    void listFailed(String cause) {
        listProblem = cause;
        listFailures.incrementAndGet();
    }

    /** Replaces what the last list of the Nodes said with {@code nodes}' addresses. */
    synchronized void listed(Collection<Node> nodes) {
        Set<IpKey> out = new HashSet<>();
        Map<IpKey, String> all = new HashMap<>();
        for (Node n : nodes) {
            if (n == null || n.getStatus() == null || n.getStatus().getAddresses() == null) {
                continue;
            }
            String name = n.getMetadata() == null ? null : n.getMetadata().getName();
            for (NodeAddress a : n.getStatus().getAddresses()) {
                IpKey k = a == null ? null : IpKey.parse(a.getAddress());
                if (k == null) {
                    continue; // Hostname and the DNS types hold names, as a rule
                }
                all.putIfAbsent(k, (a.getType() == null ? "address" : a.getType()) + " of node " + name);
                // The flows' node addresses are these two only: an InternalDNS entry is a name's
                // place even when it holds a literal.
                if ("InternalIP".equals(a.getType()) || "ExternalIP".equals(a.getType())) {
                    out.add(k);
                }
            }
        }
        listed = Set.copyOf(out);
        described = Map.copyOf(all);
        listProblem = null;
    }

    /** A pod's host addresses changed from {@code before} to {@code after} (either may be empty). */
    synchronized void hostsChanged(List<IpKey> before, List<IpKey> after) {
        if (before.equals(after)) {
            return;
        }
        boolean changed = false;
        for (IpKey k : after) {
            changed |= hostPods.merge(k, 1, Integer::sum) == 1;
        }
        for (IpKey k : before) {
            Integer left = hostPods.computeIfPresent(k, (key, n) -> n == 1 ? null : n - 1);
            changed |= left == null;
        }
        if (changed) {
            hosts = Set.copyOf(hostPods.keySet());
        }
    }
}
