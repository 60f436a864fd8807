package io.netwatch.agent.decode;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Remembers datagrams to a tunnel port, and GRE and IP-in-IP packets, that a source not of
 * this node sent (a pod), so that the same datagram seen again with this node's address as
 * its source is known for what it is: the pod's, masqueraded on its way out (a CNI's SNAT to
 * addresses outside the pod network, which is most addresses), not the node's own underlay.
 * Capturing on {@code any} sees both copies, the pod's interface before the uplink.
 *
 * <p>A datagram is identified by what source NAT leaves alone: its IPv4 identification, its
 * UDP length (or IP protocol) and its payload's first {@link #PAYLOAD_BYTES} bytes; not its
 * addresses or ports (SNAT rewrites the source port when two pods' flows would clash). The
 * hash is seeded per instance, so a sender cannot aim its datagrams at one set of the table.
 *
 * <p>A fixed table, in sets of {@link #WAYS}, each set replacing its oldest entry: no
 * allocation, bounded memory. To make the copy of one datagram go undetected, {@link #WAYS}
 * other datagrams must land in its set between its two copies, microseconds apart.
 */
final class MasqueradedCopies {
    /** Sets in the table (a power of two). */
    static final int SETS = 1 << 12;
    /** Entries per set (a power of two). */
    static final int WAYS = 4;
    /** Payload bytes hashed: a VXLAN or Geneve header and the inner headers. */
    static final int PAYLOAD_BYTES = 64;

    private final long seed = ThreadLocalRandom.current().nextLong();
    private final long[] entries = new long[SETS * WAYS];
    /** By set, the way written next (the oldest). */
    private final byte[] next = new byte[SETS];

    /**
     * The identity of the UDP datagram, or GRE or IP-in-IP packet, in {@code l} whose payload
     * spans {@code off} to {@code end}; never 0 (an empty entry).
     */
    long identity(ByteBuffer b, IpLayer l, int off, int end) {
        long h = seed;
        h = mix(h, l.ipVersion == 4 ? b.getShort(l.ipOffset + 4) & 0xFFFF : 0);
        h = mix(h, l.protocol == PacketDecoder.PROTO_UDP ? b.getShort(off - 4) & 0xFFFF : l.protocol);
        int last = off + Math.min(PAYLOAD_BYTES, Math.max(0, end - off));
        int p = off;
        for (; last - p >= 8; p += 8) {
            h = mix(h, b.getLong(p));
        }
        for (; p < last; p++) {
            h = mix(h, b.get(p));
        }
        return h == 0 ? 1 : h;
    }

    private static long mix(long h, long v) {
        h = (h ^ v) * 0x9E3779B97F4A7C15L;
        return h ^ (h >>> 29);
    }

    /** Records a datagram a source not of this node sent. */
    void remember(long identity) {
        int set = set(identity);
        if (find(set, identity)) {
            return;
        }
        int way = next[set];
        entries[set * WAYS + way] = identity;
        next[set] = (byte) ((way + 1) & (WAYS - 1));
    }

    /** True when a source not of this node sent this datagram before. */
    boolean remembered(long identity) {
        return find(set(identity), identity);
    }

    private boolean find(int set, long identity) {
        int base = set * WAYS;
        for (int i = base; i < base + WAYS; i++) {
            if (entries[i] == identity) {
                return true;
            }
        }
        return false;
    }

    private static int set(long identity) {
        return (int) (identity >>> 40) & (SETS - 1);
    }
}
