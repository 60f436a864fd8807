package io.netwatch.agent.inspect.quic;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The data of one CRYPTO frame: a piece of the TLS handshake stream (handshake messages with no
 * record layer) at a byte offset of that stream.
 *
 * @param offset where {@code data} starts in the CRYPTO stream, bytes (0 to 2^62 - 1)
 * @param data   the frame's bytes, from position 0 to the limit: a read-only view of the
 *               decrypted packet (no copy), owned by the result that holds it
 */
public record CryptoFragment(long offset, ByteBuffer data) {

    /** Throws only on a caller's mistake: the parser never builds such a fragment. */
    public CryptoFragment {
        Objects.requireNonNull(data, "data");
        if (offset < 0 || offset > QuicInitial.MAX_VARINT - data.remaining()) {
            throw new IllegalArgumentException("CRYPTO fragment at offset " + offset + " of " + data.remaining()
                    + " bytes ends beyond 2^62 - 1");
        }
    }

    /** Length of the fragment, bytes. */
    public int length() {
        return data.remaining();
    }

    /** Offset just past the fragment in the CRYPTO stream, bytes. */
    public long end() {
        return offset + data.remaining();
    }
}
