package io.netwatch.agent.flow;

/**
 * The identity of a bidirectional flow: protocol, both endpoints in canonical order (the
 * lower address-and-port first) and the outermost VLAN tags. Mutable only so the flow table
 * can reuse one probe instance for lookups; a key stored in the table is a copy and is never
 * changed. Not for use outside this package.
 */
final class FlowKey {
    int protocol;
    long aHi;
    long aLo;
    long bHi;
    long bLo;
    int aPort;
    int bPort;
    /** Up to four VLAN ids packed 16 bits each, outermost in the low bits; 0 when untagged. */
    long vlans;
    /** Tunnel nesting depth of the flow's IP header, and the identity of its tunnels. */
    int depth;
    long tunnel;

    /**
     * Sets this key from a packet's endpoints.
     *
     * @return true when the packet's source is endpoint A
     */
    boolean set(int protocol, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort, long vlans,
                int depth, long tunnel) {
        this.protocol = protocol;
        this.vlans = vlans;
        this.depth = depth;
        this.tunnel = tunnel;
        boolean srcIsA = compare(srcHi, srcLo, srcPort, dstHi, dstLo, dstPort) <= 0;
        if (srcIsA) {
            aHi = srcHi;
            aLo = srcLo;
            aPort = srcPort;
            bHi = dstHi;
            bLo = dstLo;
            bPort = dstPort;
        } else {
            aHi = dstHi;
            aLo = dstLo;
            aPort = dstPort;
            bHi = srcHi;
            bLo = srcLo;
            bPort = srcPort;
        }
        return srcIsA;
    }

    private static int compare(long hi1, long lo1, int port1, long hi2, long lo2, int port2) {
        int c = Long.compareUnsigned(hi1, hi2);
        if (c != 0) {
            return c;
        }
        c = Long.compareUnsigned(lo1, lo2);
        return c != 0 ? c : Integer.compare(port1, port2);
    }

    FlowKey copy() {
        FlowKey k = new FlowKey();
        k.protocol = protocol;
        k.aHi = aHi;
        k.aLo = aLo;
        k.bHi = bHi;
        k.bLo = bLo;
        k.aPort = aPort;
        k.bPort = bPort;
        k.vlans = vlans;
        k.depth = depth;
        k.tunnel = tunnel;
        return k;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlowKey k && protocol == k.protocol && aLo == k.aLo && bLo == k.bLo
                && aPort == k.aPort && bPort == k.bPort && aHi == k.aHi && bHi == k.bHi && vlans == k.vlans
                && tunnel == k.tunnel && depth == k.depth;
    }

    @Override
    public int hashCode() {
        long h = aLo * 0x9E3779B97F4A7C15L;
        h ^= bLo * 0xC2B2AE3D27D4EB4FL;
        h ^= (aHi + bHi) * 0x165667B19E3779F9L;
        h ^= ((long) aPort << 16 | bPort) * 0x27D4EB2F165667C5L;
        h ^= (protocol + vlans * 31 + depth) * 0x9E3779B97F4A7C15L;
        h ^= tunnel;
        return (int) (h ^ (h >>> 32));
    }
}
