package io.netwatch.agent.decode;

import java.nio.ByteBuffer;

/**
 * Recognises the same packet seen again on another interface within a short window: what
 * capturing on {@code any} or on several interfaces gives for traffic that crosses a bridge
 * (once per port) or is routed from a pod's veth to the node's interface. The packet is
 * identified by its IP header without the fields a hop changes (TTL or hop limit, header
 * checksum) and the first bytes of its transport header (ports, sequence and
 * acknowledgement numbers).
 *
 * <p>A fixed table, in sets of {@link #WAYS} entries by that identity: no allocation, bounded
 * memory. A packet that shares a set with the copy awaited, arriving between the two copies (a
 * bridge forwards a burst after taking it in), takes one of the set's other entries rather
 * than pushing the copy's out; a new packet replaces the set's oldest. The copies'
 * timestamps may come in either order: each port's is taken on its own path through the
 * kernel. Only {@link #WAYS} other packets of the same set between the two copies make the
 * filter miss a duplicate (counted twice): with a burst of 64 packets between them, about
 * once in 10^11 packets, where sets of two missed about once in 500,000 (two of 63 others in
 * one of 32,768 sets). It never drops a packet that was not seen before.
 */
public final class DuplicateFilter {
    /** Entries in the table (a power of two); 20 bytes each. */
    public static final int ENTRIES = 1 << 16;
    /** Entries per set (a power of two): the identities of one set lie side by side. */
    static final int WAYS = 4;
    /** Transport bytes included in the identity. */
    private static final int TRANSPORT_BYTES = 16;

    private final long windowNanos;
    private final long[] hashes = new long[ENTRIES];
    private final long[] times = new long[ENTRIES];
    private final int[] interfaces = new int[ENTRIES];

    /** @param windowNanos how long after a packet its copy on another interface is recognised */
    public DuplicateFilter(long windowNanos) {
        this.windowNanos = windowNanos;
    }

    /**
     * @return true when the same packet was seen on another interface within the window;
     *         records it otherwise
     */
    public boolean seenBefore(ByteBuffer frame, IpLayer outer, long nowNanos, int interfaceIndex) {
        long h = identity(frame, outer);
        int set = set(h);
        int slot = set;
        for (int i = set; i < set + WAYS; i++) {
            if (copyOf(i, h, nowNanos, interfaceIndex)) {
                return true;
            }
            // The entry written longest ago makes room (an empty one has time 0).
            if (times[i] - times[slot] < 0) {
                slot = i;
            }
        }
        hashes[slot] = h;
        times[slot] = nowNanos;
        interfaces[slot] = interfaceIndex;
        return false;
    }

    /** Entry {@code slot} is this packet seen on another interface within the window, either side of it. */
    private boolean copyOf(int slot, long h, long nowNanos, int interfaceIndex) {
        return hashes[slot] == h && interfaces[slot] != interfaceIndex
                && Math.abs(nowNanos - times[slot]) <= windowNanos;
    }

    /** The first entry of the set a packet's identity maps to. */
    static int set(long identity) {
        return (int) (identity ^ (identity >>> 32)) & (ENTRIES - WAYS);
    }

    static long identity(ByteBuffer b, IpLayer l) {
        int off = l.ipOffset;
        int end = b.limit();
        long h = 0x9E3779B97F4A7C15L;
        int headerLength;
        if (l.ipVersion == 4) {
            // Bytes 0-7 (version, TOS, length, id, fragment) and 9 (protocol), 12-19 (addresses):
            // not 8 (TTL) or 10-11 (checksum).
            h = mix(h, b.getLong(off));
            h = mix(h, b.get(off + 9));
            h = mix(h, b.getLong(off + 12));
            headerLength = (b.get(off) & 0x0F) * 4;
        } else {
            // Everything but byte 7 (hop limit).
            h = mix(h, b.getInt(off) & 0xFFFF_FFFFL);
            h = mix(h, b.getShort(off + 4));
            h = mix(h, b.get(off + 6));
            h = mix(h, b.getLong(off + 8));
            h = mix(h, b.getLong(off + 16));
            h = mix(h, b.getLong(off + 24));
            h = mix(h, b.getLong(off + 32));
            headerLength = 40;
        }
        int t = off + headerLength;
        int n = Math.min(TRANSPORT_BYTES, end - t);
        for (int i = 0; i < n; i++) {
            h = mix(h, b.get(t + i));
        }
        return h;
    }

    private static long mix(long h, long v) {
        h ^= v;
        h *= 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 31);
    }
}
