package io.netwatch.aggregator.policy.suggest;

import io.netwatch.aggregator.policy.ClusterSnapshot;
import io.netwatch.aggregator.policy.PodView;
import io.netwatch.aggregator.policy.Policy;
import io.netwatch.aggregator.policy.PolicyEvaluator;
import io.netwatch.aggregator.policy.PolicyRef;
import io.netwatch.aggregator.policy.Verdict;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Judges recorded flows against a set of policies that is not (yet) the cluster's: which
 * observed flows would the set have blocked, and which policies would have blocked them.
 * The same {@link PolicyEvaluator} as every other verdict; the pods are those that held the
 * flows' addresses, the namespaces and the other policies those of the cluster given.
 * One flow at a time, so a caller can stream any number of them.
 */
public final class PolicySimulator {
    /** How the policies simulated meet the cluster's. */
    public enum Mode {
        /**
         * In each namespace the set has policies for, they replace all the cluster's; the
         * cluster's policies of other namespaces stay.
         */
        REPLACE,
        /** Added to the cluster's policies; one with the name of a cluster policy replaces it (as kubectl apply). */
        ADD;

        public static Mode parse(String text) {
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "replace" -> REPLACE;
                case "add" -> ADD;
                default -> throw new IllegalArgumentException("mode '" + text + "' is not replace or add");
            };
        }
    }

    /**
     * A flow the simulated policies would block.
     *
     * @param verdict      their verdict (denied)
     * @param deniedBefore whether the cluster's own policies deny it too
     * @param reason       which side denied it and which policies isolate that side
     */
    public record Blocked(ObservedFlow flow, Verdict verdict, boolean deniedBefore, String reason) {
    }

    private final PolicyEvaluator current;
    private final PolicyEvaluator simulated;

    public PolicySimulator(ClusterSnapshot cluster, List<Policy> policies, Mode mode) {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(mode, "mode");
        this.current = new PolicyEvaluator(cluster);
        Set<PolicyRef> given = new HashSet<>();
        Set<String> namespaces = new HashSet<>();
        for (Policy p : policies) {
            given.add(p.ref());
            namespaces.add(p.ref().namespace());
        }
        List<Policy> merged = new ArrayList<>(policies);
        for (Policy p : cluster.policies()) {
            boolean replaced = mode == Mode.REPLACE ? namespaces.contains(p.ref().namespace()) : given.contains(p.ref());
            if (!replaced) {
                merged.add(p);
            }
        }
        this.simulated = new PolicyEvaluator(new ClusterSnapshot(List.copyOf(cluster.namespaces()), List.of(), merged));
    }

    /** The flow's fate under the simulated policies: null when they allow it. */
    public Blocked judge(ObservedFlow f) {
        PodView src = pod(f.source());
        PodView dst = pod(f.destination());
        Verdict v = simulated.evaluate(f.connection(), src, dst);
        if (v.allowed()) {
            return null;
        }
        boolean before = !current.evaluate(f.connection(), src, dst).allowed();
        return new Blocked(f, v, before, reason(v, src, dst));
    }

    private static PodView pod(Party p) {
        return p instanceof Party.Member m ? m.pod() : null;
    }

    private static String reason(Verdict v, PodView src, PodView dst) {
        List<String> parts = new ArrayList<>();
        if (v.egress() instanceof Verdict.Denied d) {
            parts.add("egress of " + src + " is isolated by " + refs(d.isolatedBy()) + " and no egress rule allows it");
        }
        if (v.ingress() instanceof Verdict.Denied d) {
            parts.add("ingress of " + dst + " is isolated by " + refs(d.isolatedBy()) + " and no ingress rule allows it");
        }
        return String.join("; ", parts);
    }

    private static String refs(List<PolicyRef> refs) {
        return refs.stream().map(PolicyRef::toString).collect(Collectors.joining(", "));
    }
}
