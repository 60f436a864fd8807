package io.netwatch.agent.inspect.quic;

import static io.netwatch.agent.Frames.ethernet;
import static io.netwatch.agent.Frames.ipv4;
import static io.netwatch.agent.Frames.ipv4Packet;
import static io.netwatch.agent.Frames.udp;
import static io.netwatch.agent.inspect.quic.InitialSealer.crypto;
import static io.netwatch.agent.inspect.quic.InitialSealer.seal;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.quic.InitialSealer.Spec;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.flow.v1.Flow;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** QUIC Initials through the pipeline: what the flow state carries from one datagram to the next. */
class QuicFlowTest {
    private static final byte[] CLIENT = ipv4(10, 0, 0, 1);
    private static final byte[] SERVER = ipv4(10, 0, 0, 2);

    private final List<Flow> flows = new ArrayList<>();
    private final Pipeline pipeline = Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(),
            DetectionConfig.defaults(), flows::add, AnomalySink.NONE);
    private long t = 1_700_000_000_000_000_000L;

    private void datagram(byte[] payload) {
        byte[] l4 = udp(50000, 443, payload.length);
        System.arraycopy(payload, 0, l4, 8, payload.length);
        byte[] f = ethernet(0x0800, ipv4Packet(CLIENT, SERVER, 17, l4));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }

    @Test
    void aLaterInitialsTruncatedPacketNumberDecodesAgainstTheLargestSoFar() {
        // A ClientHello over two datagrams. The first Initial is packet 290 (2-byte encoding); the
        // second is packet 291 sent in one byte, 0x23: a receiver that has seen 290 reads 291
        // (RFC 9000 A.3), one that assumes no earlier packet reads 35, derives the wrong nonce
        // and cannot open it. Packet numbers need not start low: a sender may skip them.
        byte[] hello = QuicInitialTest.CLIENT_HELLO;
        int cut = 150;
        datagram(seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(crypto(0, Arrays.copyOf(hello, cut)))).withPn(290, 2)));
        datagram(seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(crypto(cut, Arrays.copyOfRange(hello, cut, hello.length)))).withPn(291, 1)));
        pipeline.finish();
        assertEquals(1, flows.size());
        Flow f = flows.getFirst();
        assertEquals("quic", f.getAppProto());
        assertEquals("example.com", f.getTls().getSni());
    }
}
