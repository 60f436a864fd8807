package io.netwatch.agent.inspect;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory inspection may hold at once, across flows: out-of-order bytes waiting for a hole
 * to fill, and the bytes parsers and rules keep while a message spans segments (a TLS hello,
 * an HTTP head, a DNS message over TCP, QUIC CRYPTO frames, the payload rules read). Each flow
 * has its own bounds too, but thousands of flows each at its bound would outgrow the heap:
 * this is the bound on their sum. Reaching it is counted; an out-of-order segment is then not
 * held (its hole becomes a gap), and a flow whose kept bytes would pass it stops being
 * inspected; never an out-of-memory.
 */
public final class ReassemblyBudget {
    public static final long DEFAULT_BYTES = 64L << 20;

    private final long maxBytes;
    private long held;
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong keptRefused = new AtomicLong();

    public ReassemblyBudget(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Reserves {@code bytes} of an out-of-order segment; false (and counted) past the budget. */
    boolean reserve(int bytes) {
        return reserve(bytes, refused);
    }

    void release(int bytes) {
        held -= bytes;
    }

    /** Reserves {@code bytes} more kept by a flow's parsers and rules; false (and counted) past the budget. */
    boolean reserveKept(int bytes) {
        return reserve(bytes, keptRefused);
    }

    private boolean reserve(int bytes, AtomicLong refusals) {
        if (held + bytes > maxBytes) {
            refusals.incrementAndGet();
            return false;
        }
        held += bytes;
        return true;
    }

    /** Flows whose inspection stopped because their kept bytes would have passed the budget. */
    public long keptRefused() {
        return keptRefused.get();
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
