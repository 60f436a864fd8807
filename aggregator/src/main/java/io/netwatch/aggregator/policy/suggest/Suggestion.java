package io.netwatch.aggregator.policy.suggest;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlockBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.netwatch.aggregator.policy.NamespaceView;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The NetworkPolicy suggested for one workload: it selects the workload's pods by their
 * stable labels, isolates both directions, and allows what they were seen doing plus DNS.
 *
 * @param name        the policy's name
 * @param podSelector the workload's stable labels (never empty: that would select every pod
 *                    of the namespace)
 * @param ingress     rules in order, those in force and those left for review
 * @param egress      likewise; the first is always DNS
 * @param flows       the flows this suggestion came from
 * @param warnings    what a person should know before applying it
 */
public record Suggestion(WorkloadRef workload, String name, Map<String, String> podSelector,
                         List<SuggestedRule> ingress, List<SuggestedRule> egress, long flows, List<String> warnings) {
    /** The label every suggested policy carries, so they can be listed and removed together. */
    public static final String SUGGESTED_LABEL = "netwatch.io/suggested";

    public Suggestion {
        Objects.requireNonNull(workload, "workload");
        Objects.requireNonNull(name, "name");
        podSelector = new TreeMap<>(podSelector);
        if (podSelector.isEmpty()) {
            throw new IllegalArgumentException("a suggested policy selects its workload by labels, never every pod");
        }
        ingress = List.copyOf(ingress);
        egress = List.copyOf(egress);
        warnings = List.copyOf(warnings);
    }

    public List<SuggestedRule> ingressInForce() {
        return ingress.stream().filter(SuggestedRule::inForce).toList();
    }

    public List<SuggestedRule> egressInForce() {
        return egress.stream().filter(SuggestedRule::inForce).toList();
    }

    /** Rules left commented out for a person to decide, both directions. */
    public int toReview() {
        return (int) (ingress.stream().filter(r -> !r.inForce()).count() + egress.stream().filter(r -> !r.inForce()).count());
    }

    /** The policy as fabric8's model: the rules in force, in order; those to review left out. */
    public NetworkPolicy toNetworkPolicy() {
        return new NetworkPolicyBuilder()
                .withMetadata(new ObjectMetaBuilder().withNamespace(workload.namespace()).withName(name)
                        .withLabels(Map.of(SUGGESTED_LABEL, "true")).build())
                .withNewSpec()
                .withPodSelector(selector(podSelector))
                .withPolicyTypes("Ingress", "Egress")
                .withIngress(ingressInForce().stream().map(r -> new NetworkPolicyIngressRuleBuilder()
                        .withFrom(peer(r.peer())).withPorts(ports(r)).build()).toList())
                .withEgress(egressInForce().stream().map(r -> new NetworkPolicyEgressRuleBuilder()
                        .withTo(peer(r.peer())).withPorts(ports(r)).build()).toList())
                .endSpec()
                .build();
    }

    static NetworkPolicyPeer peer(SuggestedRule.Peer p) {
        return switch (p) {
            case SuggestedRule.Pods pods -> new NetworkPolicyPeerBuilder()
                    .withNamespaceSelector(selector(Map.of(NamespaceView.NAME_LABEL, pods.namespace())))
                    .withPodSelector(selector(pods.labels())).build();
            case SuggestedRule.Address a -> new NetworkPolicyPeerBuilder()
                    .withIpBlock(new IPBlockBuilder().withCidr(a.cidr()).build()).build();
        };
    }

    static List<NetworkPolicyPort> ports(SuggestedRule r) {
        return r.ports().stream().map(p -> new NetworkPolicyPortBuilder().withProtocol(p.protocol().name())
                .withPort(new IntOrString(p.port())).build()).toList();
    }

    private static LabelSelector selector(Map<String, String> labels) {
        return new LabelSelectorBuilder().withMatchLabels(new TreeMap<>(labels)).build();
    }
}
