package io.netwatch.agent.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.net.InetAddresses;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IpAddressFormatTest {
    @Test
    void rfc5952() {
        assertEquals("2001:db8::1", IpAddressFormat.format(6, 0x20010db800000000L, 1L));
        assertEquals("::", IpAddressFormat.format(6, 0, 0));
        assertEquals("::1", IpAddressFormat.format(6, 0, 1));
        assertEquals("fe80::", IpAddressFormat.format(6, 0xfe80000000000000L, 0));
        // A single zero group is not compressed; the longest run is; the first of equal runs is.
        assertEquals("2001:db8:0:1:1:1:1:1", IpAddressFormat.format(6, 0x20010db800000001L, 0x0001000100010001L));
        assertEquals("2001::1:0:1", IpAddressFormat.format(6, 0x2001000000000000L, 0x0000000100000001L));
        assertEquals("2001:db8::1:0:0:1", IpAddressFormat.format(6, 0x20010db800000000L, 0x0001000000000001L));
        assertEquals("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", IpAddressFormat.format(6, -1L, -1L));
        assertEquals("192.0.2.33", IpAddressFormat.format(4, 0, 0x0000FFFFC0000221L));
        assertEquals("0.0.0.0", IpAddressFormat.format(4, 0, 0x0000FFFF00000000L));
        assertEquals("255.255.255.255", IpAddressFormat.format(4, 0, 0x0000FFFFFFFFFFFFL));
        assertEquals("10.100.9.200", IpAddressFormat.format(4, 0, 0x0000FFFF0A6409C8L));
    }

    @Test
    void ipv4TailsAreDottedOnlyWhenAsked() {
        assertEquals("::ffff:192.0.2.1", IpAddressFormat.ipv6(0, 0x0000FFFFC0000201L, true));
        assertEquals("::ffff:c000:201", IpAddressFormat.ipv6(0, 0x0000FFFFC0000201L, false));
        assertEquals("::1.2.3.4", IpAddressFormat.ipv6(0, 0x01020304L, true));
        // Neither IPv4-compatible nor IPv4-mapped: hex, as always.
        assertEquals("::1:ffff:102:304", IpAddressFormat.ipv6(0, 0x0001FFFF01020304L, true));
        assertEquals("2001:db8::1", IpAddressFormat.ipv6(new int[] {0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}, true));
    }

    /** Every spelling against Guava's RFC 5952 formatter and the JDK's dotted quad, on addresses rich in zero runs. */
    @Test
    void agreesWithGuavaAndTheJdkOnRandomAddresses() throws UnknownHostException {
        Random r = new Random(5952);
        for (int n = 0; n < 200_000; n++) {
            long hi = 0;
            long lo = 0;
            for (int i = 0; i < 8; i++) {
                // Half the groups zero, so runs of every length and position occur.
                int g = r.nextBoolean() ? 0 : r.nextInt(4) == 0 ? r.nextInt(16) : r.nextInt(0x10000);
                if (i < 4) {
                    hi = hi << 16 | g;
                } else {
                    lo = lo << 16 | g;
                }
            }
            byte[] b = IpAddressFormat.bytes(6, hi, lo);
            String expected = InetAddresses.toAddrString(Inet6Address.getByAddress(null, b, -1));
            assertEquals(expected, IpAddressFormat.format(6, hi, lo), () -> expected);
            int v4 = r.nextInt();
            byte[] q = IpAddressFormat.bytes(4, 0, 0x0000FFFF00000000L | (v4 & 0xFFFF_FFFFL));
            assertEquals(InetAddress.getByAddress(q).getHostAddress(),
                    IpAddressFormat.format(4, 0, 0x0000FFFF00000000L | (v4 & 0xFFFF_FFFFL)));
        }
    }
}
