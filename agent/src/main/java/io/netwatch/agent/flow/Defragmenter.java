package io.netwatch.agent.flow;

import io.netwatch.agent.decode.IpLayer;
import io.netwatch.agent.decode.PacketDecoder;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * Follows IPv4 and IPv6 fragments until a datagram is complete, so that every fragment frame
 * counts in its flow, as tshark counts them. It keeps each fragment's range, frame length
 * and time, and the first fragment's transport header; never the data. Datagrams that never
 * complete count in no flow (tshark's rule) and are counted here instead.
 *
 * <p>Single-threaded (the capture thread, through {@link FlowTable}). Bounded by
 * {@link DefragConfig}: the number of datagrams, fragments per datagram and time.
 */
final class Defragmenter {
    /** A datagram in progress; complete when its fragments cover [0, total) and the last arrived. */
    static final class Datagram {
        /** Bytes of the datagram kept to read its transport header: TCP's longest. */
        static final int HEADER_BYTES = 60;
        final Key key;
        /** The datagram's first bytes, first copy wins; {@code headerFilled} bit i = byte i seen. */
        final byte[] headerBytes = new byte[HEADER_BYTES];
        long headerFilled;
        final IpLayer header = new IpLayer();
        /**
         * The datagram's payload, first copy wins, for inspection (a DNS answer in two
         * fragments); null until data arrives. {@code dataLost} once any byte could not be
         * kept (cut by the snap length, over the size or memory bound).
         */
        byte[] data;
        boolean dataLost;
        final int[] capturedEnd;
        boolean haveFirst;
        int total = -1;
        int count;
        final int[] start;
        final int[] end;
        final int[] wireLength;
        final int[] interfaceIndex;
        final long[] nanos;

        Datagram(Key key, int max) {
            this.key = key;
            start = new int[max];
            end = new int[max];
            wireLength = new int[max];
            interfaceIndex = new int[max];
            nanos = new long[max];
            capturedEnd = new int[max];
        }

        /** True when every payload byte of the whole datagram was kept. */
        boolean dataComplete() {
            return !dataLost && data != null && total >= 0 && covers(capturedEnd);
        }

        boolean complete() {
            return total >= 0 && haveFirst && covers(end);
        }

        /**
         * True when the fragments' ranges {@code [start[i], ends[i])} cover {@code [0, total)}.
         * Fragments are few (bounded): a selection over the ranges is enough.
         */
        private boolean covers(int[] ends) {
            int covered = 0;
            boolean progressed = true;
            while (covered < total && progressed) {
                progressed = false;
                for (int i = 0; i < count; i++) {
                    if (start[i] <= covered && ends[i] > covered) {
                        covered = ends[i];
                        progressed = true;
                    }
                }
            }
            return covered >= total;
        }
    }

    /** Datagram identity: addresses, protocol, id, and the tunnel around it. */
    static final class Key {
        int ipVersion;
        long srcHi;
        long srcLo;
        long dstHi;
        long dstLo;
        int protocol;
        int id;
        long tunnelContext;

        void set(IpLayer l) {
            ipVersion = l.ipVersion;
            srcHi = l.srcHi;
            srcLo = l.srcLo;
            dstHi = l.dstHi;
            dstLo = l.dstLo;
            protocol = l.protocol;
            id = l.fragmentId;
            tunnelContext = l.tunnelContext;
        }

        Key copy() {
            Key k = new Key();
            k.ipVersion = ipVersion;
            k.srcHi = srcHi;
            k.srcLo = srcLo;
            k.dstHi = dstHi;
            k.dstLo = dstLo;
            k.protocol = protocol;
            k.id = id;
            k.tunnelContext = tunnelContext;
            return k;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && id == k.id && srcLo == k.srcLo && dstLo == k.dstLo && srcHi == k.srcHi
                    && dstHi == k.dstHi && protocol == k.protocol && ipVersion == k.ipVersion
                    && tunnelContext == k.tunnelContext;
        }

        @Override
        public int hashCode() {
            long h = srcLo * 0x9E3779B97F4A7C15L ^ dstLo * 0xC2B2AE3D27D4EB4FL ^ (srcHi + dstHi) * 31
                    ^ ((long) id << 8 | protocol) * 0x165667B19E3779F9L ^ tunnelContext;
            return (int) (h ^ (h >>> 32));
        }
    }

    /** Largest datagram whose payload is kept for inspection, bytes (the IPv4 maximum). */
    static final int MAX_DATAGRAM_BYTES = 65_535;
    /** Payload bytes kept across all datagrams in progress. */
    static final long DATA_BUDGET_BYTES = 16L << 20;
    /** Oldest datagrams dropped at most to make room for one datagram's payload. */
    static final int MAX_DROPS_FOR_ROOM = 16;

    private final DefragConfig config;
    private long dataHeld;
    private final LinkedHashMap<Key, Datagram> datagrams = new LinkedHashMap<>();
    private final Key probe = new Key();
    private volatile long reassembled;
    private volatile long dropped;
    private volatile long droppedFragments;

    Defragmenter(DefragConfig config) {
        this.config = config;
    }

    /**
     * Records one fragment.
     *
     * @return the datagram when this fragment completed it (removed from the table), else null
     */
    Datagram add(IpLayer l, ByteBuffer frame, long nanos, int wireLength, int interfaceIndex) {
        probe.set(l);
        Datagram d = datagrams.get(probe);
        if (d == null) {
            if (datagrams.size() >= config.maxDatagrams()) {
                Iterator<Datagram> it = datagrams.values().iterator();
                drop(it.next());
                it.remove();
            }
            d = new Datagram(probe.copy(), config.maxFragments());
            datagrams.put(d.key, d);
        }
        if (d.count == config.maxFragments()) {
            datagrams.remove(d.key);
            drop(d);
            droppedFragments++;
            return null;
        }
        if (l.ipVersion == 6 && overlaps(d, l.fragmentOffset, l.fragmentOffset + Math.max(0, l.fragmentLength))) {
            // RFC 5722: an IPv6 datagram with overlapping fragments is discarded whole, as
            // receivers do; later fragments of it start a datagram that never completes.
            datagrams.remove(d.key);
            drop(d);
            droppedFragments++;
            return null;
        }
        int i = d.count++;
        d.start[i] = l.fragmentOffset;
        d.end[i] = l.fragmentOffset + Math.max(0, l.fragmentLength);
        d.wireLength[i] = wireLength;
        d.interfaceIndex[i] = interfaceIndex;
        d.nanos[i] = nanos;
        if (l.fragmentOffset == 0 && !d.haveFirst) {
            d.haveFirst = true;
            d.header.copyFrom(l);
        }
        keepHeaderBytes(d, l, frame);
        keepData(d, i, l, frame);
        if (!l.moreFragments) {
            d.total = d.end[i];
        }
        if (d.complete()) {
            datagrams.remove(d.key);
            reassembled++;
            return d;
        }
        return null;
    }

    /**
     * True when {@code [from, to)} overlaps a fragment already kept, other than an exact
     * duplicate of one (a retransmitted or twice-captured copy, which RFC 5722's errata lets a
     * receiver ignore and which tshark counts).
     */
    private static boolean overlaps(Datagram d, int from, int to) {
        for (int j = 0; j < d.count; j++) {
            if (d.start[j] == from && d.end[j] == to) {
                continue;
            }
            if (from < d.end[j] && d.start[j] < to) {
                return true;
            }
        }
        return false;
    }

    /** Copies the part of this fragment that falls in the datagram's first bytes. */
    private static void keepHeaderBytes(Datagram d, IpLayer l, ByteBuffer frame) {
        if (frame == null || l.fragmentOffset >= Datagram.HEADER_BYTES) {
            return;
        }
        int n = Math.min(l.payloadLength, Datagram.HEADER_BYTES - l.fragmentOffset);
        for (int i = 0; i < n; i++) {
            int at = l.fragmentOffset + i;
            if ((d.headerFilled & (1L << at)) == 0) {
                d.headerBytes[at] = frame.get(l.payloadOffset + i);
                d.headerFilled |= 1L << at;
            }
        }
    }

    /** Copies this fragment's payload into the datagram's data, skipping bytes an earlier fragment gave. */
    private void keepData(Datagram d, int index, IpLayer l, ByteBuffer frame) {
        int captured = frame == null ? 0 : Math.min(l.payloadLength, Math.max(0, l.fragmentLength));
        int from = l.fragmentOffset;
        int to = from + captured;
        d.capturedEnd[index] = to;
        if (frame == null || captured < l.fragmentLength || to > MAX_DATAGRAM_BYTES || d.dataLost) {
            d.dataLost = true;
            return;
        }
        if (d.data == null || d.data.length < to) {
            int size = Math.max(to, d.data == null ? 0 : Math.min(MAX_DATAGRAM_BYTES, d.data.length * 2));
            int grow = size - (d.data == null ? 0 : d.data.length);
            if (dataHeld + grow > DATA_BUDGET_BYTES && !makeRoom(d, grow)) {
                d.dataLost = true;
                return;
            }
            dataHeld += grow;
            d.data = d.data == null ? new byte[size] : java.util.Arrays.copyOf(d.data, size);
        }
        for (int at = from; at < to; at++) {
            boolean seen = false;
            for (int j = 0; j < index; j++) {
                if (d.start[j] <= at && at < d.capturedEnd[j]) {
                    seen = true;
                    break;
                }
            }
            if (!seen) {
                d.data[at] = frame.get(l.payloadOffset + (at - from));
            }
        }
    }

    /**
     * Drops the oldest datagrams in progress, other than {@code d}, until {@code grow} more
     * payload bytes fit in the budget; at most {@link #MAX_DROPS_FOR_ROOM}. Their payload was
     * reserved for the whole span up to their last fragment's end, so one fragment far into a
     * datagram that never completes reserves 64 KiB: 260 such frames in the 30 s timeout held
     * the whole budget, and no datagram after them had its payload inspected. Datagrams
     * complete within a few milliseconds of their first fragment: the oldest are the stalled
     * ones. They are dropped, counted as incomplete, as the count bound drops them.
     */
    private boolean makeRoom(Datagram d, int grow) {
        Iterator<Datagram> oldest = datagrams.values().iterator();
        for (int n = 0; n < MAX_DROPS_FOR_ROOM && dataHeld + grow > DATA_BUDGET_BYTES && oldest.hasNext(); ) {
            Datagram victim = oldest.next();
            if (victim == d) {
                continue;
            }
            oldest.remove();
            drop(victim);
            n++;
        }
        return dataHeld + grow <= DATA_BUDGET_BYTES;
    }

    /** Gives back the memory of a datagram's payload. */
    void releaseData(Datagram d) {
        if (d.data != null) {
            dataHeld -= d.data.length;
            d.data = null;
        }
    }

    /**
     * Reads the transport header of a completed datagram from its first bytes into
     * {@link Datagram#header}.
     *
     * @return false when the datagram is too short for its transport header
     */
    static boolean readTransport(Datagram d) {
        int have = Long.numberOfTrailingZeros(~d.headerFilled);
        int n = Math.min(have, Math.min(d.total, Datagram.HEADER_BYTES));
        d.header.fragment = false;
        d.header.transport = false;
        return PacketDecoder.readTransport(ByteBuffer.wrap(d.headerBytes, 0, n), 0, n, d.header);
    }

    /** Drops datagrams whose first fragment is older than the timeout at {@code nowNanos}. */
    void expire(long nowNanos) {
        long timeout = config.timeout().toNanos();
        Iterator<Datagram> it = datagrams.values().iterator();
        while (it.hasNext()) {
            Datagram d = it.next();
            if (nowNanos - d.nanos[0] < timeout) {
                break; // insertion order: later datagrams started later
            }
            it.remove();
            drop(d);
        }
    }

    /** Drops every incomplete datagram (end of capture). */
    void clear() {
        datagrams.values().forEach(this::drop);
        datagrams.clear();
    }

    private void drop(Datagram d) {
        releaseData(d);
        dropped++;
        droppedFragments += d.count;
    }

    long reassembled() {
        return reassembled;
    }

    /** Datagrams that never completed (timed out, evicted, too many fragments, capture ended). */
    long dropped() {
        return dropped;
    }

    /** Fragment frames of those datagrams: they count in no flow. */
    long droppedFragments() {
        return droppedFragments;
    }

    int pending() {
        return datagrams.size();
    }
}
