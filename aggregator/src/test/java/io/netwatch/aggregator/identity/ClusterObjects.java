package io.netwatch.aggregator.identity;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Kubernetes objects for identity tests, with only the fields the watcher reads. */
public final class ClusterObjects {
    private ClusterObjects() {
    }

    /** The Nodes as the identity stage would have listed them: {@code nodes}, listed once. */
    public static ClusterNodes listedNodes(List<Node> nodes) {
        ClusterNodes n = new ClusterNodes();
        n.listed(nodes);
        return n;
    }

    /** What the identity stage does with the answer of its next list of the Nodes. */
    public static void list(ClusterNodes into, List<Node> nodes) {
        into.listed(nodes);
    }

    public static Namespace namespace(String name, Map<String, String> labels) {
        return new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().build();
    }

    /** A running pod with one address on {@code node} (whose address is 192.168.0.1). */
    public static Pod pod(String namespace, String name, String ip, Map<String, String> labels, OwnerReference owner) {
        PodBuilder b = new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .withUid(UUID.randomUUID().toString()).withLabels(labels).endMetadata()
                .withNewSpec().withNodeName("node-a")
                .withContainers(new ContainerBuilder().withName("app").withImage("app:1")
                        .addNewPort().withName("http").withContainerPort(8080).endPort().build())
                .endSpec()
                .withNewStatus().withPhase("Running").withPodIP(ip).addNewPodIP().withIp(ip).endPodIP()
                .withHostIP("192.168.0.1").endStatus();
        if (owner != null) {
            b.editMetadata().withOwnerReferences(owner).endMetadata();
        }
        return b.build();
    }

    public static OwnerReference controller(String apiVersion, String kind, String name) {
        return new OwnerReferenceBuilder().withApiVersion(apiVersion).withKind(kind).withName(name)
                .withUid(UUID.randomUUID().toString()).withController(true).build();
    }

    public static ReplicaSet replicaSet(String namespace, String name, String deployment) {
        return new ReplicaSetBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .withOwnerReferences(controller("apps/v1", "Deployment", deployment)).endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", deployment).endSelector().endSpec().build();
    }

    public static Job job(String namespace, String name, String cronJob) {
        return new JobBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .withOwnerReferences(controller("batch/v1", "CronJob", cronJob)).endMetadata().build();
    }

    public static Service service(String namespace, String name, String clusterIp, Map<String, String> selector) {
        return new ServiceBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .withUid(UUID.randomUUID().toString()).endMetadata()
                .withNewSpec().withClusterIP(clusterIp).withSelector(selector)
                .addNewPort().withPort(80).withNewTargetPort(8080).endPort().endSpec().build();
    }

    /** Denies all ingress to the pods of {@code namespace}. */
    public static NetworkPolicy denyIngress(String namespace, String name) {
        return new NetworkPolicyBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withNewSpec().withNewPodSelector().endPodSelector().withPolicyTypes("Ingress").endSpec().build();
    }
}
