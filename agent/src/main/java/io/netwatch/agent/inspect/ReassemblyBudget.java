package io.netwatch.agent.inspect;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory inspection may hold at once, across flows: out-of-order bytes waiting for a hole
 * to fill, and the bytes parsers and rules keep while a message spans segments (a TLS hello,
 * an HTTP head, a DNS message over TCP, QUIC CRYPTO frames, the payload rules read). Each flow
 * has its own bounds too, but thousands of flows each at its bound would outgrow the heap:
 * this is the bound on their sum. Never an out-of-memory.
 *
 * <p>Shared, so fair: when a request would pass the bound, the largest holder (a direction's
 * held segments, or a flow's kept bytes) gives all it holds back, if it holds more than the
 * asker would after the request (counted, {@link #reclaims()}). A pod that stalls streams
 * behind holes it never fills, each at its bound, fills the budget only to lose it to the next
 * flow that needs a little: it cannot leave that flow uninspected. Only when no holder holds
 * more than the asker would is the request refused (counted): an out-of-order segment is then
 * not held (its hole becomes a gap), and a flow whose kept bytes would pass the bound stops
 * being inspected.
 *
 * <p>Single-threaded (the capture thread). Finding the largest holder costs a look at each of
 * the 64 size classes (powers of two) that holders are linked in by what they hold, not a
 * walk over the flows; a holder moves between classes as it reserves and releases, without
 * allocating.
 */
public final class ReassemblyBudget {
    public static final long DEFAULT_BYTES = 64L << 20;
    /** Size classes: a holder holding {@code n > 0} bytes is in class {@code floor(log2(n))}. */
    private static final int CLASSES = 64;
    /** Holders looked at in search of one of another flow than the asker's (a flow has three). */
    private static final int MAX_CANDIDATES = 8;

    /**
     * A part of the budget's holdings that can be given back at once: a direction's held
     * segments, a flow's kept bytes. Its links and count are the budget's: a holder changes
     * them only through {@link #reserve}, {@link #reserveKept} and {@link #release}.
     */
    abstract static class Holder {
        /** Holders of one flow: one never gives way to another of its own flow (see {@link #giveBack}). */
        private final Object flow;
        /** Bytes reserved by this holder now. */
        private long held;
        private int sizeClass = -1;
        private Holder prev;
        private Holder next;

        /** A holder that is its flow's only one (a stream on its own, in tests). */
        Holder() {
            this.flow = this;
        }

        /** @param flow what this holder's flow is known by; holders with the same one never reclaim from each other */
        Holder(Object flow) {
            this.flow = flow;
        }

        /** Bytes this holder has reserved now. */
        final long heldBytes() {
            return held;
        }

        /**
         * Gives back everything held ({@link #release} to 0), at once, for a holder of another
         * flow that holds less; never runs a parser or a rule (another flow's packet is being
         * handled), and leaves this holder able to take part of the budget again later.
         */
        abstract void giveBack();
    }

    private final long maxBytes;
    private long held;
    /** Holders by size class, each class a doubly linked list, most recently linked first. */
    private final Holder[] classes = new Holder[CLASSES];
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong keptRefused = new AtomicLong();
    private final AtomicLong reclaims = new AtomicLong();

    public ReassemblyBudget(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Reserves {@code bytes} of an out-of-order segment for {@code h}; false (and counted) past the budget. */
    boolean reserve(Holder h, int bytes) {
        return reserve(h, bytes, refused);
    }

    /** Gives back {@code bytes} that {@code h} reserved. */
    void release(Holder h, int bytes) {
        if (bytes == 0) {
            return;
        }
        held -= bytes;
        h.held -= bytes;
        relink(h);
    }

    /** Reserves {@code bytes} more kept by a flow's parsers and rules; false (and counted) past the budget. */
    boolean reserveKept(Holder h, int bytes) {
        return reserve(h, bytes, keptRefused);
    }

    private boolean reserve(Holder h, int bytes, AtomicLong refusals) {
        if (held + bytes > maxBytes && !reclaimFor(h, bytes)) {
            refusals.incrementAndGet();
            return false;
        }
        held += bytes;
        h.held += bytes;
        relink(h);
        return true;
    }

    /**
     * Makes room for {@code bytes} more of {@code asker}'s: the largest holder of another flow
     * gives all it holds back, if that is more than the asker would hold. One is enough: it
     * gives back more than is asked for, and what was held did not pass the bound.
     */
    private boolean reclaimFor(Holder asker, int bytes) {
        Holder victim = largestOutside(asker);
        if (victim == null || victim.held <= asker.held + bytes) {
            return false;
        }
        victim.giveBack();
        reclaims.incrementAndGet();
        return held + bytes <= maxBytes;
    }

    /** The head of the highest non-empty size class that is of another flow than {@code asker}'s, or null. */
    private Holder largestOutside(Holder asker) {
        int looked = 0;
        for (int c = CLASSES - 1; c >= 0 && looked < MAX_CANDIDATES; c--) {
            for (Holder h = classes[c]; h != null && looked < MAX_CANDIDATES; h = h.next, looked++) {
                if (h.flow != asker.flow) {
                    return h;
                }
            }
        }
        return null;
    }

    /** Moves {@code h} to the size class of what it holds now (none when it holds nothing). */
    private void relink(Holder h) {
        int c = h.held <= 0 ? -1 : 63 - Long.numberOfLeadingZeros(h.held);
        if (c == h.sizeClass) {
            return;
        }
        if (h.sizeClass >= 0) {
            if (h.prev != null) {
                h.prev.next = h.next;
            } else {
                classes[h.sizeClass] = h.next;
            }
            if (h.next != null) {
                h.next.prev = h.prev;
            }
            h.prev = null;
            h.next = null;
        }
        h.sizeClass = c;
        if (c >= 0) {
            h.next = classes[c];
            if (h.next != null) {
                h.next.prev = h;
            }
            classes[c] = h;
        }
    }

    /** A flow's inspection stopped when it gave its kept bytes back ({@link Holder#giveBack}): counted with {@link #keptRefused()}. */
    void countStop() {
        keptRefused.incrementAndGet();
    }

    /**
     * Flows whose inspection stopped for want of memory: their kept bytes would have passed
     * the budget, or went to a flow that held less.
     */
    public long keptRefused() {
        return keptRefused.get();
    }

    /** Times a holder gave back all it held so that one holding less could have room. */
    public long reclaims() {
        return reclaims.get();
    }

    /** Bytes held now (capture thread's view). */
    public long held() {
        return held;
    }

    /** Segments not held because the budget was spent. */
    public long refused() {
        return refused.get();
    }
}
