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
 * the framer takes a place where a feed began as a new message only if the length prefix and
 * header from there look like one ({@link DnsParser#probe}); otherwise it drops the bytes and keeps
 * waiting. Feeds too short to judge (a sender may write the length prefix in a segment of its
 * own, RFC 7766 section 8) are held, fewer than {@link #RESYNC_BYTES} bytes, until the next
 * ones complete the judgement.
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
    /** Bytes from a possible message start that resynchronisation judges: the prefix and a header. */
    public static final int RESYNC_BYTES = PREFIX_LENGTH + DnsParser.HEADER_LENGTH;

    private byte[] pending;
    private ByteBuffer pendingView;
    /** Bytes of the unfinished prefix and message held in {@link #pending}. */
    private int pendingLength;
    /** True after a gap, until bytes that look like the start of a message arrive. */
    private boolean resynchronising;
    /**
     * While resynchronising, the places in {@link #pending} where a feed began, not yet judged:
     * bit {@code i} for {@code pending[i]}. Zero otherwise.
     */
    private int heldStarts;
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
        if (resynchronising && length > 0 && !resynchronise(data, offset, length)) {
            return List.of();
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

    /**
     * While resynchronising, judges the places where the feeds held and this one began, oldest
     * first, each once {@link #RESYNC_BYTES} bytes from it are at hand. True when one looks like
     * a message start: resynchronisation is over, and that message's bytes before this feed are
     * in {@link #pending} as an unfinished message. False when none does yet: the bytes from the
     * oldest place too near the end to judge are held (fewer than {@link #RESYNC_BYTES}), all
     * before it dropped.
     */
    private boolean resynchronise(ByteBuffer data, int offset, int length) {
        int held = pendingLength;
        int places = heldStarts | 1 << held;
        // Each pass takes one place off, or returns; held < RESYNC_BYTES, so at most RESYNC_BYTES passes.
        while (places != 0) {
            int at = Integer.numberOfTrailingZeros(places);
            if (held - at + length < RESYNC_BYTES) {
                keep(at, data, offset, length, places);
                return false;
            }
            places &= places - 1;
            if (looksLikeStart(at, data, offset)) {
                keep(at, data, offset, 0, 0);
                resynchronising = false;
                if (pendingLength >= PREFIX_LENGTH) {
                    ensureCapacity(PREFIX_LENGTH + messageLength());
                }
                return true;
            }
        }
        droppedBytes += held + length;
        pendingLength = 0;
        heldStarts = 0;
        return false;
    }

    /**
     * True if the {@link #RESYNC_BYTES} bytes from {@code pending[at]} on (the held bytes, then the
     * feed's) look like a length prefix and a header. {@code at} may be {@link #pendingLength}: the
     * feed's own start, judged where it lies.
     */
    private boolean looksLikeStart(int at, ByteBuffer data, int offset) {
        ByteBuffer b = data;
        int p = offset;
        if (at < pendingLength) {
            // Borrow the room after the held bytes: they stay as they are.
            ensureCapacity(at + RESYNC_BYTES);
            data.get(offset, pending, pendingLength, at + RESYNC_BYTES - pendingLength);
            b = pendingView;
            p = at;
        }
        return DnsParser.u16(b, p) >= DnsParser.HEADER_LENGTH && DnsParser.probe(b, p + PREFIX_LENGTH, DnsParser.HEADER_LENGTH);
    }

    /**
     * Keeps the held bytes from {@code pending[at]} on, moved to the front, then the feed's
     * {@code data[offset, offset + length)}; drops (and counts) the held bytes before {@code at}.
     * {@code places} marks where feeds began, as {@link #heldStarts} did before the move.
     */
    private void keep(int at, ByteBuffer data, int offset, int length, int places) {
        int kept = pendingLength - at;
        if (kept > 0) {
            System.arraycopy(pending, at, pending, 0, kept);
        }
        if (length > 0) {
            ensureCapacity(kept + length);
            data.get(offset, pending, kept, length);
        }
        droppedBytes += at;
        pendingLength = kept + length;
        heldStarts = places >>> at;
    }

    /** Bytes were lost before the next feed: drop the unfinished message and resynchronise. */
    public void gap() {
        pendingLength = 0;
        heldStarts = 0;
        resynchronising = true;
        gaps++;
    }

    /** Starts over, as for a new connection: nothing held, no resynchronisation pending. */
    public void reset() {
        pendingLength = 0;
        heldStarts = 0;
        resynchronising = false;
    }

    /** Bytes of an unfinished prefix and message held now (while resynchronising, of a possible one). */
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

    /** Bytes dropped so far while resynchronising or past {@link #MAX_MESSAGES_PER_FEED} (held ones once dropped). */
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
