package io.netwatch.aggregator.policy;

import java.util.Map;
import java.util.Objects;

/** A namespace as policies see it: a name and labels. */
public record NamespaceView(String name, Map<String, String> labels) {
    /**
     * The label the API server puts on every namespace (since Kubernetes 1.21), so that a
     * namespaceSelector can pick a namespace by name.
     */
    public static final String NAME_LABEL = "kubernetes.io/metadata.name";

    public NamespaceView {
        Objects.requireNonNull(name, "name");
        labels = Map.copyOf(labels);
    }

    /** A namespace known only by name: it carries the name label and nothing else. */
    public static NamespaceView named(String name) {
        return new NamespaceView(name, Map.of(NAME_LABEL, name));
    }
}
