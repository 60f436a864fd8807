package io.netwatch.agent.inspect;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One direction of a TCP stream, put back in order for the application-layer parsers.
 *
 * <p>Streaming: an in-order segment is handed to the consumer straight from the frame (no
 * copy); only segments that arrive ahead of a hole are copied and held, bounded per
 * direction ({@link #maxPendingBytes}) and in total ({@link ReassemblyBudget}). Overlaps keep
 * the first copy (what the receiver most likely kept, and what an evasion attempt cannot
 * rewrite). A hole that is not filled before the pending bytes or segments reach their
 * bound ({@link #MAX_PENDING_SEGMENTS}), before a segment after it finds no room in the
 * budget, or before the stream ends, is skipped: counted as a gap, and the consumer is told so
 * it can resume where it can. Delivery stops after {@link #depth} bytes: inspection looks at
 * the first bytes of a direction, never at whole transfers. When another flow that holds less
 * needs the budget and this stream holds the most, its held segments go ({@link #giveBack}).
 *
 * <p>Single-threaded (the capture thread). Sequence numbers are compared modulo 2^32.
 */
public final class StreamReassembler extends ReassemblyBudget.Holder {
    /** Receives in-order stream bytes. */
    public interface Consumer {
        /** Bytes {@code [off, off + len)} of {@code data} follow the bytes delivered before. */
        void data(ByteBuffer data, int off, int len);

        /** {@code bytes} of the stream are missing before the next {@link #data}. */
        void gap(long bytes);
    }

    /**
     * The largest receive window TCP can advertise (65535 scaled by 2^14), bytes: a reset
     * further ahead of the stream than this is outside every receiver's window.
     */
    static final long MAX_WINDOW = 65_535L << 14;

    /** Most out-of-order segments held per direction. */
    public static final int MAX_PENDING_SEGMENTS = 64;

    private record Pending(long offset, byte[] bytes) {
    }

    private final Consumer consumer;
    private final ReassemblyBudget budget;
    private long depth;
    private final int maxPendingBytes;
    /** Segments held ahead of a hole, by offset; a list is made at the first one (most streams arrive in order). */
    private List<Pending> pending = List.of();
    private int pendingBytes;
    private boolean haveBase;
    private int baseSeq;
    /** Stream offset of the next byte to deliver. */
    private long next;
    private long delivered;
    private long gaps;
    private long gapBytes;
    private long overlapBytes;
    private long droppedSegments;
    private boolean done;
    private long skippedBytes;
    /**
     * The last stretch the consumer passed over ({@link #skip}), as stream offsets: its bytes,
     * when they arrive late or again, are neither held nor counted as overlaps.
     */
    private long passedFrom;
    private long passedTo;
    /**
     * Stream offset just past the furthest byte the sender was seen to send, or its FIN ({@link
     * #finAt}): a hole still before it when the stream ends is a gap ({@link #endReading}),
     * though no held segment comes after it (none was held, or they went back to the budget).
     */
    private long seenTo;

    /**
     * @param depth           bytes of this direction to deliver at most
     * @param maxPendingBytes out-of-order bytes held at most for this direction
     */
    public StreamReassembler(Consumer consumer, ReassemblyBudget budget, long depth, int maxPendingBytes) {
        this.consumer = consumer;
        this.budget = budget;
        this.depth = depth;
        this.maxPendingBytes = maxPendingBytes;
    }

    /**
     * As above, for one direction of {@code flow}: the budget never takes this stream's held
     * bytes to give them to another holder of the same flow.
     */
    StreamReassembler(Consumer consumer, ReassemblyBudget budget, Object flow, long depth, int maxPendingBytes) {
        super(flow);
        this.consumer = consumer;
        this.budget = budget;
        this.depth = depth;
        this.maxPendingBytes = maxPendingBytes;
    }

    /**
     * Accounts one TCP segment of this direction.
     *
     * @param seq     the segment's sequence number
     * @param syn     true when the SYN flag is set (the data then starts at seq + 1)
     * @param payload the frame; bytes {@code [off, off + len)} are the segment's data
     */
    public void segment(int seq, boolean syn, ByteBuffer payload, int off, int len) {
        if (done) {
            return;
        }
        if (syn) {
            if (!haveBase) {
                haveBase = true;
                baseSeq = seq + 1;
            }
            seq += 1;
        }
        if (len <= 0) {
            return;
        }
        if (!haveBase) {
            // Picked up mid-stream: the first data seen starts the stream.
            haveBase = true;
            baseSeq = seq;
        }
        long start = (seq - baseSeq) & 0xFFFF_FFFFL;
        if (start >= 0x8000_0000L) {
            // Before the stream's start (a retransmission of the SYN's era): ignore.
            return;
        }
        seenTo = Math.max(seenTo, start + len);
        long at = start;
        int o = off;
        int remaining = len;
        while (remaining > 0 && !done) {
            if (at + remaining <= next) {
                old(at, at + remaining);
                break;
            }
            if (at < next) {
                int behind = (int) (next - at);
                old(at, next);
                at += behind;
                o += behind;
                remaining -= behind;
            }
            if (at > next) {
                if (pending.size() >= MAX_PENDING_SEGMENTS) {
                    // As when the held bytes pass their bound: the hole is given up on (a gap),
                    // what is held goes on, and this segment is tried again against the stream.
                    // Ahead of every held segment, the hole ends at this one's start (see below).
                    if (at < earliestHeld()) {
                        gapTo(at);
                    } else {
                        skipHole();
                    }
                    continue;
                }
                if (hold(at, payload, o, remaining)) {
                    break;
                }
                // No room in the budget: the hole is given up on now, as when the held bytes
                // pass their bound, and the segment is tried again against the stream. Dropped
                // instead, it would never come again (its receiver has it): the stream would
                // wait for it, and read nothing more, for as long as the flow lasts. A segment
                // ahead of every held one ends the hole at its own start: skipped to the held
                // bytes, its own would fall behind the stream, unread and counted as overlaps.
                if (at < earliestHeld()) {
                    gapTo(at);
                } else {
                    skipHole();
                }
                continue;
            }
            // at == next: deliver up to the first held segment, whose earlier copy wins.
            long limit = Long.MAX_VALUE;
            for (int i = 0, count = pending.size(); i < count; i++) {
                long heldAt = pending.get(i).offset();
                if (heldAt > next) {
                    limit = Math.min(limit, heldAt);
                }
            }
            int n = (int) Math.min(remaining, limit - at);
            deliver(payload, o, n);
            at += n;
            o += n;
            remaining -= n;
            drainPending();
        }
        if (pendingBytes > maxPendingBytes) {
            skipHole();
        }
    }

    /**
     * The consumer wants none of the next {@code bytes} in-order bytes (the rest of an HTTP
     * body, which its parser would only count): they move the stream on at once, without
     * reaching it, and count toward the depth as if delivered. A hole among them is no gap to
     * the consumer, which has already accounted for those bytes; a hole running past them is,
     * for the rest. Held segments they cover are let go.
     */
    public void skip(long bytes) {
        if (bytes <= 0 || done) {
            return;
        }
        // The stream moves on now, before those bytes come: a reordered one among them is then
        // behind it, not ahead of a hole, and is passed over instead of copied and held.
        if (passedTo != next) {
            passedFrom = next; // else the last stretch goes on: one body skipped in two steps
        }
        next += bytes;
        passedTo = next;
        delivered += bytes;
        skippedBytes += bytes;
        for (int i = pending.size() - 1; i >= 0; i--) {
            Pending p = pending.get(i);
            if (p.offset() + p.bytes().length <= next) {
                pending.remove(i);
                pendingBytes -= p.bytes().length;
                budget.release(this, p.bytes().length);
            }
        }
        if (delivered >= depth) {
            done = true;
            release();
        }
    }

    /**
     * Counts bytes {@code [from, to)} that arrived behind the stream: overlaps (a
     * retransmission, or an attempt to rewrite what was delivered), except those of the
     * stretch the consumer passed over, which nobody read the first time.
     */
    private void old(long from, long to) {
        long passed = Math.max(0, Math.min(to, passedTo) - Math.max(from, passedFrom));
        overlapBytes += to - from - passed;
    }

    /**
     * The sequence number of the first byte of the stretch last passed over ({@link #skip});
     * equal to {@link #passedToSeq()} when none was. A segment whose bytes all lie in
     * {@code [passedFromSeq, passedToSeq)} changes nothing here.
     */
    public int passedFromSeq() {
        return baseSeq + (int) passedFrom;
    }

    /** The sequence number just after the stretch last passed over (see {@link #passedFromSeq()}). */
    public int passedToSeq() {
        return baseSeq + (int) passedTo;
    }

    /**
     * Whether this direction's receiver would take a reset with sequence number {@code seq}:
     * one behind the bytes already seen, or past any window ahead of them, it drops (RFC 793;
     * RFC 5961 takes the next byte only and challenges the rest of the window, which cannot be
     * told apart here without the window). Such a reset must not end inspection: the endpoint
     * that sent it would go on unseen. A stream not started yet knows no place to compare with;
     * one past its depth no longer follows its sender, so only a reset behind it is refused.
     */
    public boolean acceptsReset(int seq) {
        if (!haveBase) {
            return true;
        }
        long ahead = (seq - resetFloorSeq()) & 0xFFFF_FFFFL;
        if (done) {
            return ahead < 0x8000_0000L;
        }
        return ahead <= next - resetFloor() + MAX_WINDOW;
    }

    /**
     * The sequence number a reset from this direction cannot be behind (see {@link
     * #acceptsReset}), for a caller that keeps it once the reassembler goes; meaningless before
     * the stream starts ({@link #started()}).
     */
    public int resetFloorSeq() {
        return baseSeq + (int) resetFloor();
    }

    /** True once the stream has a first sequence number (a SYN, or the first data picked up mid-stream). */
    public boolean started() {
        return haveBase;
    }

    /** As a stream offset: a body passed over moved the stream on before its bytes came, and a reset among them is in order. */
    private long resetFloor() {
        return passedTo == next ? passedFrom : next;
    }

    /**
     * True when every byte before sequence number {@code seq} was delivered or passed over (or
     * none will be: the stream is past its depth, or has not started): a FIN at {@code seq}
     * leaves no hole behind it.
     */
    public boolean reached(int seq) {
        if (!haveBase || done) {
            return true;
        }
        long at = (seq - baseSeq) & 0xFFFF_FFFFL;
        return at >= 0x8000_0000L || at <= next;
    }

    /** Bytes passed over at the consumer's request ({@link #skip}). */
    public long skippedBytes() {
        return skippedBytes;
    }

    /** The stream ended (FIN, RST or flow end): whatever waits behind a hole is delivered after a gap. */
    public void end() {
        try {
            while (!pending.isEmpty() && !done) {
                skipHole();
            }
        } finally {
            // Even when the consumer throws (a parser's bug, which the pipeline survives).
            release();
        }
    }

    /**
     * The sender's FIN has sequence number {@code seq}: its stream goes on to there, whether or
     * not the bytes before it come (see {@link #endReading}).
     */
    public void finAt(int seq) {
        if (!haveBase) {
            return;
        }
        long at = (seq - baseSeq) & 0xFFFF_FFFFL;
        if (at < 0x8000_0000L) {
            seenTo = Math.max(seenTo, at);
        }
    }

    /**
     * As {@link #end}, for a consumer that still wants this direction's bytes: a hole left before
     * the furthest byte the sender was seen to send, or before its FIN, is a gap as well (up to
     * the depth), though no held segment follows it to skip to: the bytes after it were not held
     * (past the bounds), went back to the budget ({@link #giveBack}), or there were none (a FIN
     * right after the hole). Else such a hole at a stream's end went uncounted, while the same
     * hole followed by one more byte was a gap.
     */
    public void endReading() {
        end();
        if (!done && seenTo > next) {
            gapTo(next + Math.min(seenTo - next, depth - delivered));
        }
    }

    /**
     * Hands the in-order bytes {@code [off, off + len)} to the consumer, as far as the depth
     * allows. The stream moves past each piece before the consumer reads it, so that a skip it
     * asks for meanwhile ({@link #skip}: the body after a head it just read) starts after the
     * piece; the segment's bytes that such a skip covers are passed over, and those after it
     * are delivered. A depth the consumer raises meanwhile ({@link #extendDepth}) lets the
     * rest of the segment through. Bytes past the depth are not delivered, and the stream
     * moves past them all the same.
     */
    private void deliver(ByteBuffer data, int off, int len) {
        int at = 0;
        while (at < len && !done) {
            int n = (int) Math.min(len - at, Math.max(0, depth - delivered));
            if (n == 0) {
                break;
            }
            long after = next + n;
            next = after;
            consumer.data(data, off + at, n);
            delivered += n;
            at += n;
            // A skip asked for during the call moved the stream on: the segment's bytes it covers are behind it.
            at += (int) Math.min(len - at, next - after);
        }
        if (at < len) {
            next += len - at;
        }
        if (delivered >= depth) {
            done = true;
            release();
        }
    }

    /** Delivers held segments that the stream has now reached. */
    private void drainPending() {
        boolean progress = true;
        while (progress && !pending.isEmpty() && !done) {
            progress = false;
            for (int i = 0; i < pending.size(); i++) {
                Pending p = pending.get(i);
                long pEnd = p.offset() + p.bytes().length;
                if (p.offset() <= next) {
                    pending.remove(i);
                    pendingBytes -= p.bytes().length;
                    budget.release(this, p.bytes().length);
                    if (pEnd > next) {
                        int behind = (int) (next - p.offset());
                        old(p.offset(), next);
                        deliver(ByteBuffer.wrap(p.bytes()), behind, p.bytes().length - behind);
                    } else {
                        old(p.offset(), pEnd);
                    }
                    progress = true;
                    break;
                }
            }
        }
    }

    /**
     * Copies a segment that arrived ahead of a hole, keeping only bytes not held already; false
     * when the budget had no room for it (counted there), true when it was held or let go.
     */
    private boolean hold(long start, ByteBuffer payload, int off, int len) {
        long end = start + len;
        // Trim against held segments: the first copy wins.
        for (Pending p : pending) {
            long pEnd = p.offset() + p.bytes().length;
            if (p.offset() <= start && pEnd >= end) {
                overlapBytes += len;
                return true;
            }
        }
        if (pending.size() >= MAX_PENDING_SEGMENTS || start - next > depth) {
            droppedSegments++;
            return true;
        }
        if (!budget.reserve(this, len)) {
            return false;
        }
        byte[] copy = new byte[len];
        payload.get(off, copy);
        // Keep earlier copies of overlapping bytes: write the held bytes over the new copy. The
        // overlap is counted once, when the stream reaches this copy's bytes behind it (see drainPending).
        for (Pending p : pending) {
            long from = Math.max(start, p.offset());
            long to = Math.min(end, p.offset() + p.bytes().length);
            if (from < to) {
                System.arraycopy(p.bytes(), (int) (from - p.offset()), copy, (int) (from - start), (int) (to - from));
            }
        }
        int at = 0;
        while (at < pending.size() && pending.get(at).offset() <= start) {
            at++;
        }
        if (!(pending instanceof ArrayList)) {
            pending = new ArrayList<>(4);
        }
        pending.add(at, new Pending(start, copy));
        pendingBytes += len;
        return true;
    }

    /** Gives up on the hole before the earliest held segment: counts it and moves on. */
    private void skipHole() {
        if (pending.isEmpty()) {
            return;
        }
        long target = pending.getFirst().offset();
        for (Pending p : pending) {
            target = Math.min(target, p.offset());
        }
        if (target > next) {
            gapTo(target);
        }
        drainPending();
    }

    /** Offset of the earliest held segment; {@link Long#MAX_VALUE} when none is held. */
    private long earliestHeld() {
        long earliest = Long.MAX_VALUE;
        for (int i = 0, count = pending.size(); i < count; i++) {
            earliest = Math.min(earliest, pending.get(i).offset());
        }
        return earliest;
    }

    /** Moves the stream on to {@code target}, ahead of it: the bytes between are a gap, counted and told. */
    private void gapTo(long target) {
        long missing = target - next;
        gaps++;
        gapBytes += missing;
        consumer.gap(missing);
        next = target;
    }

    private void release() {
        if (pending.isEmpty()) {
            return;
        }
        for (int i = 0, count = pending.size(); i < count; i++) {
            budget.release(this, pending.get(i).bytes().length);
        }
        pending.clear();
        pendingBytes = 0;
    }

    /**
     * Another flow needs room in the budget and this stream holds more: its held segments go,
     * unread (no consumer runs on another flow's packet), counted as dropped. The hole stays;
     * the segments after it are held again as they come, and skipped to at the usual bounds,
     * the dropped bytes then part of the gap.
     */
    @Override
    void giveBack() {
        droppedSegments += pending.size();
        release();
    }

    /**
     * Lets the stream deliver up to {@code bytes} in all, once its protocol is known to be
     * worth following further (HTTP's later messages on a keep-alive connection). Delivery
     * is zero-copy for in-order data, so depth costs time, not memory.
     */
    public void extendDepth(long bytes) {
        if (!done && bytes > depth) {
            depth = bytes;
        }
    }

    /** True once {@link #depth} bytes were delivered: later segments are ignored. */
    public boolean done() {
        return done;
    }

    public long delivered() {
        return delivered;
    }

    public long gaps() {
        return gaps;
    }

    public long gapBytes() {
        return gapBytes;
    }

    public long overlapBytes() {
        return overlapBytes;
    }

    /** Out-of-order segments not held because a bound was reached. */
    public long droppedSegments() {
        return droppedSegments;
    }
}
