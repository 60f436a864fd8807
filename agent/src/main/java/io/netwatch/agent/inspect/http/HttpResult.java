package io.netwatch.agent.inspect.http;

import java.util.Objects;

/** What {@link HttpParser} made of the bytes at the start of a head. */
public sealed interface HttpResult {

    /**
     * A complete head.
     *
     * @param message    the request or response
     * @param headLength bytes from the first byte of the start line to the end of the blank line
     *                   that ends the head (the body, if any, starts there)
     */
    record Ok(HttpMessage message, int headLength) implements HttpResult {
        public Ok {
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * The bytes are a plausible start but the head does not end within them (and they are
     * shorter than the head-size limit): call again with more bytes.
     */
    record Incomplete() implements HttpResult {
        static final Incomplete INSTANCE = new Incomplete();
    }

    /** The first bytes are not a plausible request line or status line (cheap probe). */
    record NotHttp() implements HttpResult {
        static final NotHttp INSTANCE = new NotHttp();
    }

    /**
     * A plausible start that cannot be a valid head.
     *
     * @param reason a short stable snake_case reason: {@link HttpParser#HEAD_TOO_LONG},
     *               {@link HttpParser#BAD_STATUS_LINE}, {@link HttpParser#BAD_STATUS_CODE}
     */
    record Malformed(String reason) implements HttpResult {
        public Malformed {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
