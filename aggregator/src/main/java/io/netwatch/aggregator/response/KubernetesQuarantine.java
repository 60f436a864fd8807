package io.netwatch.aggregator.response;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.netwatch.aggregator.policy.IpAddresses;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Quarantine through the API server: the pod gets the label {@code netwatch.io/quarantine=true}
 * (a patch) and its namespace the NetworkPolicy {@code netwatch-quarantine}, which selects that
 * label and allows nothing in or out. The policy is created once per namespace and left in
 * place; lifting a quarantine takes the label off. Enforcement is the CNI's: a network plugin
 * without NetworkPolicy support ignores it (docs/blocking.md).
 */
public final class KubernetesQuarantine implements Quarantine {
    public static final String LABEL = "netwatch.io/quarantine";
    public static final String POLICY = "netwatch-quarantine";

    private final KubernetesClient client;

    public KubernetesQuarantine(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public void apply(String namespace, String pod, String ip) {
        var resource = client.pods().inNamespace(namespace).withName(pod);
        Pod current = resource.get();
        if (current == null) {
            throw new IllegalStateException("pod " + namespace + "/" + pod + " does not exist (any more)");
        }
        List<String> held = addresses(current);
        byte[] offender = IpAddresses.parse(ip);
        if (offender == null || !held.contains(IpAddresses.format(offender))) {
            // Found in review: a forged anomaly naming payments/api-0 for an outside address
            // had that pod cut off. The cluster, not the agent, says which pod holds an address.
            throw new IllegalStateException("pod " + namespace + "/" + pod + " does not hold " + ip + " (it holds "
                    + (held.isEmpty() ? "no address" : String.join(", ", held)) + "): not quarantined");
        }
        // The policy first, the label last: a policy that cannot be made leaves the pod as it
        // was (found in review: labelled first, a failed create left it labelled by a failed
        // block, cut off for good once any quarantine made the policy). A label that cannot be
        // put on leaves a policy that selects nothing.
        var policies = client.network().v1().networkPolicies().inNamespace(namespace);
        NetworkPolicy existing = policies.withName(POLICY).get();
        if (existing == null) {
            try {
                policies.resource(denyAll(namespace)).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) { // 409: made meanwhile; checked below
                    throw e;
                }
                existing = policies.withName(POLICY).get();
            }
        }
        if (existing != null && !isDenyAll(existing)) {
            // Anyone who may write NetworkPolicies in the namespace can make one of this name;
            // one that allows anything would leave the pod free while its block says active.
            throw new IllegalStateException("NetworkPolicy " + namespace + "/" + POLICY + " is not Netwatch's deny-all"
                    + " (it must select only " + LABEL + "=true, for Ingress and Egress, with no rules): delete it and"
                    + " Netwatch makes its own at the next quarantine; " + namespace + "/" + pod + " not quarantined");
        }
        resource.edit(p -> new PodBuilder(p).editMetadata().addToLabels(LABEL, "true").endMetadata().build());
    }

    /** Whether {@code p} selects exactly the quarantine label and allows nothing in or out. */
    static boolean isDenyAll(NetworkPolicy p) {
        var spec = p.getSpec();
        if (spec == null || spec.getPodSelector() == null) {
            return false;
        }
        var selector = spec.getPodSelector();
        return Map.of(LABEL, "true").equals(selector.getMatchLabels())
                && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty())
                && spec.getPolicyTypes() != null && Set.copyOf(spec.getPolicyTypes()).equals(Set.of("Ingress", "Egress"))
                && (spec.getIngress() == null || spec.getIngress().isEmpty())
                && (spec.getEgress() == null || spec.getEgress().isEmpty());
    }

    /** The pod's addresses, in canonical form. */
    private static List<String> addresses(Pod p) {
        List<String> out = new ArrayList<>();
        if (p.getStatus() == null) {
            return out;
        }
        List<String> given = new ArrayList<>();
        given.add(p.getStatus().getPodIP());
        if (p.getStatus().getPodIPs() != null) {
            p.getStatus().getPodIPs().forEach(a -> given.add(a.getIp()));
        }
        for (String a : given) {
            byte[] b = a == null ? null : IpAddresses.parse(a);
            if (b != null && !out.contains(IpAddresses.format(b))) {
                out.add(IpAddresses.format(b));
            }
        }
        return out;
    }

    @Override
    public void lift(String namespace, String pod) {
        var resource = client.pods().inNamespace(namespace).withName(pod);
        if (resource.get() != null) {
            resource.edit(p -> new PodBuilder(p).editMetadata().removeFromLabels(LABEL).endMetadata().build());
        }
    }

    static NetworkPolicy denyAll(String namespace) {
        return new NetworkPolicyBuilder().withNewMetadata().withName(POLICY).withNamespace(namespace)
                .addToLabels("app.kubernetes.io/managed-by", "netwatch").endMetadata()
                .withNewSpec().withNewPodSelector().addToMatchLabels(LABEL, "true").endPodSelector()
                .withPolicyTypes("Ingress", "Egress").endSpec().build();
    }
}
