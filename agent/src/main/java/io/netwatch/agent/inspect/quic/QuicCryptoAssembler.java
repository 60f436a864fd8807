package io.netwatch.agent.inspect.quic;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Puts one direction of one QUIC connection's Initial CRYPTO stream back together from its
 * fragments, which arrive out of order, overlap and repeat across packets and datagrams (a
 * ClientHello with a post-quantum key share fills two or three Initial packets; Chrome also
 * shuffles the frames inside a packet). What it exposes is the contiguous prefix from offset 0,
 * or from where the messages already read end ({@link #QuicCryptoAssembler(int, long)}): a
 * stream of TLS handshake messages with no record layer, for the TLS parser.
 *
 * <p>Bounded: it keeps at most {@code maxBytes} bytes from its start (default
 * {@link #DEFAULT_MAX_BYTES}); bytes beyond are counted in {@link #droppedBytes()}, never stored.
 * Bytes before its start (the messages already read, sent again) are neither stored nor counted.
 * The first copy of a byte wins; a later copy that differs is counted in
 * {@link #conflictingBytes()} (an evasion attempt or a broken sender), one that agrees in
 * {@link #duplicateBytes()} (a retransmission).
 *
 * <p>Mutable and single-threaded: one instance per connection and direction, owned by the flow
 * state that feeds it. Memory grows with the highest offset stored, up to {@code maxBytes} plus
 * one bit per byte.
 */
public final class QuicCryptoAssembler {
    /**
     * Default cap, bytes of the CRYPTO stream from offset 0. A ClientHello with an ML-KEM key share
     * is about 1.8 KB; a ServerHello is about 100 bytes (certificates travel in Handshake packets).
     */
    public static final int DEFAULT_MAX_BYTES = 16 * 1024;
    /** Largest cap a caller may configure, bytes. */
    public static final int MAX_BYTES_CEILING = 1 << 20;
    /** TLS handshake message header: type (1 byte) and length (3 bytes). */
    private static final int HANDSHAKE_HEADER = 4;
    private static final int MIN_CAPACITY = 2048;

    private final int maxBytes;
    /** Stream offset of {@code data[0]}, bytes: 0, or where the messages already read end. */
    private final long from;
    private byte[] data = new byte[0];
    /** One bit per byte of {@link #data}: set once the byte has been stored. */
    private long[] present = new long[0];
    /** Length of the stored prefix without a gap, bytes. */
    private int contiguous;
    private long droppedBytes;
    private long duplicateBytes;
    private long conflictingBytes;

    /** An assembler keeping {@link #DEFAULT_MAX_BYTES}. */
    public QuicCryptoAssembler() {
        this(DEFAULT_MAX_BYTES);
    }

    /**
     * @param maxBytes bytes of the stream kept from offset 0, 1 to {@link #MAX_BYTES_CEILING}
     * @throws IllegalArgumentException outside that range (configuration, never packet bytes)
     */
    public QuicCryptoAssembler(int maxBytes) {
        this(maxBytes, 0);
    }

    /**
     * An assembler of the stream from offset {@code from} on: after a connection's first message
     * was read there, the next (the ClientHello or ServerHello after a HelloRetryRequest) starts
     * where it ended.
     *
     * @param maxBytes bytes of the stream kept from {@code from}, 1 to {@link #MAX_BYTES_CEILING}
     * @param from     stream offset of the first byte kept, 0 to 2^62 - 1
     * @throws IllegalArgumentException outside those ranges (the caller's, never packet bytes)
     */
    public QuicCryptoAssembler(int maxBytes, long from) {
        if (maxBytes < 1 || maxBytes > MAX_BYTES_CEILING) {
            throw new IllegalArgumentException("maxBytes " + maxBytes + " outside 1.." + MAX_BYTES_CEILING);
        }
        if (from < 0 || from > QuicInitial.MAX_VARINT) {
            throw new IllegalArgumentException("from " + from);
        }
        this.maxBytes = maxBytes;
        this.from = from;
    }

    /** Adds every fragment of a decrypted datagram, in order; returns the new bytes stored. */
    public int addAll(List<CryptoFragment> fragments) {
        int added = 0;
        for (CryptoFragment f : fragments) {
            added += add(f);
        }
        return added;
    }

    /** Adds one fragment; returns the bytes of it stored for the first time. */
    public int add(CryptoFragment fragment) {
        return add(fragment.offset(), fragment.data());
    }

    /**
     * Adds {@code bytes}' remaining bytes (read with absolute gets; position and limit untouched)
     * at {@code offset} of the stream.
     *
     * @param offset stream offset of the first byte, bytes; the fragment must end by 2^62 - 1
     * @return the bytes stored for the first time
     * @throws IllegalArgumentException for an offset no CRYPTO frame can carry (a caller's mistake)
     */
    public int add(long offset, ByteBuffer bytes) {
        int at = bytes.position();
        int length = bytes.remaining();
        if (offset < 0 || offset > QuicInitial.MAX_VARINT - length) {
            throw new IllegalArgumentException("CRYPTO offset " + offset + " of " + length + " bytes");
        }
        long end = offset + length - from;
        if (end <= 0) {
            return 0; // the messages already read
        }
        // From here on, offsets are the kept stream's: 0 at from.
        long relative = offset - from;
        int skip = (int) Math.max(0, -relative);
        relative += skip;
        int keepEnd = (int) Math.min(end, maxBytes);
        droppedBytes += end - Math.max(relative, keepEnd);
        if (relative >= keepEnd) {
            return 0;
        }
        int start = (int) relative;
        ensureCapacity(keepEnd);
        int added = 0;
        for (int i = start; i < keepEnd; i++) {
            byte b = bytes.get(at + skip + (i - start));
            long bit = 1L << i;
            if ((present[i >>> 6] & bit) != 0) {
                if (data[i] == b) {
                    duplicateBytes++;
                } else {
                    conflictingBytes++;
                }
                continue;
            }
            present[i >>> 6] |= bit;
            data[i] = b;
            added++;
        }
        while (contiguous < data.length && (present[contiguous >>> 6] & (1L << contiguous)) != 0) {
            contiguous++;
        }
        return added;
    }

    /** Bytes of the arrays holding the stream and its map: for the inspection budget. */
    public int keptBytes() {
        return data.length + present.length * Long.BYTES;
    }

    private void ensureCapacity(int needed) {
        if (needed <= data.length) {
            return;
        }
        int capacity = Math.max(MIN_CAPACITY, data.length);
        while (capacity < needed) {
            capacity *= 2;
        }
        capacity = Math.min(capacity, maxBytes);
        data = Arrays.copyOf(data, capacity);
        present = Arrays.copyOf(present, (capacity + 63) >>> 6);
    }

    /** Length of the stream received without a gap from its start, bytes. */
    public int contiguousLength() {
        return contiguous;
    }

    /**
     * The stream from its start up to the first gap: TLS handshake messages, the first of them
     * the ClientHello (client side) or the ServerHello (server side). A read-only view, valid
     * until the next {@code add}.
     */
    public ByteBuffer contiguous() {
        return ByteBuffer.wrap(data, 0, contiguous).slice().asReadOnlyBuffer();
    }

    /**
     * Length of the first handshake message, header included, once all of it is contiguous;
     * -1 before. When it announces more than {@code maxBytes}, it never completes:
     * {@link #limitReached()} tells.
     */
    public int firstMessageLength() {
        if (contiguous < HANDSHAKE_HEADER) {
            return -1;
        }
        int length = HANDSHAKE_HEADER + ((data[1] & 0xff) << 16 | (data[2] & 0xff) << 8 | (data[3] & 0xff));
        return length <= contiguous ? length : -1;
    }

    /** True once a fragment reached past {@code maxBytes} or the first message is longer than that. */
    public boolean limitReached() {
        return droppedBytes > 0 || firstMessageTooLong();
    }

    /**
     * True once the first message's header announces more than {@code maxBytes}: it can never
     * complete. (Bytes dropped past the cap alone do not say so: a first message that fits
     * still completes from the bytes kept.)
     */
    public boolean firstMessageTooLong() {
        if (contiguous < HANDSHAKE_HEADER) {
            return false;
        }
        long length = HANDSHAKE_HEADER + ((data[1] & 0xff) << 16 | (data[2] & 0xff) << 8 | (data[3] & 0xff));
        return length > maxBytes;
    }

    /** Stream offset of the first byte kept, bytes: 0 unless built to start later. */
    public long from() {
        return from;
    }

    /** The cap this assembler was built with, bytes. */
    public int maxBytes() {
        return maxBytes;
    }

    /** Bytes received beyond {@code maxBytes}, not stored (repeats counted each time). */
    public long droppedBytes() {
        return droppedBytes;
    }

    /** Bytes received again with the same value as the stored copy. */
    public long duplicateBytes() {
        return duplicateBytes;
    }

    /** Bytes received again with another value than the stored copy (the stored one stays). */
    public long conflictingBytes() {
        return conflictingBytes;
    }
}
