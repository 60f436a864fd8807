package io.netwatch.agent.inspect.tls;

import static io.netwatch.agent.Frames.ethernet;
import static io.netwatch.agent.Frames.ipv4;
import static io.netwatch.agent.Frames.ipv4Packet;
import static io.netwatch.agent.Frames.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.InspectionEvent;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.flow.v1.Flow;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The inspection budget bounds what all flows keep together, not only out-of-order segments:
 * many connections that each start a large TLS hello and never finish it (each within its
 * own bounds: 32 KiB of hello, the rules' payload) would together outgrow the agent's heap.
 */
class InspectionMemoryTest {
    private static final int BUDGET = 128 * 1024;
    /** What one flow may keep at most: a TLS prefix per direction and the rules' payload arrays. */
    private static final int ONE_FLOW = 2 * 32 * 1024 + 8 * 1024;
    private static final int STALLED_FLOWS = 40;

    private final List<Flow> flows = new ArrayList<>();
    private final List<InspectionEvent> events = new ArrayList<>();
    private long t = 1_700_000_000_000_000_000L;

    private Pipeline pipeline(long budget) {
        return Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(), DetectionConfig.defaults(),
                new InspectionConfig(64 * 1024, 16 * 1024, budget, 65_536), flows::add, AnomalySink.NONE, events::add);
    }

    private void send(Pipeline p, int sport, int flags, int seq, byte[] payload) {
        byte[] l4 = tcp(sport, 443, flags, seq, payload.length);
        System.arraycopy(payload, 0, l4, 20, payload.length);
        byte[] f = ethernet(0x0800, ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), 6, l4));
        p.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }

    /** A client that announces a 16 KiB ClientHello and sends 14 KB of it, then nothing. */
    private long stalledHellos(Pipeline p) {
        long most = 0;
        for (int i = 0; i < STALLED_FLOWS; i++) {
            int port = 40_000 + i;
            send(p, port, 0x02, 100, new byte[0]);
            byte[] first = TlsBytes.w().u8(0x16).u16(TlsBytes.TLS10).u16(16_384).u8(1).u24(16_380).zeros(1391).toBytes();
            send(p, port, 0x18, 101, first);
            for (int k = 0; k < 9; k++) {
                send(p, port, 0x18, 101 + first.length + k * 1400, new byte[1400]);
            }
            most = Math.max(most, p.inspector().heldBytes());
        }
        return most;
    }

    @Test
    void flowsThatWouldPassTheBudgetStopBeingInspectedAndTheOthersGoOn() {
        Pipeline p = pipeline(BUDGET);
        long most = stalledHellos(p);
        assertTrue(p.inspector().memoryStops() > 0, "no flow was stopped");
        assertTrue(most <= BUDGET + ONE_FLOW, "held " + most + " bytes with a budget of " + BUDGET);

        // A hello in one segment is read in place: it needs no kept bytes, so the budget spent
        // by the stalled flows does not blind inspection of a well-behaved one.
        byte[] hello = TlsBytes.record(0x16, TlsBytes.TLS10,
                TlsBytes.handshake(1, TlsBytes.chromeClientHelloBody("good.example")));
        send(p, 50_000, 0x02, 100, new byte[0]);
        send(p, 50_000, 0x18, 101, hello);
        assertTrue(events.stream().anyMatch(e -> e instanceof InspectionEvent.Tls tls
                && tls.client() != null && "good.example".equals(tls.client().sni())), events.toString());

        p.finish();
        assertEquals(0, p.inspector().heldBytes(), "every kept byte is given back when the flows end");
        assertEquals(STALLED_FLOWS + 1, flows.size());
    }

    @Test
    void withRoomInTheBudgetNoFlowIsStopped() {
        Pipeline p = pipeline(64L << 20);
        long most = stalledHellos(p);
        assertEquals(0, p.inspector().memoryStops());
        assertTrue(most > BUDGET, "the stalled hellos keep " + most + " bytes: more than the small budget above");
        p.finish();
        assertEquals(0, p.inspector().heldBytes());
    }
}
