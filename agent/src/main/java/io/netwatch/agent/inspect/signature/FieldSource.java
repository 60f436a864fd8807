package io.netwatch.agent.inspect.signature;

/** The values of the buffers one parsed message offers (an HTTP request, a DNS message, a TLS hello). */
@FunctionalInterface
public interface FieldSource {
    /**
     * The buffer's values as bytes: one for most buffers, one per question for
     * {@code dns.query}; an empty array when the message has no such field.
     */
    byte[][] values(Buffer buffer);
}
