package io.netwatch.agent.inspect.dns;

import java.util.Objects;

/**
 * What {@link DnsParser#parse} made of some bytes: a message, a message whose bytes stop short,
 * or bytes that are not a well-formed DNS message. Never an exception: hostile input only ever
 * selects one of these.
 */
public sealed interface DnsResult {

    /** A whole message; recoverable oddities are in {@link DnsMessage#anomalies()}. */
    record Ok(DnsMessage message) implements DnsResult {
        public Ok {
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * The bytes end inside the message: the header's counts promise records that are not there,
     * or the last record runs past the end. For a datagram this means the capture cut it short
     * (snap length, a lost fragment) or its counts lie; the parser cannot tell which. {@code
     * partial} holds the header and every question and record that was complete, with the
     * anomaly {@link DnsParser#MESSAGE_TRUNCATED}. (Over TCP, {@link DnsTcpFramer} only hands
     * over whole messages, so this means the length prefix and the counts disagree.)
     */
    record Incomplete(DnsMessage partial) implements DnsResult {
        public Incomplete {
            Objects.requireNonNull(partial, "partial");
        }
    }

    /**
     * Not a well-formed DNS message. {@code reason} is a short, stable snake_case word, one of
     * the {@code DnsParser.MALFORMED_*} values (e.g. {@code forward_pointer}).
     */
    record Malformed(String reason) implements DnsResult {
        public Malformed {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** The message of an {@link Ok} or the partial message of an {@link Incomplete}; null for {@link Malformed}. */
    default DnsMessage messageOrPartial() {
        return switch (this) {
            case Ok ok -> ok.message();
            case Incomplete inc -> inc.partial();
            case Malformed m -> null;
        };
    }
}
