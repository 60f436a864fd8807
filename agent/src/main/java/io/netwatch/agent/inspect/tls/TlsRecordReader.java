package io.netwatch.agent.inspect.tls;

import io.netwatch.agent.inspect.tls.TlsRecordResult.Incomplete;
import io.netwatch.agent.inspect.tls.TlsRecordResult.Malformed;
import io.netwatch.agent.inspect.tls.TlsRecordResult.NotTls;
import io.netwatch.agent.inspect.tls.TlsRecordResult.Ok;
import io.netwatch.agent.inspect.tls.TlsRecordResult.Stop;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Finds the handshake messages at the start of one direction of a TCP stream: walks TLS records
 * (RFC 8446 section 5.1, RFC 5246 section 6.2), joins handshake messages that span records, and
 * stops where the direction turns encrypted. Also accepts an SSLv2 record first (the SSLv2 and
 * SSLv2-compatible hellos, RFC 6101 appendix E), after which TLS records may follow.
 *
 * <p>Input is the in-order prefix of the stream as the reassembler has it so far. The reader is
 * pure and keeps nothing between calls: give it a longer prefix when it says
 * {@link Incomplete}. A message inside one record is returned as a view of the caller's buffer;
 * only a message that spans records is copied (into an array of exactly its length, which is at
 * most the prefix length and {@link #MAX_MESSAGE_LENGTH}).
 *
 * <p>What ends the walk ({@link Stop}): ChangeCipherSpec, because the records after it are
 * encrypted; the one exception is TLS 1.3 middlebox compatibility mode, where a ClientHello (after a
 * HelloRetryRequest) or a ServerHello follows a dummy ChangeCipherSpec in plaintext, accepted when
 * the record holds exactly one such message. Application data, alerts and other record types
 * also end it. Never throws on any bytes; never changes the buffer's position or limit.
 */
public final class TlsRecordReader {
    public static final int CONTENT_CHANGE_CIPHER_SPEC = 20;
    public static final int CONTENT_ALERT = 21;
    public static final int CONTENT_HANDSHAKE = 22;
    public static final int CONTENT_APPLICATION_DATA = 23;
    public static final int CONTENT_HEARTBEAT = 24;

    /** TLS record header: content type, legacy version, length; bytes. */
    public static final int RECORD_HEADER_LENGTH = 5;
    /** Handshake message header: type, 24-bit length; bytes. */
    public static final int HANDSHAKE_HEADER_LENGTH = 4;
    /** Largest record body a TLS record may declare, bytes: 2^14 plus 2048 of expansion (RFC 5246 6.2.3). */
    public static final int MAX_RECORD_LENGTH = 16_384 + 2_048;
    /** Largest plaintext record body, bytes (2^14). */
    public static final int MAX_PLAINTEXT_LENGTH = 16_384;
    /**
     * Largest handshake message body read, bytes. A message that declares more ends the walk
     * ({@link Stop#LIMIT}): hellos are far smaller (their lists have 16-bit lengths), and only a
     * message that lies complete in the prefix is ever copied, so no copy exceeds the prefix.
     */
    public static final int MAX_MESSAGE_LENGTH = 1 << 17;
    /** Most records walked per call (each at least 5 bytes, so a 16 KiB prefix holds at most ~3300). */
    public static final int MAX_RECORDS = 1_024;
    /** Most handshake messages returned per call. */
    public static final int MAX_MESSAGES = 64;

    /** SSLv2 record header with the high bit set: 15-bit length; bytes. */
    private static final int SSLV2_HEADER_LENGTH = 2;
    /** SSLv2 CLIENT-HELLO: type, version, three 16-bit lengths; bytes. */
    private static final int SSLV2_CLIENT_HELLO_FIXED = 9;
    /** SSLv2 SERVER-HELLO: type, session-id hit, certificate type, version, three 16-bit lengths; bytes. */
    private static final int SSLV2_SERVER_HELLO_FIXED = 11;
    /** Bytes of a record body the compatibility-mode check looks at: handshake header and major version. */
    private static final int COMPAT_PEEK = HANDSHAKE_HEADER_LENGTH + 1;

    /** The probe's answer for most streams, shared: it has no state. */
    private static final NotTls NOT_TLS = new NotTls();

    private TlsRecordReader() {
    }

    /**
     * Reads the handshake messages at the start of {@code buffer[offset, offset + length)}, the
     * first bytes of one direction of a TCP stream.
     *
     * @throws IndexOutOfBoundsException if the range is not within {@code [0, buffer.limit())}
     */
    public static TlsRecordResult read(ByteBuffer buffer, int offset, int length) {
        Objects.requireNonNull(buffer, "buffer");
        Objects.checkFromIndexSize(offset, length, buffer.limit());
        int end = offset + length;
        if (length == 0) {
            return new Incomplete(RECORD_HEADER_LENGTH + HANDSHAKE_HEADER_LENGTH);
        }
        int first = u8(buffer, offset);
        // Only the 2-byte SSLv2 header (high bit set) starts an SSLv2 hello. The 3-byte form (high
        // bit clear, third byte the padding length) exists for block-cipher padding, so only
        // encrypted records use it; hellos go before any cipher. OpenSSL accepts a V2ClientHello
        // only with the high bit set, and Wireshark's and Suricata's SSLv2 probes require it too.
        // Taking a 3-byte header as well would make any stream whose fourth byte is 1 a candidate.
        if ((first & 0x80) != 0) {
            return readSslv2(buffer, offset, end);
        }
        if (first != CONTENT_HANDSHAKE) {
            return NOT_TLS;
        }
        if (length >= 2 && u8(buffer, offset + 1) != 3 || length >= 3 && u8(buffer, offset + 2) > 4) {
            return NOT_TLS;
        }
        return new Walk(buffer, end).run(offset, new ArrayList<>());
    }

    /**
     * Reads the handshake messages of stream bytes that start where an earlier read ended
     * between records ({@link TlsRecordResult.Ok#betweenRecords()}): the first record may be of
     * any type, as it may be later in a stream (a ChangeCipherSpec, then the plaintext hello a
     * HelloRetryRequest asks for).
     *
     * @throws IndexOutOfBoundsException if the range is not within {@code [0, buffer.limit())}
     */
    public static TlsRecordResult readMore(ByteBuffer buffer, int offset, int length) {
        Objects.requireNonNull(buffer, "buffer");
        Objects.checkFromIndexSize(offset, length, buffer.limit());
        if (length == 0) {
            return new Incomplete(RECORD_HEADER_LENGTH + HANDSHAKE_HEADER_LENGTH);
        }
        return new Walk(buffer, offset + length).run(offset, new ArrayList<>());
    }

    /** An SSLv2 record first: a CLIENT-HELLO (type 1) or SERVER-HELLO (type 4), then TLS records may follow. */
    private static TlsRecordResult readSslv2(ByteBuffer b, int offset, int end) {
        int available = end - offset;
        if (available < SSLV2_HEADER_LENGTH + 1) {
            return new Incomplete(SSLV2_HEADER_LENGTH + 1 - available);
        }
        int recordLength = (u8(b, offset) & 0x7F) << 8 | u8(b, offset + 1);
        int type = u8(b, offset + 2);
        if (type != 1 && type != HandshakeMessage.SSLV2_SERVER_HELLO) {
            return NOT_TLS;
        }
        int versionAt = type == 1 ? 3 : 5;
        if (available < versionAt + 2) {
            return new Incomplete(versionAt + 2 - available);
        }
        int version = u16(b, offset + versionAt);
        if (version != HandshakeMessage.SSLV2_RECORD_VERSION && (version >>> 8 != 3 || (version & 0xFF) > 4)) {
            return NOT_TLS;
        }
        if (recordLength < (type == 1 ? SSLV2_CLIENT_HELLO_FIXED : SSLV2_SERVER_HELLO_FIXED)) {
            return new Malformed("sslv2_record_too_short");
        }
        if (recordLength > available - SSLV2_HEADER_LENGTH) {
            return new Incomplete(recordLength - (available - SSLV2_HEADER_LENGTH));
        }
        int recordEnd = offset + SSLV2_HEADER_LENGTH + recordLength;
        List<HandshakeMessage> messages = new ArrayList<>();
        messages.add(new HandshakeMessage(type, true, HandshakeMessage.SSLV2_RECORD_VERSION, b,
                offset + SSLV2_HEADER_LENGTH + 1, recordLength - 1, false));
        if (recordEnd == end) {
            // Whatever follows (an SSLv2 record, or TLS records after an SSLv2-compatible hello) has a header.
            return new Ok(messages, Stop.PREFIX_END, SSLV2_HEADER_LENGTH, List.of(), false, -1);
        }
        if ((u8(b, recordEnd) & 0x80) != 0) {
            // SSLv2 goes on (CLIENT-MASTER-KEY, ...): nothing more to inspect.
            return new Ok(messages, Stop.OTHER_RECORD, 0, List.of(), false, -1);
        }
        return new Walk(b, end).run(recordEnd, messages);
    }

    /**
     * One call's walk: first over the TLS record headers, noting where each handshake record's
     * body is (its segment); then over the concatenated segments, cutting them into messages.
     */
    private static final class Walk {
        private final ByteBuffer b;
        private final int end;
        private final List<String> anomalies = new ArrayList<>(0);

        // Handshake record bodies in stream order: absolute start, bytes present, record version,
        // and whether a ChangeCipherSpec came just before (a message must not continue across it).
        private int segments;
        // Sized for the usual case, a hello or two in one or two records; grown when more come.
        private int[] segStart = new int[2];
        private int[] segLength = new int[2];
        private int[] segVersion = new int[2];
        private boolean[] segAfterCcs = new boolean[2];

        /** Why the record walk ended. */
        private Stop stop;
        /** With PREFIX_END: bytes of the last record's body beyond the prefix (0 when it ended between records). */
        private int recordMissing;
        /** With PREFIX_END: bytes of a record header beyond the prefix (5 when it ended between records). */
        private int headerMissing;
        /** The last record was a handshake record cut by the prefix (its segment is the last one). */
        private boolean lastSegmentCut;
        /** With PREFIX_END: the prefix ended exactly after a record, not after a ChangeCipherSpec. */
        private boolean endedBetweenRecords;
        /** With CHANGE_CIPHER_SPEC and APPLICATION_DATA: where the record the walk stopped at begins. */
        private int ciphertextAt = -1;

        Walk(ByteBuffer b, int end) {
            this.b = b;
            this.end = end;
        }

        TlsRecordResult run(int pos, List<HandshakeMessage> messages) {
            walkRecords(pos);
            return cutMessages(messages);
        }

        private void walkRecords(int pos) {
            boolean afterCcs = false;
            for (int records = 0; ; records++) {
                int available = end - pos;
                if (available < RECORD_HEADER_LENGTH) {
                    if (available > 0 && !plausibleHeaderStart(pos, available)) {
                        fail(Stop.MALFORMED, "bad_record_header");
                    } else {
                        prefixEnd(RECORD_HEADER_LENGTH - available, 0);
                        endedBetweenRecords = available == 0 && !afterCcs;
                    }
                    return;
                }
                if (records == MAX_RECORDS) {
                    fail(Stop.LIMIT, "too_many_records");
                    return;
                }
                int type = u8(b, pos);
                int version = u16(b, pos + 1);
                int length = u16(b, pos + 3);
                if (type < CONTENT_CHANGE_CIPHER_SPEC || type > CONTENT_HEARTBEAT) {
                    fail(Stop.MALFORMED, "bad_content_type");
                    return;
                }
                if (version >>> 8 != 3 || (version & 0xFF) > 4) {
                    fail(Stop.MALFORMED, "bad_record_version");
                    return;
                }
                if (length > MAX_RECORD_LENGTH) {
                    fail(Stop.MALFORMED, "record_too_long");
                    return;
                }
                int body = pos + RECORD_HEADER_LENGTH;
                int present = Math.min(length, end - body);
                switch (type) {
                    case CONTENT_HANDSHAKE -> {
                        if (afterCcs) {
                            if (present < Math.min(length, COMPAT_PEEK)) {
                                prefixEnd(0, Math.min(length, COMPAT_PEEK) - present);
                                return;
                            }
                            if (!plaintextHelloAfterCcs(body, length)) {
                                encrypted(Stop.CHANGE_CIPHER_SPEC, pos);
                                return;
                            }
                        }
                        if (length == 0) {
                            anomaly("empty_record");
                        } else if (length > MAX_PLAINTEXT_LENGTH) {
                            anomaly("record_over_plaintext_limit");
                        }
                        addSegment(body, present, version, afterCcs);
                        afterCcs = false;
                        if (present < length) {
                            lastSegmentCut = true;
                            prefixEnd(0, length - present);
                            return;
                        }
                    }
                    case CONTENT_CHANGE_CIPHER_SPEC -> {
                        if (afterCcs) {
                            encrypted(Stop.CHANGE_CIPHER_SPEC, pos);
                            return;
                        }
                        if (present < length) {
                            prefixEnd(0, length - present);
                            return;
                        }
                        afterCcs = true;
                    }
                    case CONTENT_ALERT -> {
                        stop = Stop.ALERT;
                        return;
                    }
                    case CONTENT_APPLICATION_DATA -> {
                        encrypted(Stop.APPLICATION_DATA, pos);
                        return;
                    }
                    default -> {
                        stop = Stop.OTHER_RECORD;
                        return;
                    }
                }
                pos = body + length;
            }
        }

        /** The first bytes of a record header cut by the prefix could still start a valid header. */
        private boolean plausibleHeaderStart(int pos, int available) {
            int type = u8(b, pos);
            if (type < CONTENT_CHANGE_CIPHER_SPEC || type > CONTENT_HEARTBEAT) {
                return false;
            }
            return (available < 2 || u8(b, pos + 1) == 3) && (available < 3 || u8(b, pos + 2) <= 4);
        }

        /**
         * After a ChangeCipherSpec a handshake record is normally encrypted (the Finished). TLS 1.3
         * compatibility mode sends a dummy ChangeCipherSpec and then, in plaintext, the second
         * ClientHello (after a HelloRetryRequest) or the ServerHello. Accepted when the record starts
         * with such a message whose legacy_version major byte is 3 and which fills the record
         * exactly (or overflows a full-size record): random ciphertext passes this with probability
         * about 2^-39 (type 2^-7, version byte 2^-8, 24-bit length 2^-24).
         */
        private boolean plaintextHelloAfterCcs(int body, int length) {
            if (length < COMPAT_PEEK) {
                return false;
            }
            int type = u8(b, body);
            int messageLength = u24(b, body + 1);
            if (type != HandshakeMessage.CLIENT_HELLO && type != HandshakeMessage.SERVER_HELLO
                    || u8(b, body + HANDSHAKE_HEADER_LENGTH) != 3) {
                return false;
            }
            int total = HANDSHAKE_HEADER_LENGTH + messageLength;
            return total == length || length == MAX_PLAINTEXT_LENGTH && total > length;
        }

        private void addSegment(int start, int length, int version, boolean afterCcs) {
            if (segments == segStart.length) {
                int grown = segments * 2;
                segStart = Arrays.copyOf(segStart, grown);
                segLength = Arrays.copyOf(segLength, grown);
                segVersion = Arrays.copyOf(segVersion, grown);
                segAfterCcs = Arrays.copyOf(segAfterCcs, grown);
            }
            segStart[segments] = start;
            segLength[segments] = length;
            segVersion[segments] = version;
            segAfterCcs[segments] = afterCcs;
            segments++;
        }

        /** The walk stopped at the record at {@code pos}, the first one after the handshake's plaintext. */
        private void encrypted(Stop stop, int pos) {
            this.stop = stop;
            this.ciphertextAt = pos;
        }

        private void prefixEnd(int headerMissing, int recordMissing) {
            this.stop = Stop.PREFIX_END;
            this.headerMissing = headerMissing;
            this.recordMissing = recordMissing;
        }

        private void fail(Stop stop, String reason) {
            this.stop = stop;
            anomaly(reason);
        }

        private void anomaly(String reason) {
            if (!anomalies.contains(reason)) {
                anomalies.add(reason);
            }
        }

        /** Second pass: the segments as one byte sequence, cut into handshake messages. */
        private TlsRecordResult cutMessages(List<HandshakeMessage> messages) {
            long total = 0;
            for (int i = 0; i < segments; i++) {
                total += segLength[i];
            }
            Cursor cursor = new Cursor();
            long v = 0;
            int missing = 0;
            String interrupted = null;
            while (v < total) {
                if (messages.size() == MAX_MESSAGES) {
                    return finish(messages, Stop.LIMIT, "too_many_messages", 0);
                }
                if (total - v < HANDSHAKE_HEADER_LENGTH) {
                    missing = (int) (HANDSHAKE_HEADER_LENGTH - (total - v));
                    break;
                }
                int startSegment = cursor.segmentOf(v);
                int type = cursor.byteAt(v);
                int length = cursor.byteAt(v + 1) << 16 | cursor.byteAt(v + 2) << 8 | cursor.byteAt(v + 3);
                if (length > MAX_MESSAGE_LENGTH) {
                    return finish(messages, Stop.LIMIT, "message_too_long", 0);
                }
                long bodyStart = v + HANDSHAKE_HEADER_LENGTH;
                long bodyEnd = bodyStart + length;
                if (bodyEnd > total) {
                    missing = (int) (bodyEnd - total);
                    interrupted = crossesCcs(startSegment, segments - 1) ? "message_interrupted" : null;
                    break;
                }
                int headerEndSegment = cursor.segmentOf(v + HANDSHAKE_HEADER_LENGTH - 1);
                int bodySegment = cursor.segmentOf(bodyStart);
                int bodyAt = (int) (bodyStart - cursor.currentStart());
                // The segment of the message's last byte (a header byte when the body is empty).
                int lastSegment = length == 0 ? headerEndSegment : cursor.segmentOf(bodyEnd - 1);
                if (crossesCcs(startSegment, lastSegment)) {
                    return finish(messages, Stop.MALFORMED, "message_interrupted", 0);
                }
                messages.add(body(type, segVersion[startSegment], bodySegment, bodyAt, length));
                v = bodyEnd;
            }
            if (interrupted != null) {
                return finish(messages, Stop.MALFORMED, interrupted, 0);
            }
            if (stop != Stop.PREFIX_END) {
                if (missing > 0) {
                    // The records ended (alert, encrypted data, ...) in the middle of a message.
                    return finish(messages, Stop.MALFORMED, "message_interrupted", 0);
                }
                return finish(messages, stop, null, 0);
            }
            boolean between = missing == 0 && endedBetweenRecords;
            return finish(messages, Stop.PREFIX_END, null, needAtLeast(missing), between);
        }

        /** A ChangeCipherSpec lies between segments {@code from} and {@code to} (inclusive of {@code to}'s start). */
        private boolean crossesCcs(int from, int to) {
            for (int i = from + 1; i <= to; i++) {
                if (segAfterCcs[i]) {
                    return true;
                }
            }
            return false;
        }

        /**
         * A lower bound on the stream bytes needed before another message can complete, given the
         * bytes {@code missing} from the message in progress (0 when the segments ended between
         * messages: then the next message needs at least its 4-byte header).
         */
        private int needAtLeast(int missing) {
            int needed = missing > 0 ? missing : HANDSHAKE_HEADER_LENGTH;
            if (headerMissing > 0) {
                return headerMissing + needed;
            }
            if (lastSegmentCut || recordMissing > 0) {
                // Inside a record body: what it still holds, then at least one more header for the rest.
                return needed <= recordMissing ? needed : needed + RECORD_HEADER_LENGTH;
            }
            return RECORD_HEADER_LENGTH + needed;
        }

        private TlsRecordResult finish(List<HandshakeMessage> messages, Stop how, String reason, int need) {
            return finish(messages, how, reason, need, false);
        }

        private TlsRecordResult finish(List<HandshakeMessage> messages, Stop how, String reason, int need,
                                       boolean betweenRecords) {
            if (reason != null) {
                anomaly(reason);
            }
            if (messages.isEmpty()) {
                if (how == Stop.PREFIX_END) {
                    return new Incomplete(need);
                }
                if (how == Stop.MALFORMED || how == Stop.LIMIT) {
                    return new Malformed(anomalies.getLast());
                }
            }
            return new Ok(messages, how, how == Stop.PREFIX_END ? need : 0, anomalies,
                    how == Stop.PREFIX_END && betweenRecords,
                    how == Stop.CHANGE_CIPHER_SPEC || how == Stop.APPLICATION_DATA ? ciphertextAt : -1);
        }

        /** A body {@code at} bytes into segment {@code seg}: a view when it lies in that segment, else a copy. */
        private HandshakeMessage body(int type, int recordVersion, int seg, int at, int length) {
            if (at + (long) length <= segLength[seg]) {
                return new HandshakeMessage(type, false, recordVersion, b, segStart[seg] + at, length, false);
            }
            byte[] copy = new byte[length];
            int filled = 0;
            for (int i = seg; filled < length && i < segments; i++) {
                int from = i == seg ? segStart[i] + at : segStart[i];
                int n = Math.min(length - filled, segStart[i] + segLength[i] - from);
                b.get(from, copy, filled, n);
                filled += n;
            }
            return new HandshakeMessage(type, false, recordVersion, ByteBuffer.wrap(copy), 0, length, true);
        }

        /**
         * Maps offsets in the concatenated segments to the buffer. Offsets are asked for in
         * non-decreasing order, so the search only moves forward (a step back would restart it from
         * the first segment); every step is bounded by the number of segments.
         */
        private final class Cursor {
            private int seg;
            private long segVirtualStart;

            int byteAt(long v) {
                int i = segmentOf(v);
                return u8(b, segStart[i] + (int) (v - segVirtualStart));
            }

            /** The segment holding offset {@code v}: the first non-empty one that does, or the last one. */
            int segmentOf(long v) {
                if (v < segVirtualStart) {
                    seg = 0;
                    segVirtualStart = 0;
                }
                while (seg < segments - 1 && v >= segVirtualStart + segLength[seg]) {
                    segVirtualStart += segLength[seg];
                    seg++;
                }
                return seg;
            }

            /** Offset of the current segment's first byte in the concatenation. */
            long currentStart() {
                return segVirtualStart;
            }
        }
    }

    static int u8(ByteBuffer b, int i) {
        return b.get(i) & 0xFF;
    }

    static int u16(ByteBuffer b, int i) {
        return (b.get(i) & 0xFF) << 8 | b.get(i + 1) & 0xFF;
    }

    static int u24(ByteBuffer b, int i) {
        return (b.get(i) & 0xFF) << 16 | (b.get(i + 1) & 0xFF) << 8 | b.get(i + 2) & 0xFF;
    }
}
