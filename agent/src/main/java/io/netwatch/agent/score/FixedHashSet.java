package io.netwatch.agent.score;

/**
 * A set of non-zero 64-bit hashes with a fixed capacity: past it, new members are not kept and
 * {@link #saturated()} says so (a count read from it is then a lower bound). Open addressing
 * with linear probing; single-threaded.
 *
 * <p>The table starts small and doubles as members come, up to twice the capacity: most sets
 * (a domain's subdomains, a client's domains) hold a few members, and a table sized for the
 * capacity from the start made each new domain cost kilobytes of zeroed memory.
 */
final class FixedHashSet {
    /** Slots of a new set's table. */
    static final int INITIAL_SLOTS = 8;

    private long[] slots;
    private final int capacity;
    /** Slots of the largest table: twice the capacity, a power of two. */
    private final int maxSlots;
    private int size;
    private boolean saturated;

    /** @param capacity members kept at most */
    FixedHashSet(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("set capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.maxSlots = Integer.highestOneBit(Math.max(2, capacity * 2 - 1)) << 1;
        this.slots = new long[Math.min(INITIAL_SLOTS, maxSlots)];
    }

    /** What {@link #offer} did with a hash. */
    enum Offer {
        /** It was not there and is kept now. */
        ADDED,
        /** It was there already. */
        PRESENT,
        /** It was not there, and the set, at capacity, did not keep it: whether it was seen before is unknown. */
        TURNED_AWAY
    }

    /** Adds {@code hash} (0 is read as 1); true when it was not there. */
    boolean add(long hash) {
        return offer(hash) == Offer.ADDED;
    }

    /**
     * Adds {@code hash} (0 is read as 1), and says whether it was there or the full set turned
     * it away: a caller counting distinct members past the capacity must tell the two apart,
     * in the one probe.
     */
    Offer offer(long hash) {
        long h = hash == 0 ? 1 : hash;
        int mask = slots.length - 1;
        int i = (int) (h ^ (h >>> 32)) & mask;
        while (slots[i] != 0) {
            if (slots[i] == h) {
                return Offer.PRESENT;
            }
            i = (i + 1) & mask;
        }
        if (size >= capacity) {
            saturated = true;
            return Offer.TURNED_AWAY;
        }
        if (2 * (size + 1) > slots.length && slots.length < maxSlots) {
            // Kept at most half full, as the largest table is when the set is at capacity.
            grow();
            return offer(h);
        }
        slots[i] = h;
        size++;
        return Offer.ADDED;
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length << 1];
        int mask = slots.length - 1;
        for (long h : old) {
            if (h != 0) {
                int i = (int) (h ^ (h >>> 32)) & mask;
                while (slots[i] != 0) {
                    i = (i + 1) & mask;
                }
                slots[i] = h;
            }
        }
    }

    /** Slots of the table now: for tests of its growth. */
    int tableSize() {
        return slots.length;
    }

    int size() {
        return size;
    }

    /** True once a new member was turned away. */
    boolean saturated() {
        return saturated;
    }

    void clear() {
        // The table keeps its size: a set cleared each window is filled again as it was.
        java.util.Arrays.fill(slots, 0);
        size = 0;
        saturated = false;
    }
}
