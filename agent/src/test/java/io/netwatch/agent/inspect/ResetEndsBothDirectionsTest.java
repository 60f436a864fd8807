package io.netwatch.agent.inspect;

import static io.netwatch.agent.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.flow.v1.Flow;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A reset from a direction inspection is done with still ends the other direction: the
 * flow table passes it on, and the peer's held bytes go back to the budget at once, not at
 * the flow's end after the closed timeout.
 */
class ResetEndsBothDirectionsTest {
    private final List<Flow> flows = new ArrayList<>();
    private final List<InspectionEvent> events = new ArrayList<>();
    private final Pipeline pipeline = Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(),
            DetectionConfig.defaults(), InspectionConfig.defaults(), flows::add, AnomalySink.NONE, events::add);
    private long t = 1_700_000_000_000_000_000L;

    private void segment(byte[] src, int sport, byte[] dst, int dport, int flags, int seq, String data) {
        byte[] payload = data.getBytes(StandardCharsets.ISO_8859_1);
        byte[] tcp = tcp(sport, dport, flags, seq, payload.length);
        System.arraycopy(payload, 0, tcp, 20, payload.length);
        byte[] f = ethernet(0x0800, ipv4Packet(src, dst, 6, tcp));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }

    @Test
    void aResetFromADoneDirectionEndsThePeersHoleAndGivesBackItsBytes() {
        byte[] c = ipv4(10, 0, 0, 1);
        byte[] s = ipv4(10, 0, 0, 2);
        segment(c, 40000, s, 22, 0x02, 100, "");
        segment(s, 22, c, 40000, 0x12, 500, "");
        segment(c, 40000, s, 22, 0x10, 101, "");
        // The client's banner, whole: its direction is done, the flow table stops showing it.
        segment(c, 40000, s, 22, 0x18, 101, "SSH-2.0-OpenSSH_8.9p1\r\n");
        // The server's banner: its second half arrives, its first is lost by the capture.
        segment(s, 22, c, 40000, 0x18, 510, "OpenSSH_9.6\r\n");
        assertTrue(pipeline.inspector().heldBytes() > 0);
        // The client resets the connection: no byte follows in either direction.
        segment(c, 40000, s, 22, 0x14, 124, "");
        assertEquals(0, pipeline.inspector().heldBytes(), "the server's held bytes wait for the flow's end");
        assertEquals(1, pipeline.inspector().streamGaps(), "the server's lost first half is a gap");
    }
}
