package io.netwatch.agent.score;

import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * A detector's table of tracked keys with a fixed capacity: when it is full, the entry used
 * least recently makes room and the eviction is counted. Single-threaded (the capture
 * thread); never grows past its capacity, whatever the traffic (a flood of random sources
 * evicts, it does not exhaust memory).
 *
 * <p>A table given a weight (the evidence an entry holds: a window's distinct names, its
 * attempts) makes room with the lightest of its {@link #SAMPLE} least recently used entries
 * instead, and of equally light ones the most recently used. Else a sender could flush the
 * entry of its own attack, whose window is gathering evidence, with as many one-off keys as
 * the table holds between two of its attack's steps, and the window would start again at
 * each step, never reaching its threshold. Now each key it sends to flush the attack's must
 * weigh more than the attack's entry does: for an attack one step in, two steps of its own,
 * and ever more as the attack's evidence grows. (The attack's entry, idle while the keys
 * come, is the least recent of the sample: on a tie with plain LRU it would go first.)
 *
 * @param <K> the tracked key (a source, a destination, a registered domain)
 * @param <V> its mutable accumulator, owned by the detector
 */
final class LruTable<K, V> {
    /** Least recently used entries looked at to choose the lightest. */
    static final int SAMPLE = 16;

    private final int capacity;
    private final AtomicLong evictions = new AtomicLong();
    private final LinkedHashMap<K, V> map;
    /** The evidence an entry holds; null: the least recently used entry goes, whatever it holds. */
    private final ToLongFunction<V> weight;

    LruTable(int capacity) {
        this(capacity, null);
    }

    /** @param weight the evidence an entry holds now (see the class comment); null for plain LRU */
    LruTable(int capacity, ToLongFunction<V> weight) {
        if (capacity < 1) {
            throw new IllegalArgumentException("table capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.weight = weight;
        this.map = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                if (LruTable.this.weight == null && size() > LruTable.this.capacity) {
                    evictions.incrementAndGet();
                    return true;
                }
                return false;
            }
        };
    }

    /** The entry for {@code key}, marked as used; null when untracked. */
    V get(K key) {
        return map.get(key);
    }

    /**
     * Tracks {@code key}, evicting the least recently used entry when the table is full;
     * returns the value it had, null when it was untracked.
     */
    V put(K key, V value) {
        if (weight != null && map.size() >= capacity && !map.containsKey(key)) {
            evictLightest();
        }
        return map.put(key, value);
    }

    /** Forgets the lightest of the {@link #SAMPLE} least recently used entries, the most recent of them on a tie. */
    private void evictLightest() {
        K victim = null;
        long lightest = Long.MAX_VALUE;
        Iterator<Map.Entry<K, V>> eldest = map.entrySet().iterator();
        for (int i = 0; i < SAMPLE && eldest.hasNext(); i++) {
            Map.Entry<K, V> e = eldest.next();
            long w = weight.applyAsLong(e.getValue());
            if (w <= lightest) {
                lightest = w;
                victim = e.getKey();
            }
        }
        map.remove(victim);
        evictions.incrementAndGet();
    }

    V remove(K key) {
        return map.remove(key);
    }

    Collection<V> values() {
        return map.values();
    }

    Iterable<Map.Entry<K, V>> entries() {
        return map.entrySet();
    }

    void clear() {
        map.clear();
    }

    int size() {
        return map.size();
    }

    int capacity() {
        return capacity;
    }

    /** Entries forgotten to make room, since the start. */
    long evictions() {
        return evictions.get();
    }
}
