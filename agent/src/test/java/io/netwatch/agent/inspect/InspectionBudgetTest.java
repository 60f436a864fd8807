package io.netwatch.agent.inspect;

import static io.netwatch.agent.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.InspectionLimit;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The inspection budget shared by all flows, against one pod that fills it on purpose: streams
 * it stalls behind holes it never fills, each at its own bound, so that the next flow's bytes
 * find no room. Such a pod must not blind inspection to another flow, its own attack's or
 * another pod's: the flow that holds the most gives way to one that holds less.
 */
class InspectionBudgetTest {
    /** Out-of-order bytes one direction may hold, and the budget: four such directions fill it. */
    private static final int PENDING = 16 * 1024;
    private static final int BUDGET = 4 * PENDING;

    private final List<Flow> flows = new ArrayList<>();
    private final List<InspectionEvent> events = new ArrayList<>();
    private final Pipeline pipeline = Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(),
            DetectionConfig.defaults(), new InspectionConfig(64 * 1024, PENDING, BUDGET, 65_536), flows::add,
            AnomalySink.NONE, events::add);
    private long t = 1_700_000_000_000_000_000L;

    private static final byte[] ATTACKER = ipv4(10, 0, 0, 66);
    private static final byte[] CLIENT = ipv4(10, 0, 0, 1);
    private static final byte[] SERVER = ipv4(10, 0, 0, 2);

    private void segment(byte[] src, int sport, byte[] dst, int dport, int flags, int seq, byte[] payload) {
        byte[] tcp = tcp(sport, dport, flags, seq, payload.length);
        System.arraycopy(payload, 0, tcp, 20, payload.length);
        byte[] f = ethernet(0x0800, ipv4Packet(src, dst, 6, tcp));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }

    private void segment(byte[] src, int sport, byte[] dst, int dport, int flags, int seq, String data) {
        segment(src, sport, dst, dport, flags, seq, data.getBytes(StandardCharsets.ISO_8859_1));
    }

    private void handshake(byte[] c, int cport, byte[] s, int sport) {
        segment(c, cport, s, sport, 0x02, 100, "");
        segment(s, sport, c, cport, 0x12, 500, "");
        segment(c, cport, s, sport, 0x10, 101, "");
    }

    /** Four connections, each holding its direction's bound of bytes behind a hole never filled. */
    private void fillTheBudget() {
        for (int i = 0; i < 4; i++) {
            handshake(ATTACKER, 50000 + i, SERVER, 8080);
            segment(ATTACKER, 50000 + i, SERVER, 8080, 0x18, 101 + 1, new byte[PENDING]);
        }
        assertEquals(BUDGET, pipeline.inspector().heldBytes(), "the pod holds the whole budget");
    }

    private long log4ShellAlerts() {
        return events.stream().filter(e -> e instanceof InspectionEvent.Alert a && a.rule().sid() == 9100001).count();
    }

    @Test
    void anAttackSplitAcrossSegmentsIsMatchedWhileAnotherFlowHoldsTheBudget() {
        fillTheBudget();
        handshake(CLIENT, 40000, SERVER, 80);
        // The first segment's bytes are kept for the rules: there was no room, the flow's
        // inspection stopped, and the second segment was never matched.
        segment(CLIENT, 40000, SERVER, 80, 0x18, 101, "GET /?q=${jn");
        segment(CLIENT, 40000, SERVER, 80, 0x18, 113, "di:ldap://x/a} HTTP/1.1\r\nHost: h\r\n\r\n");
        assertEquals(1, log4ShellAlerts());
        Inspector i = pipeline.inspector();
        assertEquals(0, i.memoryStops(), "the flow was not stopped");
        assertEquals(1, i.memoryReclaims(), "the largest holder gave its bytes back, counted");
        assertTrue(i.heldBytes() <= BUDGET);
    }

    @Test
    void anAttackSentOutOfOrderIsMatchedWhileAnotherFlowHoldsTheBudget() {
        fillTheBudget();
        handshake(CLIENT, 40001, SERVER, 80);
        // The second half first: not held for want of room, the direction waited for it
        // forever, and nothing after the first half was ever read.
        segment(CLIENT, 40001, SERVER, 80, 0x18, 113, "di:ldap://x/a} HTTP/1.1\r\nHost: h\r\n\r\n");
        segment(CLIENT, 40001, SERVER, 80, 0x18, 101, "GET /?q=${jn");
        assertEquals(1, log4ShellAlerts());
        assertEquals(0, pipeline.inspector().budgetRefusals());
    }

    @Test
    void aFlowKeepingTheMostForItsParsersStopsForOneThatNeedsLittle() {
        // A TLS record announced at 16 KiB and never finished: its bytes are kept to read the
        // hello when it is whole, with the rules' payload bytes.
        handshake(ATTACKER, 50010, SERVER, 443);
        byte[] hello = new byte[15_000];
        byte[] head = {0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x3F, (byte) 0xFC, 0x03, 0x03};
        System.arraycopy(head, 0, hello, 0, head.length);
        segment(ATTACKER, 50010, SERVER, 443, 0x18, 101, hello);
        Inspector i = pipeline.inspector();
        long kept = i.heldBytes();
        assertTrue(kept > PENDING, "the hello's flow keeps " + kept);
        // Stalled streams for the rest of the budget, each smaller than the hello's flow.
        long rest = BUDGET - kept;
        for (int k = 0; rest > 0; k++) {
            int n = (int) Math.min(rest, PENDING - 1024);
            handshake(ATTACKER, 50020 + k, SERVER, 8080);
            segment(ATTACKER, 50020 + k, SERVER, 8080, 0x18, 102, new byte[n]);
            rest -= n;
        }
        assertEquals(BUDGET, i.heldBytes());
        handshake(CLIENT, 40003, SERVER, 80);
        segment(CLIENT, 40003, SERVER, 80, 0x18, 101, "GET /?q=${jn");
        segment(CLIENT, 40003, SERVER, 80, 0x18, 113, "di:ldap://x/a} HTTP/1.1\r\nHost: h\r\n\r\n");
        assertEquals(1, log4ShellAlerts());
        assertEquals(1, i.memoryReclaims());
        assertEquals(1, i.memoryStops(), "the hello's flow stopped, counted");
        // Its later bytes are not read (its inspection stopped), and nothing is reserved for them.
        long before = i.heldBytes();
        segment(ATTACKER, 50010, SERVER, 443, 0x18, 101 + hello.length, new byte[1000]);
        assertEquals(before, i.heldBytes());
        pipeline.finish();
        assertEquals(0, i.heldBytes());
        Flow tls = flows.stream().filter(f -> f.getDestination().getPort() == 443).findFirst().orElseThrow();
        assertEquals("tls", tls.getAppProto(), "the stopped flow's record keeps what was learnt");
        assertEquals(InspectionLimit.INSPECTION_LIMIT_MEMORY, tls.getInspectionLimit(), "and says it was cut short");
        Flow exploit = flows.stream().filter(f -> f.getSource().getPort() == 40003).findFirst().orElseThrow();
        assertEquals(InspectionLimit.INSPECTION_LIMIT_NONE, exploit.getInspectionLimit());
    }

    @Test
    void aHolderGivesWayOnlyToOneThatWouldHoldLessThanIt() {
        fillTheBudget();
        // A fifth stalled stream of the same size finds the others no larger than itself
        // would be: it is refused, as before, and nobody's bytes are taken.
        handshake(ATTACKER, 50004, SERVER, 8080);
        segment(ATTACKER, 50004, SERVER, 8080, 0x18, 101 + 1, new byte[PENDING]);
        Inspector i = pipeline.inspector();
        assertEquals(1, i.budgetRefusals());
        assertEquals(0, i.memoryReclaims());
        assertEquals(BUDGET, i.heldBytes());
    }

    @Test
    void whatAFlowGaveBackComesBackToTheBudgetWhenItsFlowsEnd() {
        fillTheBudget();
        handshake(CLIENT, 40002, SERVER, 80);
        segment(CLIENT, 40002, SERVER, 80, 0x18, 101, "GET /?q=${jn");
        pipeline.finish();
        assertEquals(0, pipeline.inspector().heldBytes(), "nothing is reserved twice or left behind");
        assertEquals(5, flows.size());
    }
}
