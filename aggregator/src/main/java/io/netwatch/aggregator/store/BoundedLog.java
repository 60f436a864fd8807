package io.netwatch.aggregator.store;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.ToIntFunction;

/**
 * An append-only log in a ring of fixed capacity, bounded by count, by bytes and by age. Every entry
 * has a global index, so readers (queries, followers) keep a cursor and learn exactly how
 * many entries were evicted before they read them. Thread-safe; readers never block writers
 * for longer than a copy of the entries they asked for.
 *
 * @param <T> the stored value, immutable
 */
public final class BoundedLog<T> {
    /** One stored value with its index and the time it was stored (ms since the epoch). */
    public record Entry<T>(long index, long receivedMillis, T value) {
    }

    /** A read: the entries, and how many the reader missed before them (evicted unread). */
    public record Read<T>(List<Entry<T>> entries, long missed, long nextIndex) {
    }

    private final Object[] ring;
    /** Each held entry's size as {@link #sizer} or its appender said it, at the entry's place in the ring. */
    private final int[] sizes;
    private final ToIntFunction<? super T> sizer;
    private final long maxBytes;
    private long bytes;
    private final long maxAgeMillis;
    /**
     * What {@link #awaitIndex} measures its timeout on (ms, monotonic: a wall-clock step must not
     * stretch or cut a follower's wait); tests move it by hand.
     */
    private final LongSupplier clockMillis;
    private long first;
    private long next;
    private long evicted;

    /** Bounded by count and age only. */
    public BoundedLog(int capacity, long maxAgeMillis) {
        this(capacity, Long.MAX_VALUE, v -> 0, maxAgeMillis, () -> System.nanoTime() / 1_000_000);
    }

    /**
     * @param maxBytes the most the entries held may weigh together, by {@code sizer}: past it
     *                 the oldest go first (counted as evicted), down to the newest alone
     * @param sizer    what an entry weighs (a message's encoded size)
     */
    public BoundedLog(int capacity, long maxBytes, ToIntFunction<? super T> sizer, long maxAgeMillis) {
        this(capacity, maxBytes, sizer, maxAgeMillis, () -> System.nanoTime() / 1_000_000);
    }

    BoundedLog(int capacity, long maxAgeMillis, LongSupplier clockMillis) {
        this(capacity, Long.MAX_VALUE, v -> 0, maxAgeMillis, clockMillis);
    }

    private BoundedLog(int capacity, long maxBytes, ToIntFunction<? super T> sizer, long maxAgeMillis,
                       LongSupplier clockMillis) {
        if (capacity < 1) {
            throw new IllegalArgumentException("store capacity must be at least 1, got " + capacity);
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("store byte bound must be at least 1, got " + maxBytes);
        }
        this.ring = new Object[capacity];
        this.sizes = new int[capacity];
        this.maxBytes = maxBytes;
        this.sizer = sizer;
        this.maxAgeMillis = maxAgeMillis;
        this.clockMillis = clockMillis;
    }

    public long append(T value, long receivedMillis) {
        // Weighed before the lock is taken: a message's size is a walk over all its fields.
        return append(value, receivedMillis, sizer.applyAsInt(value));
    }

    /** Appends {@code value} weighing {@code weight}, as the caller weighed it rather than the log's sizer. */
    public long append(T value, long receivedMillis, int weight) {
        int size = Math.max(0, weight);
        synchronized (this) {
            while (next > first && (next - first == ring.length || bytes + size > maxBytes)) {
                evictFirst();
            }
            long index = next++;
            int slot = (int) (index % ring.length);
            ring[slot] = new Entry<>(index, receivedMillis, value);
            sizes[slot] = size;
            bytes += size;
            notifyAll();
            return index;
        }
    }

    private void evictFirst() {
        int slot = (int) (first % ring.length);
        ring[slot] = null;
        bytes -= sizes[slot];
        sizes[slot] = 0;
        first++;
        evicted++;
    }

    /** Drops entries stored before {@code nowMillis - maxAge}. */
    public synchronized void expire(long nowMillis) {
        while (first < next && entry(first).receivedMillis() < nowMillis - maxAgeMillis) {
            evictFirst();
        }
    }

    @SuppressWarnings("unchecked")
    private Entry<T> entry(long index) {
        return (Entry<T>) ring[(int) (index % ring.length)];
    }

    /** Up to {@code max} entries from {@code fromIndex} on. */
    public synchronized Read<T> read(long fromIndex, int max) {
        long missed = 0;
        long from = fromIndex;
        if (from < first) {
            missed = first - from;
            from = first;
        }
        List<Entry<T>> out = new ArrayList<>((int) Math.min(max, Math.max(0, next - from)));
        long i = from;
        for (; i < next && out.size() < max; i++) {
            out.add(entry(i));
        }
        return new Read<>(out, missed, i);
    }

    /** Waits until an entry at or past {@code index} exists, or the timeout passes. */
    public synchronized void awaitIndex(long index, long timeoutMillis) throws InterruptedException {
        long deadline = clockMillis.getAsLong() + timeoutMillis;
        while (next <= index) {
            long left = deadline - clockMillis.getAsLong();
            if (left <= 0) {
                return;
            }
            wait(left);
        }
    }

    /** Index of the oldest entry still stored. */
    public synchronized long firstIndex() {
        return first;
    }

    /** Index the next appended entry will get. */
    public synchronized long nextIndex() {
        return next;
    }

    public synchronized int size() {
        return (int) (next - first);
    }

    /** The most the entries held may weigh together ({@link Long#MAX_VALUE} when unbounded). */
    public long maxBytes() {
        return maxBytes;
    }

    /** What the entries held weigh together, by the log's sizer or the weights they were appended with. */
    public synchronized long bytes() {
        return bytes;
    }

    /** Entries dropped by the count, byte or age bound since start. */
    public synchronized long evicted() {
        return evicted;
    }
}
