package io.netwatch.aggregator.policy.suggest;

import java.util.List;

/**
 * What {@link PolicySuggester} made of a set of flows.
 *
 * @param policies          one per workload of the scope seen in the flows, by workload
 * @param skipped           workloads that got no policy, each with why and what to do
 * @param flowsUsed         flows that became (part of) a rule, or the DNS rule's count
 * @param flowsNotEstablished flows of the scope that never got through (an unanswered SYN):
 *                          never allowed by a suggestion
 */
public record SuggestionSet(List<Suggestion> policies, List<String> skipped, long flowsUsed, long flowsNotEstablished) {
    public SuggestionSet {
        policies = List.copyOf(policies);
        skipped = List.copyOf(skipped);
    }
}
