package io.netwatch.aggregator.policy;

import java.util.Comparator;
import java.util.Objects;

/** A NetworkPolicy's identity, printed as {@code namespace/name}. */
public record PolicyRef(String namespace, String name) implements Comparable<PolicyRef> {
    private static final Comparator<PolicyRef> ORDER =
            Comparator.comparing(PolicyRef::namespace).thenComparing(PolicyRef::name);

    public PolicyRef {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        if (namespace.isEmpty() || name.isEmpty()) {
            throw new IllegalArgumentException("a policy needs a namespace and a name");
        }
    }

    @Override
    public int compareTo(PolicyRef o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
