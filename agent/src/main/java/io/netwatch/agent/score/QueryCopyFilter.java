package io.netwatch.agent.score;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Recognises a DNS query already counted, seen again on another path. On a Kubernetes node a
 * pod's query to the cluster DNS Service is captured before kube-proxy's DNAT (to the Service
 * address) and after it (to a CoreDNS pod): two flows the pipeline's duplicate filter cannot
 * join, as DNAT changed the destination and the checksums. On the node that runs CoreDNS, or a
 * node-local DNS cache, the resolver then asks upstream for the same name, from its own
 * address, port and id, and again from the node's address once SNAT has rewritten it. What
 * every copy keeps is the question: its type and name. The copies cross the node within
 * milliseconds, inside {@link #WINDOW_NANOS}, while a client's own retry waits a second or more
 * and is counted. Two clients asking the same name within the window count once; a name asked
 * again adds nothing a tunnel detector reads but its share of TXT and NULL queries, and a
 * name asked without pause still counts ten times a second.
 *
 * <p>A direct-mapped table of {@link #ENTRIES} keys: no allocation, bounded memory, one load
 * and one compare per query. A query that lands on a slot still holding another query of the
 * window replaces it ({@link #overwrites()}), and that query's copy, if one is still to come,
 * is counted again, as before this filter; at 10,000 queries a second, about a thousand are in
 * the window at once. Distinct queries whose 64-bit keys collide within the window count as
 * one. Single-threaded; the counters may be read from any thread.
 */
final class QueryCopyFilter {
    /** Slots of the table (a power of two); 16 bytes each. */
    static final int ENTRIES = 4096;
    /** How long after a query its copy is recognised, either side of it: 100 ms. */
    static final long WINDOW_NANOS = 100_000_000L;

    private final long[] keys = new long[ENTRIES];
    private final long[] times = new long[ENTRIES];
    private final AtomicLong copies = new AtomicLong();
    private final AtomicLong overwrites = new AtomicLong();

    /** The key of one query, its question's type and name (never 0, the empty slot's). */
    static long key(int qtype, String qname) {
        long h = ((long) qtype & 0xFFFF) * 0x9E3779B97F4A7C15L;
        h = (h ^ qname.hashCode()) * 0xBF58476D1CE4E5B9L;
        h ^= h >>> 31;
        h = (h ^ (long) qname.length() << 40) * 0x94D049BB133111EBL;
        h ^= h >>> 29;
        return h == 0 ? 1 : h;
    }

    /** @return true when the query {@code key} was seen within the window (a copy); records it otherwise */
    boolean seenBefore(long key, long nowNanos) {
        int slot = (int) (key ^ (key >>> 32)) & (ENTRIES - 1);
        boolean live = keys[slot] != 0 && Math.abs(nowNanos - times[slot]) <= WINDOW_NANOS;
        if (live && keys[slot] == key) {
            copies.lazySet(copies.get() + 1);
            return true;
        }
        if (live) {
            overwrites.lazySet(overwrites.get() + 1);
        }
        keys[slot] = key;
        times[slot] = nowNanos;
        return false;
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
