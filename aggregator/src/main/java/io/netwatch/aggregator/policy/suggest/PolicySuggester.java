package io.netwatch.aggregator.policy.suggest;

import io.netwatch.aggregator.policy.Connection;
import io.netwatch.aggregator.policy.IpAddresses;
import io.netwatch.aggregator.policy.PodView;
import io.netwatch.aggregator.policy.Protocol;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Least-privilege NetworkPolicies from observed traffic: one policy per workload of a
 * namespace, allowing what its pods were seen doing and nothing else, plus DNS to the
 * cluster DNS pods. A pure function of the flows and options: no Kubernetes client, no I/O.
 *
 * <p>What it must never do: suggest a policy that selects every pod of a namespace (a
 * workload with no stable labels gets none, and says why), leave DNS out, allow a
 * connection that never got through (it might have been a scan the policies stopped), or
 * name a pod's own node (always allowed, and the pods move).
 */
public final class PolicySuggester {
    /** Longest NetworkPolicy name the API accepts (a DNS subdomain). */
    static final int MAX_NAME = 253;
    static final int DNS_PORT = 53;
    /**
     * Outside addresses one workload's rules of one direction name one by one; past it (a
     * public frontend sees thousands of clients) the rest, fewest flows first, become one
     * rule per IP family left for review, so a policy stays readable and within the API
     * server's object size.
     */
    public static final int MAX_ADDRESSES_PER_DIRECTION = 32;

    private final SuggestOptions options;

    public PolicySuggester(SuggestOptions options) {
        this.options = options;
    }

    /** Rules of one direction of one workload, by peer, as they accumulate. */
    private static final class Draft {
        final Map<Object, SuggestedRule.Peer> peers = new HashMap<>();
        final Map<Object, Set<SuggestedRule.Port>> ports = new HashMap<>();
        final Map<Object, SuggestedRule.Origin> origins = new HashMap<>();
        final Map<Object, String> reviews = new HashMap<>();

        void add(Object key, SuggestedRule.Peer peer, String review, SuggestedRule.Port port, ObservedFlow f) {
            peers.putIfAbsent(key, peer);
            ports.computeIfAbsent(key, k -> new TreeSet<>()).add(port);
            origins.merge(key, SuggestedRule.Origin.NONE.plus(f), (a, b) -> a.plus(f));
            if (review != null) {
                reviews.putIfAbsent(key, review);
            }
        }

        /** Pods peers first (by workload), then addresses (by address). */
        List<SuggestedRule> rules() {
            List<Object> keys = new ArrayList<>(peers.keySet());
            keys.sort((a, b) -> {
                if (a instanceof WorkloadRef wa && b instanceof WorkloadRef wb) {
                    return wa.compareTo(wb);
                }
                if (a instanceof WorkloadRef) {
                    return -1;
                }
                if (b instanceof WorkloadRef) {
                    return 1;
                }
                return a.toString().compareTo(b.toString());
            });
            List<SuggestedRule> out = new ArrayList<>();
            List<SuggestedRule> addresses = new ArrayList<>();
            for (Object k : keys) {
                SuggestedRule r = new SuggestedRule(peers.get(k), List.copyOf(ports.get(k)), origins.get(k), reviews.get(k));
                (r.peer() instanceof SuggestedRule.Address ? addresses : out).add(r);
            }
            if (addresses.size() <= MAX_ADDRESSES_PER_DIRECTION) {
                out.addAll(addresses);
                return out;
            }
            List<SuggestedRule> byFlows = new ArrayList<>(addresses);
            byFlows.sort(Comparator.comparingLong((SuggestedRule r) -> r.origin().flows()).reversed());
            Set<SuggestedRule> kept = new HashSet<>(byFlows.subList(0, MAX_ADDRESSES_PER_DIRECTION));
            addresses.stream().filter(kept::contains).forEach(out::add);
            for (String family : List.of("0.0.0.0/0", "::/0")) {
                List<SuggestedRule> rest = byFlows.subList(MAX_ADDRESSES_PER_DIRECTION, byFlows.size()).stream()
                        .filter(r -> ((SuggestedRule.Address) r.peer()).cidr().contains(":") == family.contains(":"))
                        .toList();
                if (rest.isEmpty()) {
                    continue;
                }
                Set<SuggestedRule.Port> allPorts = new TreeSet<>();
                SuggestedRule.Origin origin = SuggestedRule.Origin.NONE;
                for (SuggestedRule r : rest) {
                    allPorts.addAll(r.ports());
                    origin = origin.merge(r.origin());
                }
                String examples = rest.stream().limit(3).map(r -> ((SuggestedRule.Address) r.peer()).cidr())
                        .collect(Collectors.joining(", "));
                out.add(new SuggestedRule(new SuggestedRule.Address(family, null), List.copyOf(allPorts), origin,
                        rest.size() + " more addresses outside the cluster (" + examples + (rest.size() > 3 ? ", ..." : "")
                                + "), too many for a rule each: allow the range they come from (a load balancer's,"
                                + " a provider's), or leave them out"));
            }
            return out;
        }
    }

    /** Everything gathered about one workload of the scope. */
    private static final class Target {
        final Draft ingress = new Draft();
        final Draft egress = new Draft();
        SuggestedRule.Origin dns = SuggestedRule.Origin.NONE;
        long flows;
    }

    /** Suggestions from these flows (read twice: a list, not a stream). */
    public SuggestionSet suggest(List<ObservedFlow> flows) {
        // First pass: every pod seen of every workload (for stable labels), and the addresses
        // each external name was seen at (for stability).
        Map<WorkloadRef, List<Map<String, String>>> podLabels = new HashMap<>();
        Map<WorkloadRef, Set<String>> podsSeen = new HashMap<>();
        Map<String, Set<String>> addressesByName = new HashMap<>();
        for (ObservedFlow f : flows) {
            see(f.source(), f.connection().source(), podLabels, podsSeen, addressesByName);
            see(f.destination(), f.connection().destination(), podLabels, podsSeen, addressesByName);
        }
        Map<WorkloadRef, Map<String, String>> stable = new HashMap<>();
        podLabels.forEach((w, labels) -> stable.put(w, StableLabels.common(labels)));

        Map<WorkloadRef, Target> targets = new TreeMap<>();
        long used = 0;
        long notEstablished = 0;
        long ownNode = 0;
        for (ObservedFlow f : flows) {
            WorkloadRef from = inScope(f.source());
            WorkloadRef to = inScope(f.destination());
            if (from == null && to == null) {
                continue;
            }
            Connection c = f.connection();
            // Traffic between a pod and its own node (kubelet probes, a node-local agent) is
            // allowed whatever the policies say, so a rule for it is noise, and one naming
            // this node's address is wrong once the pods move to another node. Judged side
            // by side, as the evaluator does; another node's address is an outside one.
            boolean egressToNode = from != null && onOwnNode(f.source(), c.destination());
            boolean ingressFromNode = to != null && onOwnNode(f.destination(), c.source());
            if ((from == null || egressToNode) && (to == null || ingressFromNode)) {
                ownNode++;
                continue;
            }
            if (!f.established()) {
                notEstablished++;
                continue;
            }
            SuggestedRule.Port port = new SuggestedRule.Port(c.protocol(), c.port());
            if (from != null && !egressToNode) {
                Target t = targets.computeIfAbsent(from, k -> new Target());
                t.flows++;
                if (isClusterDns(f.destination(), port)) {
                    t.dns = t.dns.plus(f);
                } else {
                    addPeer(t.egress, f.destination(), c.destination(), port, f, stable, addressesByName);
                }
            }
            if (to != null && !ingressFromNode) {
                Target t = targets.computeIfAbsent(to, k -> new Target());
                if (!to.equals(from) || egressToNode) {
                    t.flows++;
                }
                addPeer(t.ingress, f.source(), c.source(), port, f, stable, addressesByName);
            }
            used++;
        }

        List<Suggestion> out = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Map.Entry<WorkloadRef, Target> e : targets.entrySet()) {
            WorkloadRef w = e.getKey();
            Map<String, String> selector = stable.getOrDefault(w, Map.of());
            if (selector.isEmpty()) {
                skipped.add(w + ": its pods have no labels that outlive them, so no selector picks this workload alone;"
                        + " label its pod template and suggest again");
                continue;
            }
            Target t = e.getValue();
            List<SuggestedRule> egress = new ArrayList<>();
            egress.add(new SuggestedRule(new SuggestedRule.Pods(options.dnsNamespace(), options.dnsLabels(), null),
                    List.of(new SuggestedRule.Port(Protocol.UDP, DNS_PORT), new SuggestedRule.Port(Protocol.TCP, DNS_PORT)),
                    t.dns, null));
            egress.addAll(t.egress.rules());
            String name = name(w, names);
            out.add(new Suggestion(w, name, selector, t.ingress.rules(), egress, t.flows,
                    overlaps(w, selector, stable, podsSeen)));
        }
        return new SuggestionSet(out, skipped, used, notEstablished, ownNode);
    }

    private static void see(Party p, byte[] ip, Map<WorkloadRef, List<Map<String, String>>> podLabels,
                            Map<WorkloadRef, Set<String>> podsSeen, Map<String, Set<String>> addressesByName) {
        switch (p) {
            case Party.Member m -> {
                if (podsSeen.computeIfAbsent(m.workload(), k -> new HashSet<>()).add(m.pod().name())) {
                    podLabels.computeIfAbsent(m.workload(), k -> new ArrayList<>()).add(m.pod().labels());
                }
            }
            case Party.Outside o -> {
                if (o.dnsName() != null) {
                    addressesByName.computeIfAbsent(o.dnsName().toLowerCase(Locale.ROOT), k -> new TreeSet<>())
                            .add(IpAddresses.format(ip));
                }
            }
        }
    }

    /** Whether the party is a pod whose node has this address (4 or 16 bytes). */
    private static boolean onOwnNode(Party p, byte[] address) {
        return p instanceof Party.Member m && m.pod().onNode(address);
    }

    private WorkloadRef inScope(Party p) {
        return p instanceof Party.Member m && options.covers(m.workload()) ? m.workload() : null;
    }

    private boolean isClusterDns(Party p, SuggestedRule.Port port) {
        if (port.port() != DNS_PORT || port.protocol() == Protocol.SCTP || !(p instanceof Party.Member m)) {
            return false;
        }
        PodView pod = m.pod();
        return pod.namespace().equals(options.dnsNamespace())
                && pod.labels().entrySet().containsAll(options.dnsLabels().entrySet());
    }

    private void addPeer(Draft draft, Party peer, byte[] ip, SuggestedRule.Port port, ObservedFlow f,
                         Map<WorkloadRef, Map<String, String>> stable, Map<String, Set<String>> addressesByName) {
        switch (peer) {
            case Party.Member m -> {
                Map<String, String> labels = stable.getOrDefault(m.workload(), Map.of());
                String review = labels.isEmpty()
                        ? "the pods of " + m.workload() + " have no labels that outlive them: label them, or allow"
                        + " its namespace as a whole"
                        : null;
                draft.add(m.workload(), new SuggestedRule.Pods(m.workload().namespace(), labels, m.workload()), review,
                        port, f);
            }
            case Party.Outside o -> {
                String address = IpAddresses.format(ip);
                String cidr = address + (ip.length == 4 ? "/32" : "/128");
                Set<String> seenAt = o.dnsName() == null ? Set.of()
                        : addressesByName.getOrDefault(o.dnsName().toLowerCase(Locale.ROOT), Set.of());
                String review = switch (options.external()) {
                    case IP_BLOCK -> null;
                    case REVIEW -> "an address outside the cluster: allow it, widen it to its network, or leave it out";
                    case AUTO -> seenAt.size() > 1
                            ? o.dnsName() + " was seen at " + seenAt.size() + " addresses, so this one may change:"
                            + " allow its provider's published ranges, or route it through an egress proxy"
                            : null;
                };
                draft.add(address, new SuggestedRule.Address(cidr, o.dnsName()), review, port, f);
            }
        }
    }

    /** The other workloads of the namespace whose pods the selector would also pick. */
    private static List<String> overlaps(WorkloadRef w, Map<String, String> selector,
                                         Map<WorkloadRef, Map<String, String>> stable,
                                         Map<WorkloadRef, Set<String>> podsSeen) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<WorkloadRef, Map<String, String>> e : new TreeMap<>(stable).entrySet()) {
            WorkloadRef other = e.getKey();
            if (!other.equals(w) && other.namespace().equals(w.namespace())
                    && e.getValue().entrySet().containsAll(selector.entrySet()) && podsSeen.containsKey(other)) {
                out.add("the selector also picks the pods of " + other + ": give this workload a label of its own");
            }
        }
        return out;
    }

    /** {@code netwatch-<kind>-<name>}, lowercase, cut to the API's limit and unique. */
    private static String name(WorkloadRef w, Set<String> taken) {
        String base = ("netwatch-" + w.kind() + "-" + w.name()).toLowerCase(Locale.ROOT);
        if (base.length() > MAX_NAME) {
            base = base.substring(0, MAX_NAME);
        }
        String name = base;
        for (int i = 2; !taken.add(name); i++) {
            String suffix = "-" + i;
            name = base.substring(0, Math.min(base.length(), MAX_NAME - suffix.length())) + suffix;
        }
        return name;
    }
}
