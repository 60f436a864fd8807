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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger log = LoggerFactory.getLogger(NodeAddresses.class);

    private final Callable<? extends Collection<InetAddress>> source;
    /** Pairs (first 8 bytes, last 8 bytes), sorted unsigned by the pair; never written in place. */
    private volatile long[] sorted = new long[0];
    private final AtomicLong failures = new AtomicLong();
    /**
     * What is wrong with the last reading, null when nothing: said in the log when it changes,
     * since every tunnel of the node then stays plain UDP (or some do), which the decoder's
     * counter shows only as a number.
     */
    private volatile String problem;

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
        String now;
        try {
            Collection<InetAddress> read = source.call();
            sorted = pairs(read);
            now = sorted.length == 0 ? "no address found on this host's interfaces"
                    : read.size() > MAX_ADDRESSES ? read.size() + " addresses on this host's interfaces, past the "
                    + MAX_ADDRESSES + " kept: an underlay address may be among those left out" : null;
        } catch (Exception e) {
            failures.incrementAndGet();
            now = "cannot read this host's addresses (" + e + "); the last reading stands";
        }
        String before = problem;
        problem = now;
        if (now != null && !now.equals(before)) {
            log.warn("node addresses: {}: a VXLAN or Geneve datagram is read as the tunnel only to or from one of"
                    + " them, so the overlay's inner flows may go unseen", now);
        } else if (now == null && before != null) {
            log.info("node addresses: read again, {} found", size());
        }
        return this;
    }

    /** What is wrong with the last reading (none found, too many, a failure), or null. */
    public String problem() {
        return problem;
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
