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
 * from {@link ClusterState}. Writers lock this object; readers (the storing thread, for every
 * flow) never do: each set is immutable, behind a volatile reference replaced on change.
 */
public final class ClusterNodes {
    private volatile Set<IpKey> listed = Set.of();
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

    void listFailed() {
        listFailures.incrementAndGet();
    }

    /** Replaces what the last list of the Nodes said with {@code nodes}' InternalIPs and ExternalIPs. */
    synchronized void listed(Collection<Node> nodes) {
        Set<IpKey> out = new HashSet<>();
        for (Node n : nodes) {
            if (n == null || n.getStatus() == null || n.getStatus().getAddresses() == null) {
                continue;
            }
            for (NodeAddress a : n.getStatus().getAddresses()) {
                // Hostname and InternalDNS are names, not addresses.
                if (a != null && ("InternalIP".equals(a.getType()) || "ExternalIP".equals(a.getType()))) {
                    IpKey k = IpKey.parse(a.getAddress());
                    if (k != null) {
                        out.add(k);
                    }
                }
            }
        }
        listed = Set.copyOf(out);
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
