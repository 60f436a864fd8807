package io.netwatch.agent.flow;

/**
 * The flow table's storage: one slot per tracked flow, its fields in primitive arrays
 * (struct of arrays, in pages that are added as the table grows), and an open-addressing
 * index from key hash to slot. No object per flow: a tracked flow costs the bytes of its
 * fields (120 bytes) plus its share of the index (about 6 bytes), and looking one up or adding
 * one allocates nothing.
 *
 * <p>Keys are canonical (endpoint A is the lower address and port), so both directions of a
 * conversation find the same slot. Single-threaded, like {@link FlowTable}, its only user.
 */
final class FlowSlots {
    static final int PAGE_BITS = 12;
    static final int PAGE = 1 << PAGE_BITS;
    static final int PAGE_MASK = PAGE - 1;
    /** The index is resized to keep at most this share of its entries in use. */
    private static final double MAX_LOAD = 0.75;

    // meta: bit layout of the per-flow word that packs the small fields.
    static final int PROTO_SHIFT = 0;
    static final int FLAGS_TO_SERVER_SHIFT = 8;
    static final int FLAGS_TO_CLIENT_SHIFT = 16;
    static final int STATE_SHIFT = 24;
    static final long A_IS_INITIATOR = 1L << 28;
    static final long IPV6 = 1L << 29;
    static final long ISN_SET = 1L << 30;
    static final long IN_USE = 1L << 31;
    static final int ICMP_TYPE_SHIFT = 32;
    /**
     * TCP and UDP flows only (ICMP keeps its type in these bits): the flow's outcome went to
     * the decision sink ({@link FlowTable#decide}).
     */
    static final long DECIDED = 1L << 32;
    /** TCP flows only: the flow's close went to the close sink ({@link FlowTable#closes}). */
    static final long CLOSE_REPORTED = 1L << 33;
    /** TCP and UDP flows only: the observer wants no more packets from the initiator (to the server). */
    static final long UNOBSERVED_TO_SERVER = 1L << 34;
    /** TCP and UDP flows only: the observer wants no more packets from the responder. */
    static final long UNOBSERVED_TO_CLIENT = 1L << 35;
    /**
     * TCP and UDP flows only: the flow carries a tunnel (a VXLAN or Geneve underlay flow
     * between nodes): its payload is other flows' packets, counted in flows of their own.
     */
    static final long CARRIER = 1L << 36;
    /**
     * TCP and UDP flows only: decided as an attempt still unanswered (a UDP flow with no
     * datagram back, a TCP attempt whose initiator never acknowledged): what its initiator
     * sends later goes to the repeat sink ({@link FlowTable#repeats}) while it stays so.
     */
    static final long REPEATS = 1L << 37;
    static final int ICMP_CODE_SHIFT = 40;
    static final int REPORTS_SHIFT = 48;
    static final int INTERFACE_SHIFT = 56;

    private final int maxSlots;
    /**
     * Mixed into every key's hash, chosen at random per table: the hash and the index's
     * linear probing are in the open, and a pod choosing its ports and destinations could
     * otherwise craft thousands of flows whose hashes share a place (a few seconds of search
     * each), then make every packet of theirs walk the whole run, and the capture thread fall
     * behind the kernel, which drops what it cannot hold: everything else unseen.
     */
    private final long seed;
    long[][] aHi = new long[0][];
    long[][] aLo = new long[0][];
    long[][] bHi = new long[0][];
    long[][] bLo = new long[0][];
    long[][] vlans = new long[0][];
    long[][] tunnel = new long[0][];
    long[][] meta = new long[0][];
    long[][] pktsToServer = new long[0][];
    long[][] pktsToClient = new long[0][];
    long[][] bytesToServer = new long[0][];
    long[][] bytesToClient = new long[0][];
    long[][] first = new long[0][];
    long[][] last = new long[0][];
    /** aPort << 16 | bPort; for a free slot, the next free slot (or -1). */
    int[][] ports = new int[0][];
    /** Low 32 bits of the flow id. */
    int[][] idLow = new int[0][];
    /** The initiator's first sequence number (its ISN when it was a SYN). */
    int[][] isn = new int[0][];
    /**
     * Flows marked {@link #REPEATS} only: low 32 bits of the initiator's packets already
     * handed to the decision or repeat sink (the next repeat hands on the difference).
     */
    int[][] counted = new int[0][];

    /** Slots handed out so far (free or used): scans stop here. */
    private int highWater;
    private int freeHead = -1;
    private int used;
    /**
     * slot + 1, 0 for empty. Its length need not be a power of two: a hash maps to a position
     * by multiplication (Lemire's fast range), so the index grows by half, not by doubling.
     */
    private int[] index = new int[1024];

    FlowSlots(int maxSlots) {
        this(maxSlots, new java.security.SecureRandom().nextLong());
    }

    /** With a chosen seed: for tests that must know where keys land. */
    FlowSlots(int maxSlots, long seed) {
        this.maxSlots = maxSlots;
        this.seed = seed;
    }

    int used() {
        return used;
    }

    int highWater() {
        return highWater;
    }

    boolean full() {
        return used >= maxSlots;
    }

    static int page(int slot) {
        return slot >>> PAGE_BITS;
    }

    static int at(int slot) {
        return slot & PAGE_MASK;
    }

    boolean inUse(int slot) {
        return (meta[page(slot)][at(slot)] & IN_USE) != 0;
    }

    /**
     * A key's hash under this table's {@link #seed}: the seed is added to each field before it
     * is multiplied, so keys that collide under one seed (even in all 64 bits before the final
     * mix) do not under another.
     */
    int hash(int protocol, long aHi, long aLo, long bHi, long bLo, int ports, long vlans, long tunnel) {
        long h = (aLo + seed) * 0x9E3779B97F4A7C15L;
        h ^= (bLo ^ seed) * 0xC2B2AE3D27D4EB4FL;
        h ^= (aHi + 31 * bHi + seed) * 0x165667B19E3779F9L;
        h ^= (((long) ports << 8 | protocol) ^ seed) * 0x27D4EB2F165667C5L;
        h ^= (vlans + tunnel + seed) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 29;
        return (int) (h ^ (h >>> 32));
    }

    /**
     * The longest run of occupied places in the index: what a lookup may have to walk. For
     * tests of the index against crafted keys.
     */
    int longestRun() {
        int longest = 0;
        int run = 0;
        // Twice round, so that a run wrapping past the end is measured whole.
        for (int i = 0; i < 2 * index.length; i++) {
            run = index[i % index.length] != 0 ? run + 1 : 0;
            longest = Math.max(longest, Math.min(run, index.length));
        }
        return longest;
    }

    private int hashOf(int slot) {
        int p = page(slot);
        int i = at(slot);
        return hash((int) (meta[p][i] & 0xFF), aHi[p][i], aLo[p][i], bHi[p][i], bLo[p][i], ports[p][i], vlans[p][i],
                tunnel[p][i]);
    }

    /** The slot of the flow with this key, or -1. */
    int find(int hash, int protocol, long aHi, long aLo, long bHi, long bLo, int ports, long vlans, long tunnel) {
        for (int pos = home(hash); ; pos = next(pos)) {
            int entry = index[pos];
            if (entry == 0) {
                return -1;
            }
            int slot = entry - 1;
            int p = page(slot);
            int i = at(slot);
            if (this.aLo[p][i] == aLo && this.bLo[p][i] == bLo && this.ports[p][i] == ports
                    && (this.meta[p][i] & 0xFF) == protocol && this.aHi[p][i] == aHi && this.bHi[p][i] == bHi
                    && this.vlans[p][i] == vlans && this.tunnel[p][i] == tunnel) {
                return slot;
            }
        }
    }

    /** Claims a slot for a new flow and indexes it. The caller makes room first when full. */
    int insert(int hash, int protocol, long aHi, long aLo, long bHi, long bLo, int ports, long vlans, long tunnel) {
        if (used >= maxSlots) {
            throw new IllegalStateException("flow table full: evict before inserting");
        }
        if (used + 1 > index.length * MAX_LOAD) {
            rehash(index.length + index.length / 2);
        }
        int slot;
        if (freeHead >= 0) {
            slot = freeHead;
            freeHead = this.ports[page(slot)][at(slot)];
        } else {
            slot = highWater++;
            if (page(slot) == this.meta.length) {
                addPage();
            }
        }
        int p = page(slot);
        int i = at(slot);
        this.aHi[p][i] = aHi;
        this.aLo[p][i] = aLo;
        this.bHi[p][i] = bHi;
        this.bLo[p][i] = bLo;
        this.ports[p][i] = ports;
        this.vlans[p][i] = vlans;
        this.tunnel[p][i] = tunnel;
        this.meta[p][i] = IN_USE | ((long) protocol << PROTO_SHIFT);
        this.pktsToServer[p][i] = 0;
        this.pktsToClient[p][i] = 0;
        this.bytesToServer[p][i] = 0;
        this.bytesToClient[p][i] = 0;
        this.isn[p][i] = 0;
        int pos = home(hash);
        while (index[pos] != 0) {
            pos = next(pos);
        }
        index[pos] = slot + 1;
        used++;
        return slot;
    }

    /** Frees a slot and removes it from the index (backward-shift deletion, no tombstones). */
    void remove(int slot) {
        int pos = home(hashOf(slot));
        while (index[pos] != slot + 1) {
            pos = next(pos);
        }
        int hole = pos;
        for (int j = next(hole); index[j] != 0; j = next(j)) {
            int home = home(hashOf(index[j] - 1));
            // Move entry j into the hole if its home is not in the cyclic range (hole, j].
            boolean inRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!inRange) {
                index[hole] = index[j];
                hole = j;
            }
        }
        index[hole] = 0;
        int p = page(slot);
        int i = at(slot);
        meta[p][i] = 0;
        ports[p][i] = freeHead;
        freeHead = slot;
        used--;
    }

    /**
     * Frees a slot and leaves the index as it is, for emptying the whole table: the index is
     * rebuilt once afterwards ({@link #reindex}) instead of shifting its entries at each removal,
     * a lookup of another slot's key (a read of memory) for every entry shifted. Until then the
     * freed slot's entry stays in the index: nothing may be looked up or inserted in between.
     */
    void releaseUnindexed(int slot) {
        meta[page(slot)][at(slot)] = 0;
        used--;
    }

    /** Rebuilds the index and the free list from the slots in use, after {@link #releaseUnindexed}. */
    void reindex() {
        java.util.Arrays.fill(index, 0);
        freeHead = -1;
        if (used == 0) {
            highWater = 0;
            return;
        }
        for (int slot = highWater - 1; slot >= 0; slot--) {
            if (inUse(slot)) {
                int pos = home(hashOf(slot));
                while (index[pos] != 0) {
                    pos = next(pos);
                }
                index[pos] = slot + 1;
            } else {
                ports[page(slot)][at(slot)] = freeHead;
                freeHead = slot;
            }
        }
    }

    private int home(int hash) {
        return (int) (((hash & 0xFFFF_FFFFL) * index.length) >>> 32);
    }

    private int next(int pos) {
        return pos + 1 == index.length ? 0 : pos + 1;
    }

    private void rehash(int capacity) {
        int[] old = index;
        index = new int[capacity];
        for (int entry : old) {
            if (entry != 0) {
                int pos = home(hashOf(entry - 1));
                while (index[pos] != 0) {
                    pos = next(pos);
                }
                index[pos] = entry;
            }
        }
    }

    private void addPage() {
        int n = meta.length + 1;
        aHi = grow(aHi, n);
        aLo = grow(aLo, n);
        bHi = grow(bHi, n);
        bLo = grow(bLo, n);
        vlans = grow(vlans, n);
        tunnel = grow(tunnel, n);
        meta = grow(meta, n);
        pktsToServer = grow(pktsToServer, n);
        pktsToClient = grow(pktsToClient, n);
        bytesToServer = grow(bytesToServer, n);
        bytesToClient = grow(bytesToClient, n);
        first = grow(first, n);
        last = grow(last, n);
        ports = grow(ports, n);
        idLow = grow(idLow, n);
        isn = grow(isn, n);
        counted = grow(counted, n);
    }

    private static long[][] grow(long[][] pages, int n) {
        long[][] out = java.util.Arrays.copyOf(pages, n);
        out[n - 1] = new long[PAGE];
        return out;
    }

    private static int[][] grow(int[][] pages, int n) {
        int[][] out = java.util.Arrays.copyOf(pages, n);
        out[n - 1] = new int[PAGE];
        return out;
    }
}
