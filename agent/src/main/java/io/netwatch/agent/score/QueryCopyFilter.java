package io.netwatch.agent.score;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Recognises a DNS query already counted, seen again on another path: on a Kubernetes node a
 * pod's query to the cluster DNS Service is captured before kube-proxy's DNAT (to the Service
 * address) and after it (to a CoreDNS pod), two flows the pipeline's duplicate filter cannot
 * join, as DNAT changed the destination and the checksums. A query is its sender's address and
 * port, its transaction id, and its question's type and name, none of which DNAT touches. The
 * copies cross the node within microseconds, as the duplicate filter's do (the same 1 ms
 * window), while a client's own retry waits a second or more and is counted.
 *
 * <p>A direct-mapped table of {@link #ENTRIES} keys: no allocation, bounded memory, one load
 * and one compare per query. A query that lands on a slot still holding another query of the
 * window replaces it ({@link #overwrites()}), and that query's copy, if one is still to come,
 * is counted again, as before this filter; at 10,000 queries a second, about ten are in the
 * window at once. Distinct queries whose 64-bit keys collide within the window count as one.
 * Single-threaded; the counters may be read from any thread.
 */
final class QueryCopyFilter {
    /** Slots of the table (a power of two); 16 bytes each. */
    static final int ENTRIES = 1024;
    /** How long after a query its copy is recognised, either side of it: 1 ms. */
    static final long WINDOW_NANOS = 1_000_000L;

    private final long[] keys;
    private final long[] times;
    private final long windowNanos;
    private final AtomicLong copies = new AtomicLong();
    private final AtomicLong overwrites = new AtomicLong();

    /** {@link #ENTRIES} slots, {@link #WINDOW_NANOS}: the copies that DNAT makes. */
    QueryCopyFilter() {
        this(ENTRIES, WINDOW_NANOS);
    }

    /**
     * @param entries     slots, a power of two
     * @param windowNanos how far apart in capture time a query and its copy may be
     */
    QueryCopyFilter(int entries, long windowNanos) {
        if (Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException("entries must be a power of two, got " + entries);
        }
        keys = new long[entries];
        times = new long[entries];
        this.windowNanos = windowNanos;
    }

    /** The key of one query (never 0, the empty slot's). */
    static long key(long sourceHash, int id, int qtype, String qname) {
        long h = sourceHash ^ ((long) id << 16 | qtype & 0xFFFF) * 0x9E3779B97F4A7C15L;
        h = (h ^ qname.hashCode()) * 0xBF58476D1CE4E5B9L;
        h ^= h >>> 31;
        return h == 0 ? 1 : h;
    }

    /** @return true when the query {@code key} was seen within the window (a copy); records it otherwise */
    boolean seenBefore(long key, long nowNanos) {
        if (recent(key, nowNanos)) {
            return true;
        }
        record(key, nowNanos);
        return false;
    }

    /** @return true when the query {@code key} was recorded within the window (a copy, counted); records nothing */
    boolean recent(long key, long nowNanos) {
        int slot = slot(key);
        if (keys[slot] == key && Math.abs(nowNanos - times[slot]) <= windowNanos) {
            copies.lazySet(copies.get() + 1);
            return true;
        }
        return false;
    }

    /** Records the query {@code key}, whose copies {@link #recent} then recognises. */
    void record(long key, long nowNanos) {
        int slot = slot(key);
        if (keys[slot] != 0 && keys[slot] != key && Math.abs(nowNanos - times[slot]) <= windowNanos) {
            overwrites.lazySet(overwrites.get() + 1);
        }
        keys[slot] = key;
        times[slot] = nowNanos;
    }

    private int slot(long key) {
        return (int) (key ^ (key >>> 32)) & (keys.length - 1);
    }

    /** Queries recognised as copies of one already counted. */
    long copies() {
        return copies.get();
    }

    /** Queries pushed out of the table within their window by another query of their slot. */
    long overwrites() {
        return overwrites.get();
    }
}
