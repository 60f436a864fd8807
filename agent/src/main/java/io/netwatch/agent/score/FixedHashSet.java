package io.netwatch.agent.score;

/**
 * A set of non-zero 64-bit hashes with a fixed capacity, allocated once: past it, new members
 * are not kept and {@link #saturated()} says so (a count read from it is then a lower bound).
 * Open addressing with linear probing; single-threaded.
 */
final class FixedHashSet {
    private final long[] slots;
    private final int capacity;
    private int size;
    private boolean saturated;

    /** @param capacity members kept at most; the table is sized to twice that, a power of two */
    FixedHashSet(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("set capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.slots = new long[Integer.highestOneBit(Math.max(2, capacity * 2 - 1)) << 1];
    }

    /** Adds {@code hash} (0 is read as 1); true when it was not there. */
    boolean add(long hash) {
        long h = hash == 0 ? 1 : hash;
        int mask = slots.length - 1;
        int i = (int) (h ^ (h >>> 32)) & mask;
        while (slots[i] != 0) {
            if (slots[i] == h) {
                return false;
            }
            i = (i + 1) & mask;
        }
        if (size >= capacity) {
            saturated = true;
            return false;
        }
        slots[i] = h;
        size++;
        return true;
    }

    int size() {
        return size;
    }

    /** True once a new member was turned away. */
    boolean saturated() {
        return saturated;
    }

    void clear() {
        java.util.Arrays.fill(slots, 0);
        size = 0;
        saturated = false;
    }
}
