package io.netwatch.aggregator.identity;

import io.netwatch.aggregator.policy.ClusterSnapshot;
import io.netwatch.aggregator.policy.PolicyEvaluator;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The last few states of the cluster's policies and namespaces, each with the time it took
 * effect, so a flow is judged by the policies of its start rather than those of its
 * arrival. Bounded by count; a flow older than every version kept is judged by the oldest
 * (counted in {@link #tooOld()}).
 *
 * <p>One writer (the thread applying cluster events), any number of readers, no locks on
 * reads.
 */
public final class PolicyHistory {
    public static final int DEFAULT_MAX_VERSIONS = 16;

    /** The cluster as policies saw it from {@code fromNanos} (the aggregator's clock) on. */
    public record Version(long fromNanos, ClusterSnapshot snapshot, PolicyEvaluator evaluator) {
    }

    private final int maxVersions;
    private volatile Version[] versions;
    private final AtomicLong tooOld = new AtomicLong();

    public PolicyHistory(int maxVersions) {
        if (maxVersions < 1) {
            throw new IllegalArgumentException("policy history must keep at least 1 version, got " + maxVersions);
        }
        this.maxVersions = maxVersions;
        ClusterSnapshot empty = new ClusterSnapshot(List.of(), List.of(), List.of());
        this.versions = new Version[]{new Version(Long.MIN_VALUE, empty, new PolicyEvaluator(empty))};
    }

    /**
     * The policies or namespaces changed at {@code fromNanos}. A change no later than the
     * latest version's start replaces it (the initial listing builds one version).
     */
    public synchronized void changed(long fromNanos, ClusterSnapshot snapshot) {
        Version[] v = versions;
        Version latest = v[v.length - 1];
        Version next = new Version(Math.max(fromNanos, latest.fromNanos()), snapshot, new PolicyEvaluator(snapshot));
        if (fromNanos <= latest.fromNanos()) {
            Version[] out = v.clone();
            out[out.length - 1] = next;
            versions = out;
            return;
        }
        Version[] out = Arrays.copyOf(v, v.length + 1);
        out[v.length] = next;
        versions = out.length > maxVersions ? Arrays.copyOfRange(out, out.length - maxVersions, out.length) : out;
    }

    /**
     * Only the pods changed: the latest version gets the new snapshot without a new start
     * (flows take their pods from the {@link IdentityIndex}; the snapshot's pods serve
     * readers of {@link #current()}).
     */
    public synchronized void refreshed(ClusterSnapshot snapshot) {
        Version[] out = versions.clone();
        Version latest = out[out.length - 1];
        out[out.length - 1] = new Version(latest.fromNanos(), snapshot, new PolicyEvaluator(snapshot));
        versions = out;
    }

    /** The version in effect at {@code atNanos}. */
    public Version at(long atNanos) {
        Version[] v = versions;
        for (int i = v.length - 1; i >= 0; i--) {
            if (atNanos >= v[i].fromNanos()) {
                return v[i];
            }
        }
        tooOld.incrementAndGet();
        return v[0];
    }

    public ClusterSnapshot current() {
        Version[] v = versions;
        return v[v.length - 1].snapshot();
    }

    public int size() {
        return versions.length;
    }

    /** Flows older than every version kept, judged by the oldest. */
    public long tooOld() {
        return tooOld.get();
    }
}
