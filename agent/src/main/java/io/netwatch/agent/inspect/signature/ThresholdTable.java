package io.netwatch.agent.inspect.signature;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The counts that thresholds keep, one entry per rule and tracked key (a source, a destination,
 * an address pair, or none for {@code by_rule}), each counting the flows in which the rule
 * matched within its window, in capture time: a replay counts as live traffic does.
 *
 * <p>Bounded: at most {@code capacity} entries (Suricata bounds its thresholds by memory,
 * {@code detect.thresholds.memcap}). To make room, an entry whose window has passed goes first
 * (it holds nothing: the key's next match starts a window as a new key's does), found among
 * the {@link #SAMPLE} least recently used; else the least recently used one goes, counted.
 * A key forgotten that way starts again at its next match: under {@code limit} that match
 * alerts, under the other types its count starts from 1. Keys are hashed with a seed of this
 * table's, so that a sender cannot pick addresses that pile into one bucket.
 *
 * <p>Asked only once a rule has matched, and only for a rule with a threshold in force: never
 * on the packet path. Single-threaded (the capture thread); its counters are read by metrics
 * from other threads.
 */
public final class ThresholdTable {
    /** Entries kept at most, by default: about 130 bytes each, 8 MiB in all. */
    public static final int DEFAULT_MAX_ENTRIES = 65_536;
    /** Largest bound taken. */
    public static final int MAX_ENTRIES = 16_777_216;
    /** Least recently used entries looked at for one whose window has passed, to make room. */
    static final int SAMPLE = 16;

    private final int capacity;
    private final long seed = ThreadLocalRandom.current().nextLong();
    /** In access order: the least recently used first. An entry's key fields never change once in. */
    private final LinkedHashMap<Entry, Entry> entries;
    /** Reused for every look-up: the capture thread is the only one. */
    private final Entry probe = new Entry();

    // Written only by the capture thread, by release stores; read by metrics.
    /** Matches whose alert a threshold held back, by {@link Threshold.Type#ordinal()}. */
    private final AtomicLongArray heldBack = new AtomicLongArray(Threshold.Type.values().length);
    private final AtomicLong evictions = new AtomicLong();
    private final AtomicInteger size = new AtomicInteger();

    /** @param capacity entries kept at most, 1 to {@link #MAX_ENTRIES} */
    public ThresholdTable(int capacity) {
        if (capacity < 1 || capacity > MAX_ENTRIES) {
            throw new IllegalArgumentException("threshold entries must be 1 to " + MAX_ENTRIES + ", not " + capacity);
        }
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true);
    }

    /**
     * Whether a match of rule {@code sid}, whose bytes went as {@code m} says, at capture time
     * {@code nowNanos}, alerts under {@code t}; a match held back is counted by {@code t}'s type.
     * As Suricata's threshold keeps it: a key's first match opens a window of {@code seconds}
     * and counts 1; a match at most {@code seconds} after the window opened counts on, a later
     * one opens a new window. {@code limit} lets the first {@code count} matches of a window
     * alert; {@code threshold} every {@code count}th (the count starts again from 0 after
     * each); {@code both} the {@code count}th only; {@code detection_filter} each after the
     * {@code count}th. A key counted under another threshold than {@code t} (a reload changed
     * the rule's) starts again.
     */
    public boolean admits(Threshold t, int sid, MatchContext m, long nowNanos) {
        if (t.type() == Threshold.Type.THRESHOLD && t.count() == 1) {
            return true; // every match alerts: nothing to count (Suricata keeps no entry either)
        }
        probe.key(sid, t.track(), m, seed);
        Entry e = entries.get(probe);
        boolean alert;
        if (e == null) {
            e = insert(nowNanos);
            alert = open(e, t, nowNanos);
        } else if (!t.equals(e.threshold) || !within(nowNanos, e.start, e.threshold.windowNanos())) {
            alert = open(e, t, nowNanos);
        } else {
            alert = count(e, t);
        }
        if (!alert) {
            int i = t.type().ordinal();
            heldBack.lazySet(i, heldBack.get(i) + 1);
        }
        return alert;
    }

    /** A window opens at {@code now} with this match, counted 1: whether it alerts. */
    private static boolean open(Entry e, Threshold t, long now) {
        e.threshold = t;
        e.start = now;
        e.count = 1;
        return switch (t.type()) {
            case LIMIT -> true;
            case THRESHOLD, BOTH -> t.count() == 1;
            case DETECTION_FILTER -> false;
        };
    }

    /**
     * A match within the entry's window: counted, and whether it alerts. The count stops at
     * {@code count + 1} where counting on changes nothing, so it never overflows.
     */
    private static boolean count(Entry e, Threshold t) {
        long c = t.count();
        switch (t.type()) {
            case LIMIT -> {
                if (e.count <= c) {
                    e.count++;
                }
                return e.count <= c;
            }
            case THRESHOLD -> {
                if (++e.count >= c) {
                    e.count = 0;
                    return true;
                }
                return false;
            }
            case BOTH -> {
                if (e.count <= c) {
                    e.count++;
                }
                return e.count == c;
            }
            default -> {
                if (e.count <= c) {
                    e.count++;
                }
                return e.count > c;
            }
        }
    }

    /**
     * True when {@code now} is at most {@code window} nanoseconds after {@code start} (or before
     * it: a capture's clock may step back). Times decades apart, from a damaged capture, whose
     * difference a long cannot hold, are outside.
     */
    static boolean within(long now, long start, long window) {
        long elapsed = now - start;
        if (((now ^ start) & (now ^ elapsed)) < 0) {
            return now < start; // overflowed: now is far before start (within) or far after (outside)
        }
        return elapsed <= window;
    }

    /** A new entry for the probe's key, room made for it first. */
    private Entry insert(long now) {
        if (entries.size() >= capacity) {
            makeRoom(now);
        }
        Entry e = probe.copyKey();
        entries.put(e, e);
        size.lazySet(entries.size());
        return e;
    }

    /** Removes an entry whose window has passed among the least recent, else the least recent (counted). */
    private void makeRoom(long now) {
        Iterator<Entry> it = entries.keySet().iterator();
        Entry eldest = null;
        for (int i = 0; i < SAMPLE && it.hasNext(); i++) {
            Entry e = it.next();
            if (eldest == null) {
                eldest = e;
            }
            if (!within(now, e.start, e.threshold.windowNanos())) {
                it.remove();
                return;
            }
        }
        entries.remove(eldest);
        evictions.lazySet(evictions.get() + 1);
    }

    /** Matches held back by thresholds of {@code type}, since the start. */
    public long heldBack(Threshold.Type type) {
        return heldBack.get(type.ordinal());
    }

    /** Entries forgotten, their window still open, to make room for others: since the start. */
    public long evictions() {
        return evictions.get();
    }

    /** Entries kept now, some of whose windows may have passed (they go first when room is needed). */
    public int size() {
        return size.get();
    }

    public int capacity() {
        return capacity;
    }

    /**
     * One key's count: the key (rule, track and addresses, the pair in a fixed order for
     * {@code by_both}) and its window. Mutable only in the table (and as its reused probe).
     */
    private static final class Entry implements Comparable<Entry> {
        int sid;
        int track;
        long aHi;
        long aLo;
        long bHi;
        long bLo;
        int hash;
        /** The threshold the count is kept under. */
        Threshold threshold;
        /** Capture time the window opened, nanoseconds since the epoch. */
        long start;
        /** Matches counted in the window (at most count + 1). */
        long count;

        void key(int sid, Threshold.Track track, MatchContext m, long seed) {
            this.sid = sid;
            this.track = track.ordinal();
            aHi = aLo = bHi = bLo = 0;
            switch (track) {
                case BY_SRC -> {
                    aHi = m.srcHi;
                    aLo = m.srcLo;
                }
                case BY_DST -> {
                    aHi = m.dstHi;
                    aLo = m.dstLo;
                }
                case BY_BOTH -> {
                    // One count for the pair, whichever of the two sent.
                    boolean srcFirst = Long.compareUnsigned(m.srcHi, m.dstHi) < 0
                            || m.srcHi == m.dstHi && Long.compareUnsigned(m.srcLo, m.dstLo) <= 0;
                    aHi = srcFirst ? m.srcHi : m.dstHi;
                    aLo = srcFirst ? m.srcLo : m.dstLo;
                    bHi = srcFirst ? m.dstHi : m.srcHi;
                    bLo = srcFirst ? m.dstLo : m.srcLo;
                }
                case BY_RULE -> { }
            }
            long h = seed ^ ((long) sid << 3 | this.track);
            h = mix(h ^ aHi);
            h = mix(h ^ aLo);
            h = mix(h ^ bHi);
            h = mix(h ^ bLo);
            hash = (int) (h ^ h >>> 32);
        }

        /** MurmurHash3's 64-bit finalizer. */
        private static long mix(long h) {
            h ^= h >>> 33;
            h *= 0xff51afd7ed558ccdL;
            h ^= h >>> 33;
            h *= 0xc4ceb9fe1a85ec53L;
            return h ^ h >>> 33;
        }

        Entry copyKey() {
            Entry e = new Entry();
            e.sid = sid;
            e.track = track;
            e.aHi = aHi;
            e.aLo = aLo;
            e.bHi = bHi;
            e.bLo = bLo;
            e.hash = hash;
            return e;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && sid == e.sid && track == e.track && aHi == e.aHi && aLo == e.aLo
                    && bHi == e.bHi && bLo == e.bLo;
        }

        /** An order on keys, so that a bucket many keys share is searched as a tree. */
        @Override
        public int compareTo(Entry o) {
            int c = Integer.compare(sid, o.sid);
            if (c == 0) {
                c = Integer.compare(track, o.track);
            }
            if (c == 0) {
                c = Long.compare(aHi, o.aHi);
            }
            if (c == 0) {
                c = Long.compare(aLo, o.aLo);
            }
            if (c == 0) {
                c = Long.compare(bHi, o.bHi);
            }
            return c != 0 ? c : Long.compare(bLo, o.bLo);
        }
    }
}
