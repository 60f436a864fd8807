package io.netwatch.agent.score;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded table of 64-bit keys (hashes of what a detector has seen), each with a value or
 * none (a set), that forgets the least recently used key when full: of {@link #SAMPLE} keys
 * sampled, the one seen longest ago goes, as the flow table evicts. Primitive arrays, no
 * entry object per key: a detector asks it for every flow, so a lookup is a few loads in one
 * array rather than a walk through map entries and the strings of their keys. Distinct things
 * whose 64-bit hashes collide count as one (for a table of a million keys, about one pair in
 * ten million). Single-threaded.
 *
 * @param <V> the values; unused when the table is a set
 */
final class RecentTable<V> {
    /** Keys sampled to choose the one to forget. */
    static final int SAMPLE = 16;
    /** Marks a free slot; a key that hashes to it is stored as {@link #ZERO_KEY}. */
    private static final long FREE = 0;
    private static final long ZERO_KEY = 0x9E37_79B9_7F4A_7C15L;

    private final int capacity;
    private final long[] keys;
    /** When each slot's key was last seen, by {@link #clock}. */
    private final long[] seen;
    /** Each slot's value; null for a set. */
    private final Object[] values;
    private final int mask;
    /**
     * Mixed into each key's place, chosen at random per table: the keys hash what a pod
     * controls (its destinations and ports), the hash is public, and keys crafted to share a
     * place would make every lookup walk all of them (the scan detector looks up each decided
     * flow's contacts here), until the capture thread fell behind the kernel.
     */
    private final long seed;
    private int size;
    private long clock;
    private int sampleAt;
    private final AtomicLong evictions = new AtomicLong();

    /** A set of at most {@code capacity} keys. */
    static RecentTable<Void> set(int capacity) {
        return new RecentTable<>(capacity, false, SEEDS.nextLong());
    }

    /** A set whose keys' places follow {@code seed}: for tests that must know where keys land. */
    static RecentTable<Void> set(int capacity, long seed) {
        return new RecentTable<>(capacity, false, seed);
    }

    /** A map of at most {@code capacity} keys to values. */
    static <V> RecentTable<V> map(int capacity) {
        return new RecentTable<>(capacity, true, SEEDS.nextLong());
    }

    private static final java.security.SecureRandom SEEDS = new java.security.SecureRandom();

    private RecentTable(int capacity, boolean withValues, long seed) {
        this.seed = seed;
        if (capacity < 1) {
            throw new IllegalArgumentException("table capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        int length = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1) << 1;
        this.keys = new long[length];
        this.seen = new long[length];
        this.values = withValues ? new Object[length] : null;
        this.mask = length - 1;
    }

    /** Marks {@code key} seen now; true when it was not in the table (it is now). */
    boolean add(long key) {
        int i = find(key);
        if (i >= 0) {
            seen[i] = ++clock;
            return false;
        }
        insert(key, null);
        return true;
    }

    /** True when {@code key} is in the table; does not count as seeing it. */
    boolean contains(long key) {
        return find(key) >= 0;
    }

    /** The value of {@code key}, marked seen now; null when it is not in the table. */
    @SuppressWarnings("unchecked")
    V get(long key) {
        int i = find(key);
        if (i < 0) {
            return null;
        }
        seen[i] = ++clock;
        return (V) values[i];
    }

    /** Puts a key that {@link #get} did not find, forgetting another when the table is full. */
    void put(long key, V value) {
        if (find(key) >= 0) {
            throw new IllegalStateException("key already present");
        }
        insert(key, value);
    }

    private int find(long key) {
        long k = key == FREE ? ZERO_KEY : key;
        for (int i = slot(k); keys[i] != FREE; i = (i + 1) & mask) {
            if (keys[i] == k) {
                return i;
            }
        }
        return -1;
    }

    private void insert(long key, V value) {
        long k = key == FREE ? ZERO_KEY : key;
        if (size == capacity) {
            forgetOne();
        }
        int i = slot(k);
        while (keys[i] != FREE) {
            i = (i + 1) & mask;
        }
        keys[i] = k;
        seen[i] = ++clock;
        if (values != null) {
            values[i] = value;
        }
        size++;
    }

    int size() {
        return size;
    }

    /** Keys forgotten to make room. */
    long evictions() {
        return evictions.get();
    }

    private int slot(long k) {
        long h = (k ^ seed) * 0x9E37_79B9_7F4A_7C15L;
        h ^= h >>> 29;
        h *= 0xBF58_476D_1CE4_E5B9L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    /** The place a key's probe starts from. For tests against crafted keys. */
    int place(long key) {
        return slot(key == FREE ? ZERO_KEY : key);
    }

    /** The longest run of occupied places: what a lookup may have to walk. For tests against crafted keys. */
    int longestRun() {
        int longest = 0;
        int run = 0;
        // Twice round, so that a run wrapping past the end is measured whole.
        for (int i = 0; i < 2 * keys.length; i++) {
            run = keys[i & mask] != FREE ? run + 1 : 0;
            longest = Math.max(longest, Math.min(run, keys.length));
        }
        return longest;
    }

    /** Forgets the least recently seen of {@link #SAMPLE} keys taken in turn around the table. */
    private void forgetOne() {
        int victim = -1;
        for (int found = 0; found < SAMPLE && found < size; ) {
            sampleAt = (sampleAt + 1) & mask;
            if (keys[sampleAt] != FREE) {
                found++;
                if (victim < 0 || seen[sampleAt] < seen[victim]) {
                    victim = sampleAt;
                }
            }
        }
        remove(victim);
        evictions.incrementAndGet();
    }

    /** Empties slot {@code i} and moves later keys of its probe run back, so lookups still find them. */
    private void remove(int i) {
        keys[i] = FREE;
        if (values != null) {
            values[i] = null;
        }
        size--;
        int hole = i;
        for (int j = (i + 1) & mask; keys[j] != FREE; j = (j + 1) & mask) {
            int home = slot(keys[j]);
            // Move the key at j into the hole when its home is not cyclically within (hole, j].
            boolean between = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (!between) {
                keys[hole] = keys[j];
                seen[hole] = seen[j];
                keys[j] = FREE;
                if (values != null) {
                    values[hole] = values[j];
                    values[j] = null;
                }
                hole = j;
            }
        }
    }

    /**
     * A 64-bit hash of four longs and an int (addresses and a port), well mixed. Anyone can
     * compute it, and invert it: from traffic that chooses an address (an IPv6 one has 128 free
     * bits), two inputs with one key can be made at will. {@link #keyedHash} cannot.
     */
    static long hash(long a, long b, long c, long d, int e) {
        return keyedHash(0, a, b, c, d, e);
    }

    /**
     * {@link #hash} under a secret {@code seed} ({@link #newSeed}, one per table): without the
     * seed nobody can compute an address whose key is another's (the mix is a bijection, so
     * with a known start an address colliding with any chosen key takes a few lines), nor
     * crowd keys into one run of the table's probes.
     */
    static long keyedHash(long seed, long a, long b, long c, long d, int e) {
        long h = 0x243F_6A88_85A3_08D3L ^ seed;
        h = mix(h ^ a);
        h = mix(h ^ b);
        h = mix(h ^ c);
        h = mix(h ^ d);
        return mix(h ^ e);
    }

    /** A secret seed for {@link #keyedHash}, from the system's secure random source. */
    static long newSeed() {
        return new SecureRandom().nextLong();
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }
}
