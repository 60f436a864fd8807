package io.netwatch.agent.inspect.dns;

import static io.netwatch.agent.inspect.dns.Messages.query;
import static io.netwatch.agent.inspect.dns.Messages.tcpStream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link DnsTcpFramer}: messages split and joined across segments, gaps, and its bounds. */
class DnsTcpFramerTest {

    static List<DnsResult> feed(DnsTcpFramer f, byte[] b, int from, int to) {
        return f.feed(ByteBuffer.wrap(b), from, to - from);
    }

    static List<String> qnames(List<DnsResult> results) {
        return results.stream().map(r -> assertInstanceOf(DnsResult.Ok.class, r).message().qname()).toList();
    }

    @Test
    void severalMessagesInOneSegment() {
        byte[] s = tcpStream(query(0, "0.google.com", 1), query(1, "1.google.com", 1), query(2, "2.google.com", 1));
        DnsTcpFramer f = new DnsTcpFramer();
        assertEquals(List.of("0.google.com", "1.google.com", "2.google.com"), qnames(feed(f, s, 0, s.length)));
        assertEquals(0, f.buffered());
        assertEquals(3, f.messages());
    }

    @Test
    void oneMessageAcrossThreeSegments() {
        byte[] s = tcpStream(DnsParserTest.fullResponse());
        DnsTcpFramer f = new DnsTcpFramer();
        assertTrue(feed(f, s, 0, 1).isEmpty(), "half a length prefix");
        assertTrue(feed(f, s, 1, 40).isEmpty());
        assertEquals(40, f.buffered());
        List<DnsResult> r = feed(f, s, 40, s.length);
        assertEquals(1, r.size());
        DnsMessage m = assertInstanceOf(DnsResult.Ok.class, r.getFirst()).message();
        assertEquals(DnsParserTest.ok(DnsParserTest.fullResponse()), m);
        assertEquals(0, f.buffered());
    }

    @Test
    void tailOfOneSegmentStartsTheNextMessage() {
        byte[] s = tcpStream(query(1, "a.example", 1), query(2, "b.example", 1), query(3, "c.example", 1));
        DnsTcpFramer f = new DnsTcpFramer();
        int cut = 2 + query(1, "a.example", 1).length + 5;
        assertEquals(List.of("a.example"), qnames(feed(f, s, 0, cut)));
        assertEquals(List.of("b.example", "c.example"), qnames(feed(f, s, cut, s.length)));
    }

    @Test
    void anySplitGivesTheSameMessages() {
        byte[][] msgs = {query(1, "one.example", 1), DnsParserTest.fullResponse(), query(3, "three.example", 28),
            new byte[0], query(5, "five.example", 16)};
        byte[] s = tcpStream(msgs);
        List<DnsResult> whole = new DnsTcpFramer().feed(ByteBuffer.wrap(s), 0, s.length);
        assertEquals(5, whole.size());
        assertEquals(DnsParser.MALFORMED_HEADER_TRUNCATED, assertInstanceOf(DnsResult.Malformed.class, whole.get(3)).reason(),
                "a zero-length frame");
        Random rnd = new Random(42);
        for (int trial = 0; trial < 2000; trial++) {
            DnsTcpFramer f = new DnsTcpFramer();
            List<DnsResult> got = new ArrayList<>();
            byte[] copy = s.clone();
            int p = 0;
            while (p < s.length) {
                int n = trial == 0 ? 1 : 1 + rnd.nextInt(Math.min(60, s.length - p));
                got.addAll(feed(f, copy, p, p + n));
                // The framer must have copied what it keeps: scribbling on fed bytes changes nothing.
                Arrays.fill(copy, p, p + n, (byte) 0xEE);
                p += n;
            }
            assertEquals(whole, got, "trial " + trial);
            assertEquals(0, f.buffered());
        }
    }

    @Test
    void feedLeavesTheBufferAlone() {
        byte[] s = tcpStream(query(1, "a.example", 1));
        byte[] big = new byte[s.length + 20];
        System.arraycopy(s, 0, big, 10, s.length);
        ByteBuffer view = ByteBuffer.wrap(big).asReadOnlyBuffer().position(4).limit(big.length - 2);
        List<DnsResult> r = new DnsTcpFramer().feed(view, 10, s.length);
        assertEquals(List.of("a.example"), qnames(r));
        assertEquals(4, view.position());
        assertEquals(big.length - 2, view.limit());
    }

    @Test
    void gapDropsThePartialMessageAndResynchronises() {
        byte[] a = tcpStream(query(1, "a.example", 1));
        byte[] b = tcpStream(query(2, "b.example", 1));
        DnsTcpFramer f = new DnsTcpFramer();
        assertTrue(feed(f, a, 0, 10).isEmpty());
        f.gap();
        assertEquals(0, f.buffered());
        assertTrue(f.resynchronising());
        // The rest of message a: the middle of a message, not a start. Dropped.
        assertTrue(feed(f, a, 10, a.length).isEmpty());
        assertTrue(f.resynchronising());
        assertEquals(a.length - 10, f.droppedBytes());
        // A segment that starts with a plausible message: taken.
        assertEquals(List.of("b.example"), qnames(feed(f, b, 0, b.length)));
        assertFalse(f.resynchronising());
        assertEquals(1, f.gaps());
        f.reset();
        assertEquals(0, f.buffered());
    }

    /**
     * A sender that writes each length prefix in a segment of its own (RFC 7766 section 8 notes
     * them): after a gap the two bytes alone cannot be judged, so they are held until the next
     * feed brings the header.
     */
    @Test
    void resynchronisesWhenTheLengthPrefixArrivesInItsOwnSegment() {
        DnsTcpFramer f = new DnsTcpFramer();
        f.gap();
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            byte[] s = tcpStream(query(i, i + ".example", 1));
            got.addAll(qnames(feed(f, s, 0, 2)));
            assertTrue(f.buffered() <= DnsTcpFramer.PREFIX_LENGTH);
            got.addAll(qnames(feed(f, s, 2, s.length)));
        }
        assertFalse(f.resynchronising(), "found a message start again");
        assertEquals(List.of("0.example", "1.example", "2.example", "3.example", "4.example"), got);
        assertEquals(0, f.droppedBytes());
    }

    /**
     * Each place a feed began is a possible message start, judged once the prefix and header
     * from it are at hand: a short tail of the lost message, then a prefix alone, then the
     * rest; the tail is dropped and the message after it taken.
     */
    @Test
    void shortFeedsAfterAGapAreJudgedAtEachFeedStart() {
        byte[] next = tcpStream(query(9, "next.example", 1));
        DnsTcpFramer f = new DnsTcpFramer();
        f.gap();
        byte[] tail = {0, 1, 0, 0, 0};
        assertTrue(feed(f, tail, 0, tail.length).isEmpty());
        assertTrue(feed(f, next, 0, 2).isEmpty());
        assertTrue(feed(f, next, 2, 7).isEmpty());
        assertEquals(tail.length + 7, f.buffered(), "fewer than prefix and header from the oldest start: all held");
        assertEquals(List.of("next.example"), qnames(feed(f, next, 7, next.length)));
        assertFalse(f.resynchronising());
        assertEquals(tail.length, f.droppedBytes());
    }

    @Test
    void bytesHeldWhileResynchronisingAreBounded() {
        DnsTcpFramer f = new DnsTcpFramer();
        f.gap();
        byte[] noise = new byte[5000]; // zeros: never a length that holds a header
        for (int p = 0; p < noise.length; p++) {
            assertTrue(feed(f, noise, p, p + 1).isEmpty());
            assertTrue(f.buffered() < DnsTcpFramer.RESYNC_BYTES);
        }
        assertTrue(f.resynchronising());
        assertEquals(noise.length, f.droppedBytes() + f.buffered());
        byte[] s = tcpStream(query(1, "a.example", 1));
        assertEquals(List.of("a.example"), qnames(feed(f, s, 0, s.length)), "a whole message in one feed");
        assertEquals(noise.length, f.droppedBytes());
    }

    /**
     * Resynchronising on a stream whose first feed starts a message, split anywhere: the same
     * messages as without the gap, whether the first feeds are long enough to judge or not.
     */
    @Test
    void anySplitAfterAGapAtAMessageStartGivesTheSameMessages() {
        byte[] s = tcpStream(query(1, "one.example", 1), DnsParserTest.fullResponse(), query(3, "three.example", 28));
        List<DnsResult> whole = new DnsTcpFramer().feed(ByteBuffer.wrap(s), 0, s.length);
        Random rnd = new Random(7);
        for (int trial = 0; trial < 2000; trial++) {
            DnsTcpFramer f = new DnsTcpFramer();
            f.gap();
            List<DnsResult> got = new ArrayList<>();
            for (int p = 0, n; p < s.length; p += n) {
                n = 1 + rnd.nextInt(Math.min(trial % 2 == 0 ? 4 : 40, s.length - p));
                got.addAll(feed(f, s, p, p + n));
            }
            assertEquals(whole, got, "trial " + trial);
            assertFalse(f.resynchronising());
            assertEquals(0, f.droppedBytes());
        }
    }

    @Test
    void messagesPerFeedAreBounded() {
        // 3000 zero-length frames and then a real message: one feed returns at most
        // MAX_MESSAGES_PER_FEED results, drops the rest, and resynchronises.
        byte[] zeros = new byte[3000 * 2];
        byte[] s = Messages.concat(zeros, tcpStream(query(1, "late.example", 1)));
        DnsTcpFramer f = new DnsTcpFramer();
        List<DnsResult> r = feed(f, s, 0, s.length);
        assertEquals(DnsTcpFramer.MAX_MESSAGES_PER_FEED, r.size());
        assertTrue(f.resynchronising());
        assertEquals(s.length - 2 * DnsTcpFramer.MAX_MESSAGES_PER_FEED, f.droppedBytes());
        byte[] next = tcpStream(query(2, "next.example", 1));
        assertEquals(List.of("next.example"), qnames(feed(f, next, 0, next.length)));
    }

    @Test
    void largestMessageIsBufferedWithinTheBound() {
        // A 65535-byte message (a query with trailing bytes) fed in 1000-byte segments.
        byte[] msg = Arrays.copyOf(query(7, "big.example", 1), DnsParser.MAX_MESSAGE_LENGTH);
        byte[] s = tcpStream(msg);
        DnsTcpFramer f = new DnsTcpFramer();
        List<DnsResult> got = new ArrayList<>();
        for (int p = 0; p < s.length; p += 1000) {
            got.addAll(feed(f, s, p, Math.min(s.length, p + 1000)));
            assertTrue(f.buffered() <= DnsTcpFramer.MAX_BUFFERED_BYTES);
        }
        assertEquals(1, got.size());
        DnsMessage m = assertInstanceOf(DnsResult.Ok.class, got.getFirst()).message();
        assertEquals("big.example", m.qname());
        assertTrue(m.has(DnsParser.TRAILING_BYTES));
    }
}
