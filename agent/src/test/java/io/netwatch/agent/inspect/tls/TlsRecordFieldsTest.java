package io.netwatch.agent.inspect.tls;

import static io.netwatch.agent.inspect.tls.TlsBytes.TLS12;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netwatch.agent.inspect.RecordFieldsConversation;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.TLS;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A TLS flow's records: the client's fields (SNI, offered version, ALPN, fingerprints) come
 * from its ClientHello, the cipher suite from the ServerHello. The hellos are not kept, only
 * the fields; a record made between the two hellos must not stay in the later ones.
 */
class TlsRecordFieldsTest {
    private static final long SECOND = RecordFieldsConversation.SECOND;
    private static final int TLS_AES_128_GCM_SHA256 = 0x1301;
    private final RecordFieldsConversation tls = new RecordFieldsConversation(40000, 443);

    private List<TLS> summaries() {
        return tls.flows.stream().filter(Flow::hasTls).map(Flow::getTls).toList();
    }

    @Test
    void theServerHelloAddsItsCipherSuiteToTheClientsFieldsAfterAnInterimRecord() {
        tls.handshake();
        tls.segment(true, 0x18, TlsBytes.record(TlsRecordReader.CONTENT_HANDSHAKE, TLS12,
                TlsBytes.handshake(HandshakeMessage.CLIENT_HELLO, TlsBytes.chromeClientHelloBody("shop.example"))));
        // A slow server: its ACK comes past the active timeout, so the flow reports before the hello.
        tls.pass(3 * SECOND / 2);
        tls.segment(false, 0x10, new byte[0]);
        List<TLS> interim = summaries();
        assertEquals(1, interim.size(), "one interim record: " + tls.flows);
        TLS before = interim.getFirst();
        assertEquals("shop.example", before.getSni());
        assertFalse(before.getJa4().isEmpty());
        assertEquals("", before.getCipherSuite(), "no ServerHello yet");

        tls.segment(false, 0x18, TlsBytes.record(TlsRecordReader.CONTENT_HANDSHAKE, TLS12,
                TlsBytes.handshake(HandshakeMessage.SERVER_HELLO, TlsBytes.serverHelloBody(TLS12, TlsBytes.random(7),
                        TLS_AES_128_GCM_SHA256, List.of()))));
        tls.finish();

        TLS last = summaries().getLast();
        assertEquals(2, summaries().size(), "the interim record and the final one: " + tls.flows);
        assertEquals(TlsVersions.hex16(TLS_AES_128_GCM_SHA256), last.getCipherSuite());
        assertEquals(before.toBuilder().setCipherSuite(last.getCipherSuite()).build(), last,
                "the client's fields stay as they were");
    }
}
