package io.netwatch.aggregator.policy.suggest;

import java.util.Comparator;
import java.util.Objects;

/**
 * The workload that owns pods: a Deployment, StatefulSet, DaemonSet, Job, CronJob, or the
 * pod itself when nothing owns it ({@code kind} "Pod"). Suggestions are made per workload,
 * never per pod, so that a rolling update does not need new policies.
 */
public record WorkloadRef(String namespace, String kind, String name) implements Comparable<WorkloadRef> {
    private static final Comparator<WorkloadRef> ORDER = Comparator.comparing(WorkloadRef::namespace)
            .thenComparing(WorkloadRef::kind).thenComparing(WorkloadRef::name);

    public WorkloadRef {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        if (namespace.isEmpty() || kind.isEmpty() || name.isEmpty()) {
            throw new IllegalArgumentException("a workload needs a namespace, a kind and a name");
        }
    }

    @Override
    public int compareTo(WorkloadRef o) {
        return ORDER.compare(this, o);
    }

    /** {@code namespace/Kind/name}, e.g. {@code shop/Deployment/cart}. */
    @Override
    public String toString() {
        return namespace + "/" + kind + "/" + name;
    }
}
