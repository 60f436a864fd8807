package io.netwatch.agent.inspect.dns;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Cuts one direction of a DNS-over-TCP stream into messages (RFC 1035 4.2.2, RFC 7766: each
 * message behind a two-byte length) and parses each with {@link DnsParser}. Feed it the
 * direction's bytes in stream order, as the reassembler releases them; a segment may hold
 * several messages, and a message may span several segments.
 *
 * <p>A message that lies wholly inside the bytes fed is parsed where it lies (no copy); only the
 * unfinished tail of a feed is copied, into one buffer of at most {@link #MAX_BUFFERED_BYTES}
 * (the largest prefix and message), allocated when first needed. After lost bytes, call
 * {@link #gap}: the unfinished message is dropped, and since nothing marks where messages start,
 * the framer takes the next bytes fed as a new message only if they look like one
 * ({@link DnsParser#probe}); otherwise it drops them and keeps waiting.
 *
 * <p>Mutable and single-threaded: one instance per direction of a connection, owned by whoever
 * owns the connection's state. Returned results hold no reference to its buffer or to the input.
 */
public final class DnsTcpFramer {
    /** Bytes of the length prefix before each message. */
    public static final int PREFIX_LENGTH = 2;
    /** Most bytes held between feeds: one unfinished message and its prefix. */
    public static final int MAX_BUFFERED_BYTES = PREFIX_LENGTH + DnsParser.MAX_MESSAGE_LENGTH;
    /**
     * Most messages one feed returns. Past it the rest of the feed is dropped and the framer
     * resynchronises as after a {@link #gap} (a flood of tiny frames must not make unbounded work
     * for one segment).
     */
    public static final int MAX_MESSAGES_PER_FEED = 1_024;

    private byte[] pending;
    private ByteBuffer pendingView;
    /** Bytes of the unfinished prefix and message held in {@link #pending}. */
    private int pendingLength;
    /** True after a gap, until bytes that look like the start of a message arrive. */
    private boolean resynchronising;
    private long messages;
    private long droppedBytes;
    private long gaps;

    /**
     * Takes the next {@code length} bytes of the stream from {@code data[offset, offset + length)}
     * (absolute indices; the buffer's position and limit are left alone) and returns the results
     * of every message they complete, in order; empty when none.
     *
     * @throws IndexOutOfBoundsException if the range is not inside {@code [0, data.limit())}
     */
    public List<DnsResult> feed(ByteBuffer data, int offset, int length) {
        Objects.requireNonNull(data, "data");
        Objects.checkFromIndexSize(offset, length, data.limit());
        int p = offset;
        int end = offset + length;
        if (resynchronising && length > 0) {
            if (end - p >= PREFIX_LENGTH && DnsParser.u16(data, p) >= DnsParser.HEADER_LENGTH
                    && DnsParser.probe(data, p + PREFIX_LENGTH, Math.min(end - p - PREFIX_LENGTH, DnsParser.HEADER_LENGTH))) {
                resynchronising = false;
            } else {
                droppedBytes += length;
                return List.of();
            }
        }
        List<DnsResult> out = null;
        // Each pass consumes at least one byte of the input, or stops.
        while (p < end) {
            if (out != null && out.size() == MAX_MESSAGES_PER_FEED) {
                droppedBytes += end - p;
                pendingLength = 0;
                resynchronising = true;
                break;
            }
            if (pendingLength > 0) {
                if (pendingLength < PREFIX_LENGTH) {
                    pending[pendingLength++] = data.get(p++);
                    if (pendingLength == PREFIX_LENGTH) {
                        ensureCapacity(PREFIX_LENGTH + messageLength());
                    }
                } else {
                    int take = Math.min(PREFIX_LENGTH + messageLength() - pendingLength, end - p);
                    data.get(p, pending, pendingLength, take);
                    p += take;
                    pendingLength += take;
                }
                if (pendingLength >= PREFIX_LENGTH && pendingLength == PREFIX_LENGTH + messageLength()) {
                    out = add(out, DnsParser.parse(pendingView, PREFIX_LENGTH, messageLength()));
                    pendingLength = 0;
                }
                continue;
            }
            if (end - p < PREFIX_LENGTH) {
                hold(data, p, end - p, PREFIX_LENGTH);
                break;
            }
            int len = DnsParser.u16(data, p);
            if (end - p - PREFIX_LENGTH >= len) {
                out = add(out, DnsParser.parse(data, p + PREFIX_LENGTH, len));
                p += PREFIX_LENGTH + len;
                continue;
            }
            hold(data, p, end - p, PREFIX_LENGTH + len);
            break;
        }
        return out == null ? List.of() : out;
    }

    /** Bytes were lost before the next feed: drop the unfinished message and resynchronise. */
    public void gap() {
        pendingLength = 0;
        resynchronising = true;
        gaps++;
    }

    /** Starts over, as for a new connection: nothing held, no resynchronisation pending. */
    public void reset() {
        pendingLength = 0;
        resynchronising = false;
    }

    /** Bytes of an unfinished prefix and message held now. */
    public int buffered() {
        return pendingLength;
    }

    /** True after a gap until bytes that look like a message start arrive. */
    public boolean resynchronising() {
        return resynchronising;
    }

    /** Messages handed to the parser so far, whatever their result. */
    public long messages() {
        return messages;
    }

    /** Bytes dropped so far while resynchronising or past {@link #MAX_MESSAGES_PER_FEED}. */
    public long droppedBytes() {
        return droppedBytes;
    }

    /** Calls to {@link #gap} so far. */
    public long gaps() {
        return gaps;
    }

    private int messageLength() {
        return ((pending[0] & 0xFF) << 8) | (pending[1] & 0xFF);
    }

    private List<DnsResult> add(List<DnsResult> out, DnsResult r) {
        messages++;
        List<DnsResult> list = out == null ? new ArrayList<>(2) : out;
        list.add(r);
        return list;
    }

    /** Bytes of the array holding a message being assembled: for the inspection budget. */
    public int keptBytes() {
        return pending == null ? 0 : pending.length;
    }

    /** Copies the unfinished tail {@code data[p, p + n)} of a frame of {@code total} bytes (prefix included). */
    private void hold(ByteBuffer data, int p, int n, int total) {
        ensureCapacity(Math.max(total, PREFIX_LENGTH));
        data.get(p, pending, 0, n);
        pendingLength = n;
    }

    /** Grows {@link #pending} to hold {@code total} bytes (at most {@link #MAX_BUFFERED_BYTES}), keeping what it holds. */
    private void ensureCapacity(int total) {
        if (pending != null && pending.length >= total) {
            return;
        }
        int size = Math.min(MAX_BUFFERED_BYTES, Math.max(total, pending == null ? 512 : pending.length * 2));
        byte[] grown = new byte[size];
        if (pending != null) {
            System.arraycopy(pending, 0, grown, 0, pendingLength);
        }
        pending = grown;
        pendingView = ByteBuffer.wrap(grown);
    }
}
