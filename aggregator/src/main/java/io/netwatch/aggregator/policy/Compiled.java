package io.netwatch.aggregator.policy;

import java.util.Objects;

/** The outcome of turning one Kubernetes object into its policy view: the view, or why not. */
public sealed interface Compiled<T> {
    /** The object was valid. */
    record Ok<T>(T value) implements Compiled<T> {
        public Ok {
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * The object was invalid as the API server would judge it.
     *
     * @param object what it was, e.g. {@code NetworkPolicy prod/allow-web}
     * @param field  the offending field's path, e.g. {@code spec.ingress[0].ports[1].endPort}
     * @param reason what is wrong with it
     */
    record Invalid<T>(String object, String field, String reason) implements Compiled<T> {
        public Invalid {
            Objects.requireNonNull(object, "object");
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(reason, "reason");
        }

        public String message() {
            return object + ": " + field + ": " + reason;
        }
    }
}
