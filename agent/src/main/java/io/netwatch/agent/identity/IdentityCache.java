package io.netwatch.agent.identity;

import io.netwatch.proto.flow.v1.Workload;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The agent's copy of IP → workload: who holds each address now, as the aggregator last said.
 * Keys are addresses in the agent's own text form ({@code IpAddressFormat}), so a flow's
 * endpoint is looked up as it is, without parsing.
 *
 * <p>Bounded at {@code maxEntries}. Past the bound an upsert of a new address evicts the
 * address least recently looked up (the peers this node's flows use stay), counted; a
 * snapshot larger than the bound keeps its first {@code maxEntries} entries and counts the
 * rest as refused. A snapshot replaces the whole copy at once: a reader sees the old copy or
 * the new one, never a mix. The copy is kept when the aggregator goes away.
 *
 * <p>Thread-safe: updates come from the stream's thread, lookups from the export thread; one
 * lock, never held on the capture thread.
 */
public final class IdentityCache {
    /** Default bound: addresses of a large cluster (pods and Services) with room to spare. */
    public static final int DEFAULT_MAX_ENTRIES = 131_072;

    private final int maxEntries;
    private LinkedHashMap<String, Workload> entries;
    private long evicted;
    private long refused;

    public IdentityCache(int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("identity cache size must be at least 1, got " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.entries = newMap();
    }

    public int maxEntries() {
        return maxEntries;
    }

    private LinkedHashMap<String, Workload> newMap() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Workload> eldest) {
                if (size() > maxEntries) {
                    evicted++;
                    return true;
                }
                return false;
            }
        };
    }

    /** Who holds {@code ip} (in the agent's text form), or null when the copy does not say. */
    public synchronized Workload lookup(String ip) {
        return entries.get(ip);
    }

    /** Adds or replaces one address; past the bound the least recently used address goes (counted). */
    public synchronized void upsert(String ip, Workload workload) {
        entries.put(ip, workload);
    }

    public synchronized void remove(String ip) {
        entries.remove(ip);
    }

    /**
     * Replaces the whole copy with {@code snapshot} (addresses in the agent's text form), at
     * once. Entries past the bound are refused and counted, with {@code leftOut} more that the
     * caller already left out for the same reason.
     */
    public void replace(Map<String, Workload> snapshot, long leftOut) {
        LinkedHashMap<String, Workload> fresh = newMap();
        long over = leftOut;
        for (Map.Entry<String, Workload> e : snapshot.entrySet()) {
            if (fresh.size() < maxEntries || fresh.containsKey(e.getKey())) {
                fresh.put(e.getKey(), e.getValue());
            } else {
                over++;
            }
        }
        synchronized (this) {
            entries = fresh;
            refused += over;
        }
    }

    public synchronized int size() {
        return entries.size();
    }

    /** Addresses pushed out by newer ones because the bound was reached. */
    public synchronized long evicted() {
        return evicted;
    }

    /** Snapshot entries left out because the snapshot was larger than the bound. */
    public synchronized long refused() {
        return refused;
    }
}
