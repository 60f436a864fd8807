package io.netwatch.agent.score;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A detector's table of tracked keys with a fixed capacity: when it is full, the entry used
 * least recently makes room and the eviction is counted. Single-threaded (the capture
 * thread); never grows past its capacity, whatever the traffic (a flood of random sources
 * evicts, it does not exhaust memory).
 *
 * @param <K> the tracked key (a source, a destination, a registered domain)
 * @param <V> its mutable accumulator, owned by the detector
 */
final class LruTable<K, V> {
    private final int capacity;
    private final AtomicLong evictions = new AtomicLong();
    private final LinkedHashMap<K, V> map;

    LruTable(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("table capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.map = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                if (size() > LruTable.this.capacity) {
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
        return map.put(key, value);
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
