package io.netwatch.agent.flow;

/**
 * The text of recently seen addresses, so that formatting the same address again costs a
 * lookup: a node's DNS messages name the same resolvers and the same clients over and over.
 * Direct-mapped and bounded; an address that collides is formatted again. Single-threaded:
 * one per capture thread.
 */
public final class IpAddressNames {
    private final long[] his;
    private final long[] los;
    private final String[] names;
    private final int mask;
    /** IPv6 text with an IPv4 tail dotted ({@code ::ffff:192.0.2.1}), as tshark shows DNS answers. */
    private final boolean dottedIpv4Tail;

    /** @param capacity addresses remembered, a power of two */
    public IpAddressNames(int capacity) {
        this(capacity, false);
    }

    /**
     * @param capacity       addresses remembered, a power of two
     * @param dottedIpv4Tail IPv6 addresses as {@link IpAddressFormat#ipv6(int[], boolean)} spells them with a dotted tail
     */
    public IpAddressNames(int capacity, boolean dottedIpv4Tail) {
        this.dottedIpv4Tail = dottedIpv4Tail;
        if (capacity < 1 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two, not " + capacity);
        }
        his = new long[capacity];
        los = new long[capacity];
        names = new String[capacity];
        mask = capacity - 1;
    }

    /** What {@link IpAddressFormat#format} gives for this address (for IPv6, with the tail this cache was made for). */
    public String of(int ipVersion, long hi, long lo) {
        // IPv4 addresses have hi == 0 (see IpLayer); the version keeps ::a.b.c.d apart from a.b.c.d.
        long key = ipVersion == 4 ? hi : ~hi;
        long x = key * 0x9E3779B97F4A7C15L ^ lo;
        x ^= x >>> 31;
        x *= 0xBF58476D1CE4E5B9L;
        int slot = (int) (x ^ x >>> 32) & mask;
        String name = names[slot];
        if (name != null && his[slot] == key && los[slot] == lo) {
            return name;
        }
        name = ipVersion == 6 && dottedIpv4Tail ? IpAddressFormat.ipv6(hi, lo, true)
                : IpAddressFormat.format(ipVersion, hi, lo);
        his[slot] = key;
        los[slot] = lo;
        names[slot] = name;
        return name;
    }
}
