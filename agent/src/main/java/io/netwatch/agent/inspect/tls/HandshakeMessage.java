package io.netwatch.agent.inspect.tls;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One handshake message found by {@link TlsRecordReader}: its type and a view of its body.
 *
 * <p>The body is {@code buffer[offset, offset + length)}, read with absolute gets. When the
 * message lay within one record, {@code buffer} is the caller's own buffer (no copy), so the
 * message is only valid while that buffer is; when it spanned records, {@code buffer} wraps a
 * private copy of exactly the body ({@link #copied()}).
 *
 * @param type          handshake type: for TLS records the RFC 8446 HandshakeType (1 ClientHello,
 *                      2 ServerHello, 11 Certificate, ...); for an SSLv2 record the SSLv2 message type
 *                      (1 CLIENT-HELLO, 4 SERVER-HELLO)
 * @param sslv2         true when the message came in an SSLv2 record (2-byte header, high bit set);
 *                      its body then follows the SSLv2 layout, not the TLS one
 * @param recordVersion {@code legacy_record_version} of the record where the message starts;
 *                      {@link #SSLV2_RECORD_VERSION} for SSLv2 records
 * @param buffer        holds the body; read-only use, absolute indices
 * @param offset        absolute index of the first body byte (after the 4-byte handshake header,
 *                      or after the SSLv2 message-type byte)
 * @param length        body length, bytes
 * @param copied        true when the body was copied because it spanned records
 */
public record HandshakeMessage(int type, boolean sslv2, int recordVersion, ByteBuffer buffer, int offset, int length,
                               boolean copied) {
    public static final int CLIENT_HELLO = 1;
    public static final int SERVER_HELLO = 2;
    public static final int SSLV2_SERVER_HELLO = 4;
    /** The record version the SSLv2 record format stands for (as tshark reports it). */
    public static final int SSLV2_RECORD_VERSION = 0x0002;

    public HandshakeMessage {
        Objects.requireNonNull(buffer, "buffer");
        Objects.checkFromIndexSize(offset, length, buffer.limit());
    }

    /** A ClientHello, in either record format. */
    public boolean isClientHello() {
        return type == CLIENT_HELLO;
    }

    /** A ServerHello (TLS: also a HelloRetryRequest, which has the same type) or an SSLv2 SERVER-HELLO. */
    public boolean isServerHello() {
        return sslv2 ? type == SSLV2_SERVER_HELLO : type == SERVER_HELLO;
    }
}
