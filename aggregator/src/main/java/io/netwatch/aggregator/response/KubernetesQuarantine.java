package io.netwatch.aggregator.response;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

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
    public void apply(String namespace, String pod) {
        var resource = client.pods().inNamespace(namespace).withName(pod);
        if (resource.get() == null) {
            throw new IllegalStateException("pod " + namespace + "/" + pod + " does not exist (any more)");
        }
        resource.edit(p -> new PodBuilder(p).editMetadata().addToLabels(LABEL, "true").endMetadata().build());
        var policies = client.network().v1().networkPolicies().inNamespace(namespace);
        if (policies.withName(POLICY).get() == null) {
            try {
                policies.resource(denyAll(namespace)).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) { // 409: made meanwhile, which is what we want
                    throw e;
                }
            }
        }
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
