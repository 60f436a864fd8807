package io.netwatch.agent.inspect.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class TlsVersionsTest {

    @Test
    void namesAsTheReferenceWritesThem() {
        assertEquals("SSL 2.0", TlsVersions.name(0x0002));
        assertEquals("SSL 3.0", TlsVersions.name(0x0300));
        assertEquals("TLS 1.0", TlsVersions.name(0x0301));
        assertEquals("TLS 1.1", TlsVersions.name(0x0302));
        assertEquals("TLS 1.2", TlsVersions.name(0x0303));
        assertEquals("TLS 1.3", TlsVersions.name(0x0304));
        assertEquals("TLS 1.3 draft 23", TlsVersions.name(0x7f17));
        assertEquals("TLS 1.3 draft 0", TlsVersions.name(0x7f00));
        assertEquals("GREASE", TlsVersions.name(0x0a0a));
        assertEquals("GREASE", TlsVersions.name(0xfafa));
        assertEquals("0x1a2a", TlsVersions.name(0x1a2a));
        assertEquals("0xfeff", TlsVersions.name(0xfeff));
        assertEquals("0x0305", TlsVersions.name(0x0305));
    }

    @Test
    void greaseIsExactlySixteenValues() {
        int n = 0;
        for (int v = 0; v <= 0xFFFF; v++) {
            if (TlsGrease.is(v)) {
                n++;
                assertEquals(0x0a0a, v & 0x0f0f);
                assertEquals(v >>> 8, v & 0xFF);
            }
        }
        assertEquals(16, n);
        assertFalse(TlsGrease.is(0x10a0a));
        assertFalse(TlsGrease.is(-1));
        assertTrue(TlsGrease.is(0xdada));
    }

    @Test
    void highestOfferedRanksDraftsBelowTls13() {
        assertEquals(0x7f1c, highest(0x7f1c, 0x0303));
        assertEquals(0x0304, highest(0x7f1c, 0x0304, 0x7f17));
        assertEquals(0x7f1c, highest(0x7f12, 0x7f1c));
        assertEquals(0x0304, highest(0x3a3a, 0x0304, 0x0303));
        assertEquals(0x0303, highest(0x3a3a), "only GREASE: legacy_version");
        assertEquals(0x0303, highest(), "no supported_versions: legacy_version");
    }

    private static int highest(int... versions) {
        List<byte[]> ext = versions.length == 0 ? List.of() : List.of(TlsBytes.u16ListExt(0x002b, 1, versions));
        byte[] body = TlsBytes.clientHelloBody(0x0303, 0, new int[] {0x1301}, ext);
        ClientHello h = ((ClientHelloResult.Ok) TlsHelloParser.parseClientHello(ByteBuffer.wrap(body), 0,
                body.length, 0x0301)).hello();
        return TlsVersions.highestOffered(h);
    }
}
