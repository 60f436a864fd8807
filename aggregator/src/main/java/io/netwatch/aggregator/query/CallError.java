package io.netwatch.aggregator.query;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The error a query call ends with, its description cut to {@link #MAX_DESCRIPTION}
 * characters. A status travels in a header (grpc-message, percent-encoded), and past the
 * client's limit on headers (8 KiB in grpc-java) the caller gets a transport error, INTERNAL,
 * instead of what was wrong: a message that quotes the request (a policy's name from its YAML)
 * must not grow with it.
 *
 * <p>A call that fails for a reason of the server's own ({@link #internal}) is logged here and
 * answered in general words: the exception's class and message describe the server, not the
 * request, and are no business of the client.
 */
final class CallError {
    private static final Logger LOG = LoggerFactory.getLogger(CallError.class);

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

    /**
     * INTERNAL for a call that failed on something other than its request: the cause is logged
     * with the call's name, the client is told only which call failed and where to look.
     *
     * @param call the method's name ("GetFlows")
     */
    static StatusRuntimeException internal(String call, Throwable cause) {
        LOG.error("{} failed", call, cause);
        return Status.INTERNAL.withDescription(call + " failed inside the aggregator; its log says why")
                .asRuntimeException();
    }
}
