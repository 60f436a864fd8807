package io.netwatch.aggregator.policy;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A Kubernetes label selector: every {@code matchLabels} pair and every expression must
 * hold. The empty selector ({@code {}}) matches everything. Whether a selector is present at
 * all is the caller's business: in a NetworkPolicy a missing selector and an empty one mean
 * different things (see {@link Peer.Pods}).
 */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {
    /** The selector {@code {}}, which matches every object. */
    public static final LabelSelector ALL = new LabelSelector(Map.of(), List.of());

    public LabelSelector {
        matchLabels = Map.copyOf(matchLabels);
        matchExpressions = List.copyOf(matchExpressions);
    }

    public boolean matches(Map<String, String> labels) {
        for (Map.Entry<String, String> e : matchLabels.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        for (Requirement r : matchExpressions) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    public enum Operator {
        IN("In"), NOT_IN("NotIn"), EXISTS("Exists"), DOES_NOT_EXIST("DoesNotExist");

        private final String apiName;

        Operator(String apiName) {
            this.apiName = apiName;
        }

        /** The operator as the API spells it (case matters), or null when it is unknown. */
        public static Operator fromKubernetes(String name) {
            for (Operator o : values()) {
                if (o.apiName.equals(name)) {
                    return o;
                }
            }
            return null;
        }

        public String apiName() {
            return apiName;
        }
    }

    /**
     * One {@code matchExpressions} entry. In and NotIn need at least one value; Exists and
     * DoesNotExist take none (the API server rejects anything else, and so do we).
     */
    public record Requirement(String key, Operator operator, Set<String> values) {
        public Requirement {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(operator, "operator");
            values = Set.copyOf(values);
            boolean needsValues = operator == Operator.IN || operator == Operator.NOT_IN;
            if (needsValues && values.isEmpty()) {
                throw new IllegalArgumentException(operator.apiName() + " needs at least one value");
            }
            if (!needsValues && !values.isEmpty()) {
                throw new IllegalArgumentException(operator.apiName() + " takes no values");
            }
        }

        public boolean matches(Map<String, String> labels) {
            String value = labels.get(key);
            return switch (operator) {
                case IN -> value != null && values.contains(value);
                // NotIn also matches objects without the key at all, as in Kubernetes.
                case NOT_IN -> value == null || !values.contains(value);
                case EXISTS -> value != null;
                case DOES_NOT_EXIST -> value == null;
            };
        }
    }
}
