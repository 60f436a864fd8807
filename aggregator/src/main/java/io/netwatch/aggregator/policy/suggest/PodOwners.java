package io.netwatch.aggregator.policy.suggest;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.netwatch.aggregator.policy.ObjectCompiler;

/**
 * The workload a pod belongs to, from the pod alone (a cluster file has no ReplicaSets): its
 * controller, with a ReplicaSet named {@code <deployment>-<pod-template-hash>} taken as that
 * Deployment's, as the API server names them. The aggregator, which watches ReplicaSets and
 * Jobs, resolves owners itself (including a Job's CronJob).
 */
public final class PodOwners {
    private static final String TEMPLATE_HASH_LABEL = "pod-template-hash";

    private PodOwners() {
    }

    public static WorkloadRef of(Pod pod) {
        ObjectMeta meta = pod.getMetadata();
        String namespace = meta.getNamespace() == null || meta.getNamespace().isBlank()
                ? ObjectCompiler.DEFAULT_NAMESPACE : meta.getNamespace();
        OwnerReference controller = null;
        if (meta.getOwnerReferences() != null) {
            for (OwnerReference r : meta.getOwnerReferences()) {
                if (r != null && Boolean.TRUE.equals(r.getController()) && r.getKind() != null && r.getName() != null
                        && !r.getKind().isBlank() && !r.getName().isBlank()) {
                    controller = r;
                    break;
                }
            }
        }
        if (controller == null) {
            return new WorkloadRef(namespace, "Pod", meta.getName());
        }
        String hash = meta.getLabels() == null ? null : meta.getLabels().get(TEMPLATE_HASH_LABEL);
        String name = controller.getName();
        if ("ReplicaSet".equals(controller.getKind()) && hash != null && !hash.isEmpty()
                && name.endsWith("-" + hash) && name.length() > hash.length() + 1) {
            return new WorkloadRef(namespace, "Deployment", name.substring(0, name.length() - hash.length() - 1));
        }
        return new WorkloadRef(namespace, controller.getKind(), name);
    }
}
