package io.netwatch.agent.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * StreamReassembler at its edges: the segment bound, a depth or a skip asked for while bytes
 * are delivered, overlaps among held segments, and a consumer that throws at the end. Each
 * case failed on the code before 2026-11-27 21:30.
 */
class StreamReassemblerEdgesTest {
    private final StreamReassemblerTest.Sink sink = new StreamReassemblerTest.Sink();
    private final ReassemblyBudget budget = new ReassemblyBudget(1 << 20);

    private static void send(StreamReassembler r, int seq, String data) {
        byte[] b = data.getBytes(StandardCharsets.ISO_8859_1);
        r.segment(seq, false, ByteBuffer.wrap(b), 0, b.length);
    }

    /**
     * The per-direction segment bound (64) is reached before the byte bound when segments are
     * small: later segments are dropped for good instead of the hole being skipped, so
     * inspection never resumes (bytes that arrived are lost, not just the hole).
     */
    @Test
    void theSegmentCountBoundSkipsTheHoleLikeTheByteBoundInsteadOfDroppingEverythingAfter() {
        StreamReassembler r = new StreamReassembler(sink, budget, 1 << 20, 64 * 1024);
        r.segment(0, true, ByteBuffer.allocate(0), 0, 0);
        // Bytes 0..99 never arrive (lost by the capture); 100 segments of 100 bytes follow.
        StringBuilder expected = new StringBuilder();
        for (int i = 1; i <= 100; i++) {
            String s = String.valueOf((char) ('A' + i % 26)).repeat(100);
            send(r, 1 + i * 100, s);
            expected.append(s);
        }
        r.end();
        assertEquals(List.of(100L), sink.gaps);
        assertEquals(expected.length(), sink.text().length(), "every byte after the one hole was captured");
        assertEquals(expected.toString(), sink.text());
    }

    /**
     * FlowInspection.Direction.speakHttp calls extendDepth from inside data(). When the chunk
     * being delivered was cut at the old depth, the rest of it is neither delivered nor
     * reported as a gap: the parser sees bytes 0..depth and then the next segment, as if contiguous.
     */
    @Test
    void depthExtendedDuringDeliveryDoesNotSilentlyDropTheRestOfTheSegment() {
        StreamReassembler r = new StreamReassembler(sink, budget, 1024, 64 * 1024);
        sink.onData = n -> r.extendDepth(1 << 20); // as speakHttp does on the first bytes
        r.segment(0, true, ByteBuffer.allocate(0), 0, 0);
        String first = "x".repeat(1460);
        send(r, 1, first);
        send(r, 1461, "NEXT");
        assertEquals(List.of(), sink.gaps, "no byte is missing");
        assertEquals(first + "NEXT", sink.text(), "the 436 bytes past the first depth are delivered");
    }

    /**
     * skip() is called from inside data() (Direction.skipHttpBody), before deliver() has
     * advanced next past the chunk: the passed-over stretch is recorded len bytes too early.
     */
    @Test
    void aSkipMadeWhileBytesAreDeliveredRecordsTheStretchAfterThem() {
        StreamReassembler r = new StreamReassembler(sink, budget, 1 << 20, 64 * 1024);
        boolean[] once = {false};
        sink.onData = n -> {
            if (!once[0]) {
                once[0] = true;
                r.skip(8); // the body after this 4-byte head
            }
        };
        r.segment(1000, true, ByteBuffer.allocate(0), 0, 0);
        send(r, 1001, "HEAD");            // stream offsets 0..3; body is 4..11 (seq 1005..1012)
        assertEquals(1005, r.passedFromSeq(), "the body starts after the head");
        assertEquals(1013, r.passedToSeq());
    }

    /** Same cause: the last body segment is counted as an overlap (rewrite attempt) although nobody read it. */
    @Test
    void aSkipMadeWhileBytesAreDeliveredCountsNoBodyByteAsAnOverlap() {
        StreamReassembler r = new StreamReassembler(sink, budget, 1 << 20, 64 * 1024);
        boolean[] once = {false};
        sink.onData = n -> {
            if (!once[0]) {
                once[0] = true;
                r.skip(8);
            }
        };
        r.segment(1000, true, ByteBuffer.allocate(0), 0, 0);
        send(r, 1001, "HEAD");
        send(r, 1005, "bodybody"); // the body, arriving after it was passed over
        send(r, 1013, "!");
        assertEquals("HEAD!", sink.text());
        assertEquals(0, r.overlapBytes());
    }

    /** Overlap between two held segments is counted when the second is held, and again when drained. */
    @Test
    void overlapBetweenHeldSegmentsIsCountedOnce() {
        StreamReassembler r = new StreamReassembler(sink, budget, 1 << 20, 64 * 1024);
        r.segment(0, true, ByteBuffer.allocate(0), 0, 0);
        send(r, 11, "0123456789");      // offsets 10..19 held
        send(r, 16, "XXXXXabcde");      // offsets 15..24 held, 15..19 overlap
        send(r, 1, "0123456789");       // fills the hole
        assertEquals("0123456789" + "0123456789" + "abcde", sink.text());
        assertEquals(5, r.overlapBytes());
    }

    /** A consumer that throws (a parser bug, which Pipeline catches and survives) leaks what end() should release. */
    @Test
    void endReleasesTheBudgetEvenWhenTheConsumerThrows() {
        StreamReassembler r = new StreamReassembler(sink, budget, 1 << 20, 64 * 1024);
        r.segment(0, true, ByteBuffer.allocate(0), 0, 0);
        send(r, 11, "held");
        send(r, 31, "held too");
        assertEquals(12, budget.held());
        sink.onData = n -> {
            throw new IllegalStateException("parser bug");
        };
        assertThrows(IllegalStateException.class, r::end);
        assertEquals(0, budget.held(), "the reservation outlives the flow");
    }
    /**
     * A reset is taken by its receiver only inside its window (RFC 793, RFC 5961): one behind
     * the bytes seen, or past the largest window ahead of them, is dropped there.
     */
    @Test
    void aResetBehindTheStreamOrPastAnyWindowIsNotTaken() {
        StreamReassembler r = new StreamReassembler(sink, budget, 1 << 20, 64 * 1024);
        r.segment(0xFFFF_FFF0, true, ByteBuffer.allocate(0), 0, 0);
        send(r, 0xFFFF_FFF1, "x".repeat(100)); // across the wrap: the next byte is seq 0x55
        assertTrue(r.acceptsReset(0x55), "the next byte");
        assertTrue(r.acceptsReset(0x55 + 5000), "ahead, inside a window (bytes lost by the capture)");
        assertFalse(r.acceptsReset(0x54), "one byte behind");
        assertFalse(r.acceptsReset(0xFFFF_FFF1), "the stream's first byte");
        assertFalse(r.acceptsReset(0x55 + (int) StreamReassembler.MAX_WINDOW + 1), "past any window");
    }
    /** Past its depth the stream no longer follows its sender: only a reset behind it is known to be dropped. */
    @Test
    void aStreamPastItsDepthRefusesOnlyResetsBehindIt() {
        StreamReassembler r = new StreamReassembler(sink, budget, 1024, 64 * 1024);
        r.segment(0, true, ByteBuffer.allocate(0), 0, 0);
        send(r, 1, "x".repeat(1024));
        assertTrue(r.done());
        assertFalse(r.acceptsReset(1000), "behind the bytes seen");
        assertTrue(r.acceptsReset(1025 + (int) StreamReassembler.MAX_WINDOW + 1), "the sender went on unseen");
    }
}
