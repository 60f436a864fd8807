package io.netwatch.agent.decode;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This node's own addresses as the OS lists them on its interfaces, for a live capture's
 * decoder ({@link LocalAddresses}). Addresses come and go (a DHCP lease, a second uplink, a
 * CNI's device created after the agent started), so {@link #refresh()} reads them again; it
 * runs off the capture thread, which sees each reading whole through one volatile reference to
 * an immutable sorted array.
 *
 * <p>A reading that fails keeps the previous one (counted): an empty set would make every
 * tunnel plain UDP, its underlay then judged as the sweeps and floods it looks like.
 */
public final class NodeAddresses implements LocalAddresses {
    /** How often the agent reads the addresses again. */
    public static final Duration REFRESH = Duration.ofSeconds(10);
    /**
     * Most addresses kept: kube-proxy's IPVS mode puts every Service's cluster IP on a local
     * dummy device, thousands in a large cluster; past this many the rest are left out.
     */
    public static final int MAX_ADDRESSES = 65_536;

    private static final long IPV4_MAPPED_PREFIX = 0x0000_FFFF_0000_0000L;

    private final Callable<? extends Collection<InetAddress>> source;
    /** Pairs (first 8 bytes, last 8 bytes), sorted unsigned by the pair; never written in place. */
    private volatile long[] sorted = new long[0];
    private final AtomicLong failures = new AtomicLong();

    /** @param source what the addresses are read from each time; may throw, which is counted */
    public NodeAddresses(Callable<? extends Collection<InetAddress>> source) {
        this.source = source;
    }

    /** This host's addresses, read from its network interfaces (every interface, up or not). */
    public static NodeAddresses ofThisHost() {
        return new NodeAddresses(NodeAddresses::interfaceAddresses);
    }

    /** Every address of every network interface of this host. */
    static List<InetAddress> interfaceAddresses() throws SocketException {
        List<InetAddress> all = new ArrayList<>();
        for (NetworkInterface i : NetworkInterface.networkInterfaces().toList()) {
            all.addAll(i.inetAddresses().toList());
        }
        return all;
    }

    /** Reads the addresses again; a failed reading keeps the last one and is counted. */
    public NodeAddresses refresh() {
        try {
            sorted = pairs(source.call());
        } catch (Exception e) {
            failures.incrementAndGet();
        }
        return this;
    }

    private static long[] pairs(Collection<InetAddress> addresses) {
        List<long[]> keys = new ArrayList<>();
        for (InetAddress a : addresses) {
            if (keys.size() == MAX_ADDRESSES) {
                break;
            }
            byte[] raw = a.getAddress();
            if (a instanceof Inet4Address) {
                keys.add(new long[] {0, IPV4_MAPPED_PREFIX | (ByteBuffer.wrap(raw).getInt() & 0xFFFF_FFFFL)});
            } else if (raw.length == 16) {
                ByteBuffer b = ByteBuffer.wrap(raw);
                keys.add(new long[] {b.getLong(0), b.getLong(8)});
            }
        }
        keys.sort(NodeAddresses::compare);
        long[] out = new long[keys.size() * 2];
        for (int i = 0; i < keys.size(); i++) {
            out[2 * i] = keys.get(i)[0];
            out[2 * i + 1] = keys.get(i)[1];
        }
        return out;
    }

    private static int compare(long[] a, long[] b) {
        int c = Long.compareUnsigned(a[0], b[0]);
        return c != 0 ? c : Long.compareUnsigned(a[1], b[1]);
    }

    /** A binary search of the last reading: no allocation, no lock. */
    @Override
    public boolean contains(long hi, long lo) {
        long[] s = sorted;
        int low = 0;
        int high = s.length / 2 - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int c = Long.compareUnsigned(s[2 * mid], hi);
            if (c == 0) {
                c = Long.compareUnsigned(s[2 * mid + 1], lo);
            }
            if (c == 0) {
                return true;
            }
            if (c < 0) {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return false;
    }

    /** Addresses in the last reading (duplicates included: an address on two interfaces). */
    public int size() {
        return sorted.length / 2;
    }

    /** Readings that failed, each keeping the one before. */
    public long failures() {
        return failures.get();
    }
}
