package io.netwatch.aggregator.ml;

/**
 * Distinct values seen in one window (32-bit hashes in open addressing), at most {@link #CAP}
 * of them: past the cap it saturates and says so, so a scan of 65,535 ports costs the same
 * memory as one of {@value #CAP}. Single-threaded; owned by one {@link ActorWindow}.
 */
final class DistinctSet {
    /** Distinct values tracked per window; {@code log1p(256)} is already far above benign traffic. */
    static final int CAP = 256;
    private static final int INITIAL_SLOTS = 8;

    private int[] slots = new int[INITIAL_SLOTS];
    private int size;
    private boolean saturated;

    /** Adds a value's hash; returns false when the set was full and the value new. */
    boolean add(int hash) {
        int h = hash == 0 ? 1 : hash;
        int mask = slots.length - 1;
        for (int i = mix(h) & mask; ; i = (i + 1) & mask) {
            if (slots[i] == h) {
                return true;
            }
            if (slots[i] == 0) {
                if (size >= CAP) {
                    saturated = true;
                    return false;
                }
                slots[i] = h;
                size++;
                if (size * 2 > slots.length) {
                    grow();
                }
                return true;
            }
        }
    }

    int size() {
        return size;
    }

    /** True when a new value was refused because the set was full. */
    boolean saturated() {
        return saturated;
    }

    /** Empties the set, keeping a small table. */
    void clear() {
        if (slots.length > INITIAL_SLOTS) {
            slots = new int[INITIAL_SLOTS];
        } else {
            java.util.Arrays.fill(slots, 0);
        }
        size = 0;
        saturated = false;
    }

    /** Bytes held by the table (for the memory figures). */
    long bytes() {
        return 16L + 4L * slots.length;
    }

    private void grow() {
        int[] old = slots;
        slots = new int[old.length * 2];
        int mask = slots.length - 1;
        for (int h : old) {
            if (h != 0) {
                int i = mix(h) & mask;
                while (slots[i] != 0) {
                    i = (i + 1) & mask;
                }
                slots[i] = h;
            }
        }
    }

    private static int mix(int h) {
        int x = h * 0x9E3779B9;
        return x ^ (x >>> 16);
    }
}
