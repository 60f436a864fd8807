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
 * @param flowsOwnNode      flows of the scope between a pod and its own node (kubelet probes,
 *                          a node-local agent), established or not: always allowed, so left
 *                          out of every rule
 */
public record SuggestionSet(List<Suggestion> policies, List<String> skipped, long flowsUsed, long flowsNotEstablished,
                            long flowsOwnNode) {
    public SuggestionSet {
        policies = List.copyOf(policies);
        skipped = List.copyOf(skipped);
    }
}
