package io.netwatch.aggregator.policy.suggest;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The labels of a workload's pods that outlive the pods: those its controllers stamp on
 * each pod or revision (a template hash, a pod's ordinal, a Job's uid) are dropped, since a
 * selector on them would stop matching at the next rollout or run.
 */
public final class StableLabels {
    /** Label keys Kubernetes controllers set per pod, per revision or per run. */
    public static final Set<String> UNSTABLE_KEYS = Set.of(
            "pod-template-hash",                        // Deployment: one per ReplicaSet
            "controller-revision-hash",                 // StatefulSet and DaemonSet revisions
            "pod-template-generation",                  // DaemonSet (older controllers)
            "statefulset.kubernetes.io/pod-name",       // one per StatefulSet pod
            "apps.kubernetes.io/pod-index",             // StatefulSet ordinal
            "job-name", "controller-uid",               // one per Job run (a CronJob makes many)
            "batch.kubernetes.io/job-name",
            "batch.kubernetes.io/controller-uid",
            "batch.kubernetes.io/job-completion-index");

    private StableLabels() {
    }

    /** The labels without those controllers stamp per pod or per revision, sorted by key. */
    public static Map<String, String> of(Map<String, String> labels) {
        Map<String, String> out = new TreeMap<>();
        labels.forEach((k, v) -> {
            if (!UNSTABLE_KEYS.contains(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * The stable labels every one of these pods carries with the same value: a selector on
     * them matches all the workload's pods seen. Empty for no pods.
     */
    public static Map<String, String> common(Collection<Map<String, String>> podLabels) {
        Map<String, String> out = null;
        for (Map<String, String> labels : podLabels) {
            Map<String, String> stable = of(labels);
            if (out == null) {
                out = new HashMap<>(stable);
            } else {
                out.entrySet().removeIf(e -> !e.getValue().equals(stable.get(e.getKey())));
            }
        }
        return out == null ? Map.of() : new TreeMap<>(out);
    }
}
