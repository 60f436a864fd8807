package io.netwatch.agent.inspect.signature;

/**
 * Spare arrays for the payload bytes that rules are matched on, handed from flow to flow so
 * that steady traffic allocates none: a direction takes a small one for its first bytes, a
 * full one (the payload depth) when it outgrows that, and gives each back when its payload is
 * done or its flow ends. At most {@link #MAX_SPARE} of each size wait here; a flood of flows
 * allocates past that and leaves the rest to the collector. Single-threaded: the capture
 * thread's.
 */
public final class PayloadBuffers {
    /** The first array of a direction: most requests and banners fit. */
    static final int SMALL = 512;
    /** Spare arrays kept per size: at the default depth, 2 MiB of full ones at most. */
    static final int MAX_SPARE = 512;

    private final int depth;
    private final int full;
    private final byte[][] spareSmall = new byte[MAX_SPARE][];
    private final byte[][] spareFull = new byte[MAX_SPARE][];
    private int smallCount;
    private int fullCount;

    /** @param depth the payload depth: the size of a full array */
    public PayloadBuffers(int depth) {
        this.depth = depth;
        this.full = Math.max(SMALL, depth);
    }

    /** The payload depth these arrays are for. */
    public int depth() {
        return depth;
    }

    /** An array of at least {@code n} bytes, no larger than needed among the two sizes. */
    byte[] take(int n) {
        if (n <= SMALL) {
            return smallCount > 0 ? spareSmall[--smallCount] : new byte[SMALL];
        }
        if (n <= full) {
            return fullCount > 0 ? spareFull[--fullCount] : new byte[full];
        }
        return new byte[n];
    }

    /** Takes back an array from {@link #take}; other sizes are left to the collector. */
    void give(byte[] b) {
        if (b == null) {
            return;
        }
        if (b.length == SMALL && smallCount < MAX_SPARE) {
            spareSmall[smallCount++] = b;
        } else if (b.length == full && fullCount < MAX_SPARE) {
            spareFull[fullCount++] = b;
        }
    }

    /** Arrays waiting to be reused, of both sizes. */
    int spare() {
        return smallCount + fullCount;
    }
}
