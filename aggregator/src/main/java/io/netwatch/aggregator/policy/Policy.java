package io.netwatch.aggregator.policy;

import java.util.List;
import java.util.Objects;

/**
 * A NetworkPolicy compiled for evaluation, its defaults applied.
 *
 * @param podSelector     the pods of {@code ref.namespace()} it applies to ({@code {}}: all)
 * @param isolatesIngress whether {@code Ingress} is among its policy types: a selected pod
 *                        then accepts only what some policy's ingress rules allow
 * @param isolatesEgress  the same for {@code Egress}
 * @param ingress         the ingress rules in order, empty when it has none (or when it does
 *                        not isolate ingress: rules of a direction not in the policy types are
 *                        ignored, as Kubernetes does)
 * @param egress          the egress rules, likewise
 */
public record Policy(PolicyRef ref, LabelSelector podSelector, boolean isolatesIngress, boolean isolatesEgress,
                     List<Rule> ingress, List<Rule> egress) {
    public Policy {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(podSelector, "podSelector");
        ingress = isolatesIngress ? List.copyOf(ingress) : List.of();
        egress = isolatesEgress ? List.copyOf(egress) : List.of();
    }

    public boolean isolates(Direction d) {
        return d == Direction.INGRESS ? isolatesIngress : isolatesEgress;
    }

    public List<Rule> rules(Direction d) {
        return d == Direction.INGRESS ? ingress : egress;
    }

    /** Whether this policy applies to the pod at all (whatever its types). */
    public boolean selects(PodView pod) {
        return pod.namespace().equals(ref.namespace()) && podSelector.matches(pod.labels());
    }
}
