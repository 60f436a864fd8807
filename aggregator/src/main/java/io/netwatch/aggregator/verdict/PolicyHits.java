package io.netwatch.aggregator.verdict;

import io.netwatch.aggregator.policy.ClusterSnapshot;
import io.netwatch.aggregator.policy.Direction;
import io.netwatch.aggregator.policy.Policy;
import io.netwatch.aggregator.policy.PolicyRef;
import io.netwatch.aggregator.policy.RuleRef;
import io.netwatch.aggregator.policy.Verdict;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many flows each policy and each rule decided: flows a rule allowed, flows a policy
 * allowed (through any of its rules) and flows it denied (it isolated the side that denied
 * them). {@link #report} lists every rule of the current policies, those that matched
 * nothing with 0, so unused rules show.
 *
 * <p>Counts are of final flow records from the agents: a flow between two nodes is seen by
 * both agents and counts twice. A rule is counted by its position in its policy: editing a
 * policy's rule list keeps the counts by position. Bounded by the cluster's policies:
 * {@link #retain} forgets those that are gone.
 */
public final class PolicyHits {
    /** Flows one rule allowed. */
    public record RuleCount(RuleRef rule, long flows) {
    }

    /** One policy's counts, and each of its rules' (ingress rules first, in order). */
    public record PolicyCount(PolicyRef policy, long allowed, long denied, List<RuleCount> rules) {
        public PolicyCount {
            rules = List.copyOf(rules);
        }
    }

    private final ConcurrentHashMap<RuleRef, LongAdder> byRule = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<PolicyRef, LongAdder> allowedByPolicy = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<PolicyRef, LongAdder> deniedByPolicy = new ConcurrentHashMap<>();

    public void count(Verdict v) {
        Set<PolicyRef> allowing = new HashSet<>(4);
        for (Verdict.Side side : List.of(v.egress(), v.ingress())) {
            switch (side) {
                case Verdict.Allowed a -> {
                    for (RuleRef r : a.rules()) {
                        byRule.computeIfAbsent(r, k -> new LongAdder()).increment();
                        allowing.add(r.policy());
                    }
                }
                case Verdict.Denied d -> {
                    for (PolicyRef p : d.isolatedBy()) {
                        deniedByPolicy.computeIfAbsent(p, k -> new LongAdder()).increment();
                    }
                }
                default -> {
                }
            }
        }
        for (PolicyRef p : allowing) {
            allowedByPolicy.computeIfAbsent(p, k -> new LongAdder()).increment();
        }
    }

    /** Every policy of {@code current}, sorted, with every one of its rules. */
    public List<PolicyCount> report(ClusterSnapshot current) {
        List<PolicyCount> out = new ArrayList<>();
        for (Policy p : current.policies()) {
            List<RuleCount> rules = new ArrayList<>();
            for (Direction d : List.of(Direction.INGRESS, Direction.EGRESS)) {
                for (int i = 0; i < p.rules(d).size(); i++) {
                    RuleRef r = new RuleRef(p.ref(), d, i);
                    rules.add(new RuleCount(r, sum(byRule.get(r))));
                }
            }
            out.add(new PolicyCount(p.ref(), sum(allowedByPolicy.get(p.ref())), sum(deniedByPolicy.get(p.ref())),
                    rules));
        }
        return out;
    }

    /** Forgets the counts of policies that are no longer in {@code current}. */
    public void retain(ClusterSnapshot current) {
        Set<PolicyRef> live = new HashSet<>();
        for (Policy p : current.policies()) {
            live.add(p.ref());
        }
        byRule.keySet().removeIf(r -> !live.contains(r.policy()));
        allowedByPolicy.keySet().removeIf(p -> !live.contains(p));
        deniedByPolicy.keySet().removeIf(p -> !live.contains(p));
    }

    private static long sum(LongAdder a) {
        return a == null ? 0 : a.sum();
    }
}
