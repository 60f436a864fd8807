package io.netwatch.aggregator.query;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IpPrefixTest {
    @Test
    void parsesAddressesAndPrefixes() {
        IpPrefix v4 = IpPrefix.parse("10.0.0.7");
        assertArrayEquals(new byte[] {10, 0, 0, 7}, v4.network());
        assertEquals(32, v4.bits());
        assertTrue(v4.isSingleAddress());

        IpPrefix net = IpPrefix.parse(" 10.0.0.0/8 ");
        assertEquals(8, net.bits());
        assertFalse(net.isSingleAddress());

        IpPrefix v6 = IpPrefix.parse("fd00::/64");
        assertEquals(16, v6.network().length);
        assertEquals(64, v6.bits());
        assertEquals(128, IpPrefix.parse("::1").bits());
    }

    @Test
    void containsComparesOnlyThePrefixBits() {
        IpPrefix p = IpPrefix.parse("10.0.2.0/23");
        assertTrue(p.contains("10.0.2.1"));
        assertTrue(p.contains("10.0.3.255"));
        assertFalse(p.contains("10.0.4.0"));
        assertFalse(p.contains("10.0.1.255"));

        assertTrue(IpPrefix.parse("0.0.0.0/0").contains("203.0.113.9"));
        assertFalse(IpPrefix.parse("0.0.0.0/0").contains("2001:db8::1"));
        assertTrue(IpPrefix.parse("2001:db8::/31").contains("2001:db9::1"));
        assertFalse(IpPrefix.parse("2001:db8::/32").contains("2001:db9::1"));
        assertTrue(IpPrefix.parse("fd00::1").contains("fd00:0::0001"));
        // An unparsable address in a stored flow matches nothing instead of failing the query.
        assertFalse(IpPrefix.parse("0.0.0.0/0").contains("garbage"));
        assertFalse(IpPrefix.parse("0.0.0.0/0").contains(""));
    }

    @Test
    void rejectsWhatIsNotALiteral() {
        for (String bad : List.of("localhost", "example.com", "", "/8", "10.0.0.0/33", "10.0.0.0/", "fd00::/129",
                "10.0.0.256", "1.2.3.4.5", "fe80::1%eth0", "[::1]", "fd00:::1")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse(bad),
                    bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void anIpv4AddressIsADottedQuadNotTheBsdShortForms() {
        // Found trying `netwatch observe --ip 10.0.1`: InetAddress.ofLiteral reads "10.0.1" as
        // 10.0.0.1 and "10" as 0.0.0.10, so a shortened address or prefix matched other flows,
        // where Hubble (Go's ParseIP) refuses it. Leading zeros, octal to some readers, too.
        for (String bad : List.of("10.0.1", "10.1", "10", "10.0.1/24", "010.0.0.1", "10.0.0.01/8")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse(bad),
                    bad);
            assertEquals("'" + bad + "' is not an IP address or CIDR prefix (an IPv4 address is four numbers 0-255"
                    + " without leading zeros, as 10.0.0.1 or 10.0.0.0/16)", e.getMessage());
        }
        assertEquals(0, IpPrefix.parse("0.0.0.0/0").bits());
        assertArrayEquals(new byte[] {10, 0, 1, 0}, IpPrefix.parse("10.0.1.0/24").network());
        // The length in digits only, as Go's ParseCIDR reads it: parseInt took a sign.
        for (String bad : List.of("10.0.0.0/+8", "10.0.0.0/-0", "fd00::/+64", "10.0.0.0/ 8")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse(bad), bad);
            assertEquals("'" + bad + "': prefix length must be a number", e.getMessage());
        }
        assertEquals(32, IpPrefix.parse("2001:db8::/32").bits(), "an IPv6 literal is read as before");
    }

    /**
     * Run in a child JVM whose only name service is a hosts file that maps number-like names to
     * an address: if parsing ever asked the resolver, those names would come back as valid.
     */
    @Test
    void neverAsksTheNameService(@TempDir Path dir) throws IOException, InterruptedException {
        Path hosts = dir.resolve("hosts");
        Files.writeString(hosts, "10.9.9.9 999.1.1.1\n10.9.9.9 1.2.3.4.5\n10.9.9.9 10.0.0.300\n10.9.9.9 localhost\n");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-Djdk.net.hosts.file=" + hosts, "-cp", classPath,
                IpPrefixResolverProbe.class.getName(),
                "999.1.1.1", "1.2.3.4.5", "10.0.0.300", "localhost", "10.9.9.0/24")
                .redirectErrorStream(true)
                .start();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "probe JVM did not finish");
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), out);
        assertEquals(List.of(
                "999.1.1.1 rejected",
                "1.2.3.4.5 rejected",
                "10.0.0.300 rejected",
                "localhost rejected",
                "10.9.9.0/24 accepted",
                "10.9.9.0/24 contains 999.1.1.1: false",
                "10.9.9.0/24 contains 10.9.9.9: true"), out.lines().toList());
    }
}
