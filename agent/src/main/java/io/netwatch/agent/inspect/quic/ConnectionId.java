package io.netwatch.agent.inspect.quic;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A QUIC connection ID, compared by content: a value the caller can keep per connection (the
 * Destination Connection ID of the client's first Initial derives both directions' Initial keys)
 * and use as a map key.
 *
 * @param bytes the ID, 0 to {@link QuicInitial#MAX_CONNECTION_ID_LENGTH} bytes; copied in and out
 */
public record ConnectionId(byte[] bytes) {

    /** Throws only on a caller's mistake: the parser never builds an ID longer than the limit. */
    public ConnectionId {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length > QuicInitial.MAX_CONNECTION_ID_LENGTH) {
            throw new IllegalArgumentException("connection ID of " + bytes.length + " bytes; at most "
                    + QuicInitial.MAX_CONNECTION_ID_LENGTH);
        }
        bytes = bytes.clone();
    }

    /** The ID given as hex, e.g. {@code "8394c8f03e515708"}. */
    public static ConnectionId ofHex(String hex) {
        return new ConnectionId(HexFormat.of().parseHex(hex));
    }

    /** Copies {@code length} bytes at absolute index {@code offset} of {@code buf}. */
    static ConnectionId copyOf(ByteBuffer buf, int offset, int length) {
        byte[] b = new byte[length];
        buf.get(offset, b);
        return new ConnectionId(b);
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    /** True when the {@code length} bytes at absolute index {@code offset} of {@code buf} are this ID. */
    boolean matches(ByteBuffer buf, int offset, int length) {
        if (length != bytes.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (buf.get(offset + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    /** Read-only access for key derivation without a copy. */
    byte[] unsafeBytes() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConnectionId other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}
