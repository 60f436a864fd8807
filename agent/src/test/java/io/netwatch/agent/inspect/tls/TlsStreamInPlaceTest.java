package io.netwatch.agent.inspect.tls;

import static io.netwatch.agent.Frames.ethernet;
import static io.netwatch.agent.Frames.ipv4;
import static io.netwatch.agent.Frames.ipv4Packet;
import static io.netwatch.agent.Frames.tcp;
import static io.netwatch.agent.inspect.tls.TlsBytes.TLS12;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.InspectionEvent;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.flow.v1.Flow;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hellos read where they arrive, segment by segment, rather than from kept stream bytes: the
 * stream must read the same as when it was kept whole.
 */
class TlsStreamInPlaceTest {
    private final List<Flow> flows = new ArrayList<>();
    private final List<InspectionEvent> events = new ArrayList<>();
    private final Pipeline pipeline = Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(),
            DetectionConfig.defaults(), InspectionConfig.defaults(), Signatures.none(), flows::add, a -> { },
            events::add);
    private final byte[] client = ipv4(10, 0, 0, 1);
    private final byte[] server = ipv4(10, 0, 0, 2);
    private long t = 1_700_000_000_000_000_000L;
    private int clientSeq = 101;

    private void clientSegment(byte[] payload) {
        byte[] tcp = tcp(40000, 443, 0x18, clientSeq, payload.length);
        System.arraycopy(payload, 0, tcp, 20, payload.length);
        byte[] f = ethernet(0x0800, ipv4Packet(client, server, 6, tcp));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
        clientSeq += payload.length;
    }

    private void handshake() {
        for (byte[] f : List.of(
                ethernet(0x0800, ipv4Packet(client, server, 6, tcp(40000, 443, 0x02, 100, 0))),
                ethernet(0x0800, ipv4Packet(server, client, 6, tcp(443, 40000, 0x12, 500, 0))),
                ethernet(0x0800, ipv4Packet(client, server, 6, tcp(40000, 443, 0x10, 101, 0))))) {
            pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
        }
    }

    private static byte[] helloRecord(String host) {
        return TlsBytes.record(TlsRecordReader.CONTENT_HANDSHAKE, TLS12,
                TlsBytes.handshake(HandshakeMessage.CLIENT_HELLO, TlsBytes.chromeClientHelloBody(host)));
    }

    private List<String> clientHelloSnis() {
        return events.stream().filter(e -> e instanceof InspectionEvent.Tls tls && tls.client() != null)
                .map(e -> ((InspectionEvent.Tls) e).client().sni()).toList();
    }

    @Test
    void aSecondHelloAfterAChangeCipherSpecInTheNextSegmentIsRead() {
        // The client's answer to a HelloRetryRequest in compatibility mode: ChangeCipherSpec,
        // then a second plaintext ClientHello, one segment after the first hello.
        handshake();
        clientSegment(helloRecord("first.example"));
        clientSegment(TlsBytes.concat(TlsBytes.record(TlsRecordReader.CONTENT_CHANGE_CIPHER_SPEC, TLS12,
                new byte[] {1}), helloRecord("second.example")));
        pipeline.finish();
        assertEquals(List.of("first.example", "second.example"), clientHelloSnis());
        assertEquals("second.example", flows.getFirst().getTls().getSni(), "the record keeps the last hello");
    }

    @Test
    void aHelloCutAcrossSegmentsAfterAWholeOneIsReadFromTheKeptBytes() {
        handshake();
        clientSegment(helloRecord("first.example"));
        byte[] second = TlsBytes.concat(TlsBytes.record(TlsRecordReader.CONTENT_CHANGE_CIPHER_SPEC, TLS12,
                new byte[] {1}), helloRecord("second.example"));
        clientSegment(java.util.Arrays.copyOfRange(second, 0, 40));
        clientSegment(java.util.Arrays.copyOfRange(second, 40, second.length));
        pipeline.finish();
        assertEquals(List.of("first.example", "second.example"), clientHelloSnis());
    }
}
