package io.netwatch.agent.inspect.tls;

import java.util.Objects;

/** What {@link TlsHelloParser} made of a ServerHello (or HelloRetryRequest) body. */
public sealed interface ServerHelloResult {

    /** A readable hello; recoverable oddities are in {@link ServerHello#anomalies()}. */
    record Ok(ServerHello hello) implements ServerHelloResult {
        public Ok {
            Objects.requireNonNull(hello, "hello");
        }
    }

    /** The body cannot be read as a ServerHello; a stable snake_case reason such as {@code session_id_overruns}. */
    record Malformed(String reason) implements ServerHelloResult {
        public Malformed {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
