package io.netwatch.agent.inspect;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory all TCP reassembly may hold at once, across flows: out-of-order bytes waiting
 * for a hole to fill. Reaching it is counted; the segment is then not held (and its hole
 * becomes a gap), never an out-of-memory.
 */
public final class ReassemblyBudget {
    public static final long DEFAULT_BYTES = 64L << 20;

    private final long maxBytes;
    private long held;
    private final AtomicLong refused = new AtomicLong();

    public ReassemblyBudget(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    boolean reserve(int bytes) {
        if (held + bytes > maxBytes) {
            refused.incrementAndGet();
            return false;
        }
        held += bytes;
        return true;
    }

    void release(int bytes) {
        held -= bytes;
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
