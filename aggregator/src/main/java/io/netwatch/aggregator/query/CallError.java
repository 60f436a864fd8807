package io.netwatch.aggregator.query;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The error a query call ends with, its description cut to {@link #MAX_DESCRIPTION}
 * characters. A status travels in a header (grpc-message, percent-encoded), and past the
 * client's limit on headers (8 KiB in grpc-java) the caller gets a transport error, INTERNAL,
 * instead of what was wrong: a message that quotes the request (a policy's name from its YAML)
 * must not grow with it.
 */
final class CallError {
    /** Characters of a description kept; up to three bytes each once encoded. */
    static final int MAX_DESCRIPTION = 1024;

    private CallError() {
    }

    static StatusRuntimeException of(Status status, String description) {
        if (description == null) {
            return status.asRuntimeException();
        }
        String d = description.length() <= MAX_DESCRIPTION ? description
                : description.substring(0, MAX_DESCRIPTION) + "... (" + description.length() + " characters, cut)";
        return status.withDescription(d).asRuntimeException();
    }
}
