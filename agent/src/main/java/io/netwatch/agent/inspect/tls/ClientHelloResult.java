package io.netwatch.agent.inspect.tls;

import java.util.Objects;

/** What {@link TlsHelloParser} made of a ClientHello body. */
public sealed interface ClientHelloResult {

    /** A readable hello; recoverable oddities are in {@link ClientHello#anomalies()}. */
    record Ok(ClientHello hello) implements ClientHelloResult {
        public Ok {
            Objects.requireNonNull(hello, "hello");
        }
    }

    /** The body cannot be read as a ClientHello; a stable snake_case reason such as {@code extension_overruns}. */
    record Malformed(String reason) implements ClientHelloResult {
        public Malformed {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
