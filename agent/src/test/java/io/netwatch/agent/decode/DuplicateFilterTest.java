package io.netwatch.agent.decode;

import static io.netwatch.agent.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.agent.capture.LinkType;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** A packet seen on two interfaces is counted once, whatever comes between its copies. */
class DuplicateFilterTest {
    private static final long WINDOW = 2_000_000L;
    private static final long T = 1_700_000_000_000_000_000L;
    private final PacketDecoder decoder = new PacketDecoder();

    /** A UDP datagram from 10.0.0.1:{@code sport} to 10.0.0.3:9998, the TTL as given (a hop changes it). */
    private static ByteBuffer datagram(int sport, int ttl) {
        return datagram(sport, 9998, ttl);
    }

    private static ByteBuffer datagram(int sport, int dport, int ttl) {
        byte[] ip = ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 3), 17, udp(sport, dport, 8));
        ip[8] = (byte) ttl;
        return ByteBuffer.wrap(ethernet(0x0800, ip));
    }

    private boolean seen(DuplicateFilter f, ByteBuffer frame, long nanos, int iface) {
        DecodedPacket p = decoder.decode(frame, LinkType.ETHERNET);
        return f.seenBefore(frame, p.outer(), nanos, iface);
    }

    private long identity(ByteBuffer frame) {
        return DuplicateFilter.identity(frame, decoder.decode(frame, LinkType.ETHERNET).outer());
    }

    @Test
    void aCopyOnAnotherInterfaceWithinTheWindowIsADuplicateWhicheverTimestampIsFirst() {
        DuplicateFilter f = new DuplicateFilter(WINDOW);
        assertFalse(seen(f, datagram(40000, 64), T, 1));
        assertTrue(seen(f, datagram(40000, 63), T + 1000, 2), "the forwarded copy, a hop later");
        assertFalse(seen(f, datagram(40001, 64), T + 5000, 1));
        assertTrue(seen(f, datagram(40001, 64), T + 4000, 2), "the copy's timestamp taken a little earlier");
        assertFalse(seen(f, datagram(40002, 64), T, 1));
        assertFalse(seen(f, datagram(40002, 64), T, 1), "the same interface again: another packet");
        assertFalse(seen(f, datagram(40003, 64), T, 1));
        assertFalse(seen(f, datagram(40003, 64), T + WINDOW + 1, 2), "past the window: another packet");
    }

    /**
     * The agent's window takes a bridge's second copy stamped milliseconds after the first, as a
     * loaded node stamps it: at 1 ms the live capture test, on a machine with a load of 8, counted
     * one datagram in 2000 twice.
     */
    @Test
    void theAgentsWindowTakesACopyStampedMillisecondsLater() {
        DuplicateFilter f = new DuplicateFilter(io.netwatch.agent.AgentMain.DUPLICATE_WINDOW_NANOS);
        assertFalse(seen(f, datagram(40000, 64), T, 1));
        assertTrue(seen(f, datagram(40000, 63), T + 5_000_000L, 2), "the other port's copy, 5 ms later");
        assertFalse(seen(f, datagram(40001, 64), T, 1));
        assertFalse(seen(f, datagram(40001, 64), T + 5_000_000L, 1), "the same interface again: another packet");
    }

    @Test
    void aPacketSharingTheSetBetweenTheTwoCopiesDoesNotPushTheFirstOut() {
        // Another datagram whose identity falls on the very entry the copy's does: one entry
        // a slot, as the table had before its sets of two, would have lost the first copy.
        long awaited = identity(datagram(40000, 64));
        int other = 40001;
        while (entry(identity(datagram(other, 64))) != entry(awaited)) {
            other++;
        }
        DuplicateFilter f = new DuplicateFilter(WINDOW);
        assertFalse(seen(f, datagram(40000, 64), T, 1));
        assertFalse(seen(f, datagram(other, 64), T + 100, 1), "another packet in the same set");
        assertTrue(seen(f, datagram(40000, 63), T + 200, 2), "the copy is still recognised");
        assertTrue(seen(f, datagram(other, 63), T + 300, 2), "and so is the other's");
        assertEquals(DuplicateFilter.set(awaited), DuplicateFilter.set(identity(datagram(other, 64))));
    }

    @Test
    void threeOtherPacketsOfTheSameSetBetweenTheTwoCopiesDoNotPushTheFirstOut() {
        // A bridge that takes in a burst and then forwards it puts the burst between each
        // packet's two copies: three others whose identities share the awaited one's pair of
        // entries (what a set was before sets of four) pushed it out then.
        long awaited = identity(datagram(40000, 9998, 64));
        int[] others = new int[3];
        int found = 0;
        for (int sport = 40001; found < others.length; sport++) {
            for (int dport = 1; dport < 65536 && found < others.length; dport += 251) {
                if (pair(identity(datagram(sport, dport, 64))) == pair(awaited)) {
                    others[found++] = sport << 16 | dport;
                }
            }
        }
        DuplicateFilter f = new DuplicateFilter(WINDOW);
        assertFalse(seen(f, datagram(40000, 9998, 64), T, 1));
        for (int i = 0; i < others.length; i++) {
            assertFalse(seen(f, datagram(others[i] >>> 16, others[i] & 0xFFFF, 64), T + 100 * (i + 1), 1),
                    "another packet of the same set");
        }
        assertTrue(seen(f, datagram(40000, 9998, 63), T + 500, 2), "the copy is still recognised");
        for (int i = 0; i < others.length; i++) {
            assertTrue(seen(f, datagram(others[i] >>> 16, others[i] & 0xFFFF, 63), T + 600 + i, 2),
                    "and so are the others'");
            assertEquals(DuplicateFilter.set(awaited),
                    DuplicateFilter.set(identity(datagram(others[i] >>> 16, others[i] & 0xFFFF, 64))));
        }
    }

    /** The pair of entries an identity maps to in a table of sets of two. */
    private static int pair(long identity) {
        return (int) (identity ^ (identity >>> 32)) & (DuplicateFilter.ENTRIES - 2);
    }

    private static int entry(long identity) {
        return (int) (identity ^ (identity >>> 32)) & (DuplicateFilter.ENTRIES - 1);
    }
}
