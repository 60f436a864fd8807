package io.netwatch.aggregator.policy;

import java.util.Objects;

/**
 * One rule of one policy, printed as {@code namespace/name ingress[0]}: the index is the
 * rule's position in the policy's {@code spec.ingress} or {@code spec.egress} list.
 */
public record RuleRef(PolicyRef policy, Direction direction, int index) {
    public RuleRef {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(direction, "direction");
        if (index < 0) {
            throw new IllegalArgumentException("rule index must not be negative: " + index);
        }
    }

    @Override
    public String toString() {
        return policy + " " + direction.field() + "[" + index + "]";
    }
}
