package io.netwatch.agent.inspect.tls;

import static io.netwatch.agent.Frames.ethernet;
import static io.netwatch.agent.Frames.ipv4;
import static io.netwatch.agent.Frames.ipv4Packet;
import static io.netwatch.agent.Frames.tcp;
import static io.netwatch.agent.inspect.tls.TlsBytes.TLS12;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.TLS;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A TLS flow's records: the client's fields (SNI, offered version, ALPN, fingerprints) come
 * from its ClientHello, the cipher suite from the ServerHello. The hellos are not kept, only
 * the fields; a record made between the two hellos must not stay in the later ones.
 */
class TlsRecordFieldsTest {
    private static final long SECOND = 1_000_000_000L;
    private static final int TLS_AES_128_GCM_SHA256 = 0x1301;
    private final List<Flow> flows = new ArrayList<>();
    private final Pipeline pipeline = Pipeline.create("n", List.of("eth0"),
            new FlowTableConfig(FlowTableConfig.DEFAULT_MAX_FLOWS, Duration.ofSeconds(30), Duration.ofMinutes(5),
                    Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(1)),
            DetectionConfig.defaults(), InspectionConfig.defaults(), Signatures.bundled(), flows::add, a -> { },
            e -> { });
    private final byte[] client = ipv4(10, 0, 0, 1);
    private final byte[] server = ipv4(10, 0, 0, 2);
    private long t = 1_700_000_000_000_000_000L;
    private int clientSeq = 101;
    private int serverSeq = 501;

    private void segment(boolean fromClient, int flags, byte[] payload) {
        byte[] tcp = fromClient ? tcp(40000, 443, flags, clientSeq, payload.length)
                : tcp(443, 40000, flags, serverSeq, payload.length);
        System.arraycopy(payload, 0, tcp, 20, payload.length);
        byte[] f = ethernet(0x0800, fromClient ? ipv4Packet(client, server, 6, tcp) : ipv4Packet(server, client, 6, tcp));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
        if (fromClient) {
            clientSeq += payload.length;
        } else {
            serverSeq += payload.length;
        }
    }

    private List<TLS> summaries() {
        return flows.stream().filter(Flow::hasTls).map(Flow::getTls).toList();
    }

    @Test
    void theServerHelloAddsItsCipherSuiteToTheClientsFieldsAfterAnInterimRecord() {
        for (byte[] f : List.of(
                ethernet(0x0800, ipv4Packet(client, server, 6, tcp(40000, 443, 0x02, 100, 0))),
                ethernet(0x0800, ipv4Packet(server, client, 6, tcp(443, 40000, 0x12, 500, 0))),
                ethernet(0x0800, ipv4Packet(client, server, 6, tcp(40000, 443, 0x10, 101, 0))))) {
            pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
        }
        segment(true, 0x18, TlsBytes.record(TlsRecordReader.CONTENT_HANDSHAKE, TLS12,
                TlsBytes.handshake(HandshakeMessage.CLIENT_HELLO, TlsBytes.chromeClientHelloBody("shop.example"))));
        // A slow server: its ACK comes past the active timeout, so the flow reports before the hello.
        t += 3 * SECOND / 2;
        segment(false, 0x10, new byte[0]);
        List<TLS> interim = summaries();
        assertEquals(1, interim.size(), "one interim record: " + flows);
        TLS before = interim.getFirst();
        assertEquals("shop.example", before.getSni());
        assertFalse(before.getJa4().isEmpty());
        assertEquals("", before.getCipherSuite(), "no ServerHello yet");

        segment(false, 0x18, TlsBytes.record(TlsRecordReader.CONTENT_HANDSHAKE, TLS12,
                TlsBytes.handshake(HandshakeMessage.SERVER_HELLO, TlsBytes.serverHelloBody(TLS12, TlsBytes.random(7),
                        TLS_AES_128_GCM_SHA256, List.of()))));
        pipeline.finish();

        TLS last = summaries().getLast();
        assertEquals(2, summaries().size(), "the interim record and the final one: " + flows);
        assertEquals(TlsVersions.hex16(TLS_AES_128_GCM_SHA256), last.getCipherSuite());
        assertEquals(before.toBuilder().setCipherSuite(last.getCipherSuite()).build(), last,
                "the client's fields stay as they were");
    }
}
