package io.netwatch.aggregator.policy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything policy evaluation needs to know about a cluster at one moment: namespaces,
 * pods indexed by IP, and policies by namespace. Immutable; a change in the cluster makes a
 * new snapshot.
 *
 * <p>An IP claimed by two pods is a conflict: the first pod given keeps it, and the clash is
 * listed in {@link #conflicts()} so that the caller decides whether that is an error (the
 * offline check says so) or a passing state (an IP reused while a pod terminates).
 */
public final class ClusterSnapshot {
    private final Map<String, NamespaceView> namespaces;
    private final List<PodView> pods;
    private final Map<ByteBuffer, PodView> podsByIp;
    private final List<Policy> policies;
    private final Map<String, List<Policy>> policiesByNamespace;
    private final List<IpConflict> conflicts;

    /** Two pods claiming one IP; {@code kept} is the one the snapshot maps the IP to. */
    public record IpConflict(String ip, PodView kept, PodView other) {
    }

    /**
     * @param namespaces the namespaces; a pod's namespace missing here is taken to have only
     *                   the {@link NamespaceView#NAME_LABEL} label, as the API server gives
     *                   every namespace
     */
    public ClusterSnapshot(List<NamespaceView> namespaces, List<PodView> pods, List<Policy> policies) {
        Map<String, NamespaceView> ns = new LinkedHashMap<>();
        for (NamespaceView n : namespaces) {
            ns.put(n.name(), n);
        }
        this.namespaces = Map.copyOf(ns);
        this.pods = List.copyOf(pods);
        Map<ByteBuffer, PodView> byIp = new HashMap<>();
        List<IpConflict> clashes = new ArrayList<>();
        for (PodView p : this.pods) {
            for (byte[] ip : p.ips()) {
                PodView before = byIp.putIfAbsent(ByteBuffer.wrap(ip), p);
                if (before != null && before != p) {
                    clashes.add(new IpConflict(IpAddresses.format(ip), before, p));
                }
            }
        }
        this.podsByIp = Map.copyOf(byIp);
        this.conflicts = List.copyOf(clashes);
        // Sorted by namespace/name so that every list in a verdict comes out in one order.
        this.policies = policies.stream().sorted(Comparator.comparing(Policy::ref)).toList();
        Map<String, List<Policy>> byNs = new HashMap<>();
        for (Policy p : this.policies) {
            byNs.computeIfAbsent(p.ref().namespace(), k -> new ArrayList<>()).add(p);
        }
        byNs.replaceAll((k, v) -> List.copyOf(v));
        this.policiesByNamespace = Map.copyOf(byNs);
    }

    /** The pod with this IP (4 or 16 bytes), or null when the address is not a pod's. */
    public PodView podAt(byte[] ip) {
        return podsByIp.get(ByteBuffer.wrap(ip));
    }

    public NamespaceView namespace(String name) {
        NamespaceView n = namespaces.get(name);
        return n != null ? n : NamespaceView.named(name);
    }

    /** The policies of one namespace, sorted by name. */
    public List<Policy> policiesIn(String namespace) {
        return policiesByNamespace.getOrDefault(namespace, List.of());
    }

    /** The namespaces given, in no particular order. */
    public java.util.Collection<NamespaceView> namespaces() {
        return namespaces.values();
    }

    public List<Policy> policies() {
        return policies;
    }

    public List<PodView> pods() {
        return pods;
    }

    public List<IpConflict> conflicts() {
        return conflicts;
    }
}
