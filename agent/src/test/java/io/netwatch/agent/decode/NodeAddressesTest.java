package io.netwatch.agent.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeAddressesTest {
    private static final long V4 = 0x0000_FFFF_0000_0000L;

    @Test
    void holdsTheAddressesReadAsTheDecoderWritesThem() throws Exception {
        NodeAddresses a = new NodeAddresses(() -> List.of(InetAddress.getByName("192.168.50.1"),
                InetAddress.getByName("10.244.1.0"), InetAddress.getByName("fd00::1"),
                InetAddress.getByName("255.255.255.254"))).refresh();
        assertEquals(4, a.size());
        assertTrue(a.contains(0, V4 | 0xC0A8_3201L));
        assertTrue(a.contains(0, V4 | 0x0AF4_0100L));
        assertTrue(a.contains(0, V4 | 0xFFFF_FFFEL), "unsigned order");
        assertTrue(a.contains(0xFD00_0000_0000_0000L, 1));
        assertFalse(a.contains(0, V4 | 0xC0A8_3202L));
        assertFalse(a.contains(0, 0xC0A8_3201L), "IPv4 is only ever seen mapped");
        assertFalse(a.contains(0xFD00_0000_0000_0000L, 2));
        assertFalse(new NodeAddresses(List::of).refresh().contains(0, V4 | 0xC0A8_3201L));
    }

    @Test
    void aFailedReadingKeepsTheLastAndIsCounted() throws Exception {
        List<InetAddress> now = new ArrayList<>(List.of(InetAddress.getByName("192.168.50.1")));
        boolean[] fail = {false};
        NodeAddresses a = new NodeAddresses(() -> {
            if (fail[0]) {
                throw new SocketException("netlink went away");
            }
            return List.copyOf(now);
        }).refresh();
        now.set(0, InetAddress.getByName("192.168.50.7"));
        fail[0] = true;
        a.refresh();
        assertEquals(1, a.failures());
        assertTrue(a.contains(0, V4 | 0xC0A8_3201L), "the last reading stays");
        fail[0] = false;
        a.refresh();
        assertFalse(a.contains(0, V4 | 0xC0A8_3201L), "a new lease replaces the old address");
        assertTrue(a.contains(0, V4 | 0xC0A8_3207L));
    }

    @Test
    void whatIsWrongWithAReadingIsSaidUntilAGoodOneComes() throws Exception {
        // Found in review: a reading that failed or found nothing left no tunnel read, and only
        // the decoder's counter said so, as a number.
        List<InetAddress> now = new ArrayList<>();
        boolean[] fail = {false};
        NodeAddresses a = new NodeAddresses(() -> {
            if (fail[0]) {
                throw new SocketException("netlink went away");
            }
            return List.copyOf(now);
        }).refresh();
        assertEquals("no address found on this host's interfaces", a.problem());
        now.add(InetAddress.getByName("192.168.50.1"));
        a.refresh();
        assertEquals(null, a.problem());
        fail[0] = true;
        a.refresh();
        assertTrue(a.problem().startsWith("cannot read this host's addresses (java.net.SocketException: netlink went"
                + " away)"), a.problem());
        fail[0] = false;
        for (int i = 0; i <= NodeAddresses.MAX_ADDRESSES; i++) {
            now.add(InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}));
        }
        a.refresh();
        assertEquals(NodeAddresses.MAX_ADDRESSES, a.size());
        assertTrue(a.problem().startsWith((NodeAddresses.MAX_ADDRESSES + 2) + " addresses on this host's interfaces"),
                a.problem());
    }

    @Test
    void thisHostsLoopbackIsOneOfItsAddresses() {
        NodeAddresses a = NodeAddresses.ofThisHost().refresh();
        assertEquals(0, a.failures());
        assertTrue(a.contains(0, V4 | 0x7F00_0001L), "127.0.0.1, on lo");
    }
}
