package io.netwatch.agent.inspect.quic;

import static io.netwatch.agent.Frames.ethernet;
import static io.netwatch.agent.Frames.ipv4;
import static io.netwatch.agent.Frames.ipv4Packet;
import static io.netwatch.agent.Frames.udp;
import static io.netwatch.agent.inspect.quic.InitialSealer.crypto;
import static io.netwatch.agent.inspect.quic.InitialSealer.seal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.Inspector;
import io.netwatch.agent.inspect.MessageKind;
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
        datagram(50000, payload);
    }

    private void datagram(int clientPort, byte[] payload) {
        byte[] l4 = udp(clientPort, 443, payload.length);
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

    /** A client Initial that cannot be opened: its AEAD tag does not match (one ciphertext byte flipped). */
    private static byte[] undecryptable() {
        byte[] p = hello();
        p[p.length - 40] ^= 1;
        return p;
    }

    private static byte[] hello() {
        return seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(crypto(0, QuicInitialTest.CLIENT_HELLO))));
    }

    private Flow flowFrom(int clientPort) {
        return flows.stream().filter(f -> f.getSource().getPort() == clientPort).findFirst().orElseThrow();
    }

    @Test
    void initialsThatHideTheHelloPastTheBoundAreCountedAndTheFlowIsNamed() {
        // Anyone on the flow's 5-tuple can send Initials first that the server drops unopened;
        // the bound on those looked at stays (each costs a key derivation and an AEAD), so the
        // real hello behind them goes unread, but not silently.
        for (int i = 0; i < 16; i++) {
            datagram(50000, undecryptable());
        }
        datagram(50000, hello());
        // One short of the bound: the hello is read, nothing given up.
        for (int i = 0; i < 15; i++) {
            datagram(50001, undecryptable());
        }
        datagram(50001, hello());
        // Another protocol on 443 (a VPN, DTLS): no Initial ever came, so no QUIC hello was missed.
        for (int i = 0; i < 20; i++) {
            byte[] p = new byte[1200];
            p[0] = 0x17;
            datagram(50002, p);
        }
        pipeline.finish();
        Inspector i = pipeline.inspector();
        assertEquals(31, i.malformedMessages(MessageKind.QUIC));
        assertEquals(1, i.quicDirectionsGivenUp());
        Flow hidden = flowFrom(50000);
        assertFalse(hidden.hasTls());
        assertEquals("quic", hidden.getAppProto(), "its datagrams were QUIC Initials");
        assertEquals("example.com", flowFrom(50001).getTls().getSni());
        assertEquals("", flowFrom(50002).getAppProto());
    }

    @Test
    void initialsOpenedWithoutAHelloCountTowardTheBoundAlikeAndSoDoesTheCryptoCap() {
        // Opened, carrying no CRYPTO data (a PING and padding): as cheap to send as the junk above.
        for (int i = 0; i < 16; i++) {
            datagram(50000, seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                    QuicInitialTest.padded(new byte[] {0x01})).withPn(i, 1)));
        }
        datagram(50000, seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(crypto(0, QuicInitialTest.CLIENT_HELLO))).withPn(16, 1)));
        // A first message announced longer than the 16 KiB of CRYPTO data kept can never be read.
        datagram(50001, seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(crypto(0, new byte[] {1, 1, 0, 0, 3, 3})))));
        pipeline.finish();
        assertEquals(2, pipeline.inspector().quicDirectionsGivenUp());
        assertFalse(flowFrom(50000).hasTls());
        assertEquals("quic", flowFrom(50001).getAppProto());
    }

    @Test
    void cryptoDataPastWhatIsKeptDoesNotEndTheSearch() {
        // Bytes past the 16 KiB kept are dropped, not stored: they cannot stand in the way of a
        // hello from offset 0, and one such Initial sent first used to end the search.
        datagram(seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(crypto(20_000, new byte[] {1, 2, 3}))).withPn(0, 1)));
        datagram(seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(crypto(0, QuicInitialTest.CLIENT_HELLO))).withPn(1, 1)));
        pipeline.finish();
        assertEquals("example.com", flows.getFirst().getTls().getSni());
        assertEquals(0, pipeline.inspector().quicDirectionsGivenUp());
    }

    @Test
    void aClientsFirstMessageThatIsNoHelloIsCountedMalformed() {
        // A whole handshake message of another type (a Finished, 20) where the ClientHello must be:
        // no hello will follow it on this stream, so the direction is done, not silently.
        datagram(seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(crypto(0, new byte[] {20, 0, 0, 2, 0, 0})))));
        pipeline.finish();
        assertEquals(1, pipeline.inspector().malformedMessages(MessageKind.QUIC));
        assertFalse(flows.getFirst().hasTls());
    }
}
