package io.netwatch.agent.inspect.tls;

import static io.netwatch.agent.inspect.tls.TlsBytes.TLS10;
import static io.netwatch.agent.inspect.tls.TlsBytes.TLS12;
import static io.netwatch.agent.inspect.tls.TlsBytes.TLS13;
import static io.netwatch.agent.inspect.tls.TlsBytes.alpn;
import static io.netwatch.agent.inspect.tls.TlsBytes.ext;
import static io.netwatch.agent.inspect.tls.TlsBytes.hex;
import static io.netwatch.agent.inspect.tls.TlsBytes.sni;
import static io.netwatch.agent.inspect.tls.TlsBytes.u16ListExt;
import static io.netwatch.agent.inspect.tls.TlsBytes.w;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TlsHelloParserTest {

    static ClientHelloResult client(byte[] body) {
        return TlsHelloParser.parseClientHello(ByteBuffer.wrap(body), 0, body.length, TLS10);
    }

    static ClientHello clientOk(byte[] body) {
        ClientHelloResult r = client(body);
        return assertInstanceOf(ClientHelloResult.Ok.class, r, () -> "expected Ok, got " + r).hello();
    }

    static ServerHello serverOk(byte[] body) {
        ServerHelloResult r = TlsHelloParser.parseServerHello(ByteBuffer.wrap(body), 0, body.length, TLS12);
        return assertInstanceOf(ServerHelloResult.Ok.class, r, () -> "expected Ok, got " + r).hello();
    }

    @Test
    void chromeClientHelloWithGrease() {
        ClientHello h = clientOk(TlsBytes.chromeClientHelloBody("example.com"));
        assertFalse(h.sslv2());
        assertEquals(TLS10, h.recordVersion());
        assertEquals(TLS12, h.legacyVersion());
        assertEquals(32, h.sessionIdLength());
        assertEquals(16, h.cipherSuites().size());
        assertEquals(0x5a5a, h.cipherSuites().getFirst(), "GREASE kept in place");
        assertTrue(TlsGrease.is(h.cipherSuites().getFirst()));
        assertEquals(16, h.cipherSuiteCount());
        assertEquals(List.of(0), h.compressionMethods());
        assertEquals(List.of(0x3a3a, 0x0000, 0x0017, 0xff01, 0x000a, 0x000b, 0x0023, 0x0010, 0x0005, 0x000d, 0x0012,
                0x0033, 0x002d, 0x002b, 0x001b, 0x4469, 0x0015, 0x1a1a), h.extensions());
        assertEquals("example.com", h.sni());
        assertEquals(List.of("h2", "http/1.1"), h.alpn());
        assertEquals(List.of(0x3a3a, TLS13, TLS12), h.supportedVersions());
        assertEquals(List.of(0xeaea, 0x001d, 0x0017, 0x0018), h.supportedGroups());
        assertEquals(List.of(0), h.ecPointFormats());
        assertEquals(8, h.signatureAlgorithms().size());
        assertFalse(h.echPresent());
        assertTrue(h.grease());
        assertEquals(List.of(), h.anomalies());
        assertEquals(TLS13, TlsVersions.highestOffered(h));
    }

    @Test
    void helloWithoutExtensions() {
        ClientHello h = clientOk(TlsBytes.clientHelloBody(0x0300, 0, new int[] {0x000a, 0x002f}, null));
        assertEquals(List.of(), h.extensions());
        assertNull(h.sni());
        assertEquals(0x0300, TlsVersions.highestOffered(h));
        assertFalse(h.grease());
    }

    @Test
    void zeroLengthListsAreAnomaliesNotFailures() {
        List<byte[]> ext = List.of(ext(0x0000, hex("0000")), ext(0x0010, hex("0000")), u16ListExt(0x002b, 1),
                u16ListExt(0x000a, 2), TlsBytes.ecPointFormats(), u16ListExt(0x000d, 2));
        byte[] body = TlsBytes.clientHelloBody(TLS12, 0, new int[0], ext);
        // Also no compression methods: rewrite the compression length byte (after 2+32+1+2 bytes) to 0.
        byte[] noCompression = w().bytes(Arrays.copyOf(body, 37)).u8(0)
                .bytes(Arrays.copyOfRange(body, 39, body.length)).toBytes();
        ClientHello h = clientOk(noCompression);
        assertEquals(List.of(), h.cipherSuites());
        assertEquals(List.of(), h.compressionMethods());
        assertNull(h.sni());
        assertEquals(List.of(), h.alpn());
        assertEquals(List.of(), h.supportedVersions());
        assertEquals(List.of("no_cipher_suites", "no_compression_methods"), h.anomalies());
        assertEquals(TLS12, TlsVersions.highestOffered(h));
        assertEquals(6, h.extensions().size());
    }

    @Test
    void extensionLengthOverrunsAreMalformed() {
        byte[] good = TlsBytes.clientHelloBody(TLS12, 0, new int[] {0x1301}, List.of(sni("a.example")));
        int extLengthAt = good.length - sni("a.example").length - 2;
        byte[] blockTooLong = good.clone();
        blockTooLong[extLengthAt + 1]++;
        assertEquals(new ClientHelloResult.Malformed("extensions_overrun"), client(blockTooLong));

        byte[] oneTooLong = good.clone();
        oneTooLong[extLengthAt + 2 + 3]++;
        assertEquals(new ClientHelloResult.Malformed("extension_overruns"), client(oneTooLong));

        byte[] headerCut = TlsBytes.clientHelloBody(TLS12, 0, new int[] {0x1301}, List.of(hex("000000")));
        assertEquals(new ClientHelloResult.Malformed("extension_header_truncated"), client(headerCut));

        byte[] suitesOdd = TlsBytes.clientHelloBody(TLS12, 0, new int[] {0x1301}, null);
        suitesOdd[2 + 32 + 1 + 1] = 5; // 2 + 1 + 1 bytes follow the length
        assertEquals(new ClientHelloResult.Malformed("cipher_suites_overrun"), client(suitesOdd));
        suitesOdd[2 + 32 + 1 + 1] = 1;
        assertEquals(new ClientHelloResult.Malformed("cipher_suites_odd_length"), client(suitesOdd));
    }

    @Test
    void damageInsideAnExtensionIsAnAnomaly() {
        List<byte[]> ext = new ArrayList<>();
        ext.add(ext(0x0000, hex("0005 00 0009 6162"))); // name length runs past the list
        ext.add(ext(0x0010, hex("0004 05 6832")));       // protocol length runs past the list
        ext.add(ext(0x002b, hex("03 0304 03")));          // odd list length
        ext.add(ext(0x000a, hex("0004 001d")));           // list length larger than the data
        ext.add(ext(0x000b, hex("")));                    // no length byte
        ext.add(ext(0x000d, hex("0002 0403")));
        ext.add(ext(0x000d, hex("0002 0503")));           // duplicate: the first one counts
        ClientHello h = clientOk(TlsBytes.clientHelloBody(TLS12, 0, new int[] {0x1301}, ext));
        assertNull(h.sni());
        assertEquals(List.of(), h.alpn());
        assertEquals(List.of(TLS13), h.supportedVersions());
        assertEquals(List.of(0x001d), h.supportedGroups());
        assertEquals(List.of(0x0403), h.signatureAlgorithms());
        assertEquals(List.of("sni_malformed", "alpn_malformed", "supported_versions_malformed",
                "supported_groups_malformed", "ec_point_formats_malformed", "duplicate_extension"), h.anomalies());
    }

    @Test
    void sniIsTheFirstHostNameCappedAndChecked() {
        String longName = "a".repeat(300);
        byte[] name = TlsBytes.ascii(longName);
        byte[] twoNames = ext(0x0000, w().u16(3 + 2 + 3 + name.length).u8(1).u16(2).u8('x').u8('y')
                .u8(0).u16(name.length).bytes(name).toBytes());
        ClientHello h = clientOk(TlsBytes.clientHelloBody(TLS12, 0, new int[] {0x1301}, List.of(twoNames)));
        assertEquals("a".repeat(TlsHelloParser.MAX_SNI_LENGTH), h.sni());
        assertEquals(List.of("sni_truncated"), h.anomalies());

        ClientHello odd = clientOk(TlsBytes.clientHelloBody(TLS12, 0, new int[] {0x1301}, List.of(sni("bad\nname"))));
        assertEquals("bad\nname", odd.sni());
        assertEquals(List.of("sni_not_hostname"), odd.anomalies());
    }

    @Test
    void echAndCappedLists() {
        int[] suites = new int[TlsHelloParser.MAX_CIPHER_SUITES + 3];
        for (int i = 0; i < suites.length; i++) {
            suites[i] = i;
        }
        String[] protocols = new String[TlsHelloParser.MAX_ALPN_PROTOCOLS + 2];
        Arrays.fill(protocols, "h2");
        ClientHello h = clientOk(TlsBytes.clientHelloBody(TLS12, 0, suites,
                List.of(ext(0xfe0d, new byte[20]), alpn(protocols))));
        assertTrue(h.echPresent());
        assertEquals(TlsHelloParser.MAX_CIPHER_SUITES, h.cipherSuites().size());
        assertEquals(suites.length, h.cipherSuiteCount());
        assertEquals(TlsHelloParser.MAX_ALPN_PROTOCOLS, h.alpn().size());
        assertEquals(List.of("cipher_suites_capped", "alpn_capped"), h.anomalies());

        List<byte[]> many = new ArrayList<>();
        for (int i = 0; i < TlsHelloParser.MAX_EXTENSIONS + 10; i++) {
            many.add(ext(0x1000 + i, new byte[0]));
        }
        ClientHello capped = clientOk(TlsBytes.clientHelloBody(TLS12, 0, new int[] {1}, many));
        assertEquals(TlsHelloParser.MAX_EXTENSIONS, capped.extensions().size());
        assertEquals(List.of("extensions_capped"), capped.anomalies());
    }

    @Test
    void clientHelloTruncatedAtEveryLengthNeverThrows() {
        byte[] body = TlsBytes.chromeClientHelloBody("example.com");
        int ok = 0;
        for (int k = 0; k < body.length; k++) {
            ClientHelloResult r = TlsHelloParser.parseClientHello(ByteBuffer.wrap(body), 0, k, -1);
            if (r instanceof ClientHelloResult.Ok) {
                ok++;
            }
        }
        // Only the cut right after the compression methods is a complete (extension-less) hello.
        assertEquals(1, ok);
        for (int k = 0; k < body.length; k++) {
            TlsHelloParser.parseServerHello(ByteBuffer.wrap(body), 0, k, -1);
            TlsHelloParser.parseSslv2ClientHello(ByteBuffer.wrap(body), 0, k);
            TlsHelloParser.parseSslv2ServerHello(ByteBuffer.wrap(body), 0, k);
        }
    }

    @Test
    void serverHelloTls13() {
        List<byte[]> ext = List.of(ext(0x002b, hex("0304")), ext(0x0033, w().u16(0x001d).u16(32).zeros(32).toBytes()));
        ServerHello h = serverOk(TlsBytes.serverHelloBody(TLS12, TlsBytes.random(1), 0x1301, ext));
        assertEquals(TLS12, h.legacyVersion());
        assertEquals(TLS13, h.selectedVersion());
        assertEquals(TLS13, TlsVersions.selected(h));
        assertEquals(0x1301, h.cipherSuite());
        assertEquals(0, h.compressionMethod());
        assertEquals(List.of(0x002b, 0x0033), h.extensions());
        assertEquals(0x001d, h.keyShareGroup());
        assertFalse(h.helloRetryRequest());
        assertEquals(-1, h.downgradeSentinel());
        assertNull(h.alpn());
    }

    @Test
    void helloRetryRequest() {
        List<byte[]> ext = List.of(ext(0x002b, hex("0304")), ext(0x0033, hex("0017")));
        ServerHello h = serverOk(TlsBytes.serverHelloBody(TLS12, TlsBytes.HRR_RANDOM, 0x1302, ext));
        assertTrue(h.helloRetryRequest());
        assertEquals(0x0017, h.keyShareGroup());
        assertEquals(0x1302, h.cipherSuite());
    }

    @Test
    void serverHelloTls12WithAlpnAndDowngradeSentinel() {
        byte[] random = TlsBytes.random(9);
        System.arraycopy(hex("444f574e47524401"), 0, random, 24, 8);
        ServerHello h = serverOk(TlsBytes.serverHelloBody(TLS12, random, 0xc02f,
                List.of(ext(0xff01, hex("00")), alpn("h2"))));
        assertEquals("h2", h.alpn());
        assertEquals(-1, h.selectedVersion());
        assertEquals(TLS12, TlsVersions.selected(h));
        assertEquals(1, h.downgradeSentinel());
        assertEquals(List.of(), h.anomalies());

        ServerHello old = serverOk(TlsBytes.serverHelloBody(0x0300, TlsBytes.random(2), 0x000a, null));
        assertEquals(List.of(), old.extensions());
        assertEquals(0x0300, TlsVersions.selected(old));
    }

    @Test
    void serverHelloMalformed() {
        byte[] body = TlsBytes.serverHelloBody(TLS12, TlsBytes.random(1), 0x1301, List.of(ext(0x002b, hex("0304"))));
        for (int k = 0; k < body.length; k++) {
            ServerHelloResult r = TlsHelloParser.parseServerHello(ByteBuffer.wrap(body), 0, k, TLS12);
            boolean completeWithoutExtensions = k == 2 + 32 + 1 + 32 + 3;
            assertEquals(completeWithoutExtensions, r instanceof ServerHelloResult.Ok, "prefix " + k + ": " + r);
        }
    }

    @Test
    void sslv2ClientHello() {
        byte[] body = hex("0002 0015 0000 0010 0700c0 050080 030080 010080 060040 040080 020080"
                + "000102030405060708090a0b0c0d0e0f");
        ClientHello h = assertInstanceOf(ClientHelloResult.Ok.class,
                TlsHelloParser.parseSslv2ClientHello(ByteBuffer.wrap(body), 0, body.length)).hello();
        assertTrue(h.sslv2());
        assertEquals(0x0002, h.legacyVersion());
        assertEquals(0x0002, h.recordVersion());
        assertEquals(List.of(0x0700c0, 0x050080, 0x030080, 0x010080, 0x060040, 0x040080, 0x020080), h.cipherSuites());
        assertEquals(16, h.challengeLength());
        assertEquals(0, h.sessionIdLength());
        assertNull(h.sni());
        assertEquals(List.of(), h.anomalies());
        assertEquals(0x0002, TlsVersions.highestOffered(h));

        byte[] compat = hex("0301 0006 0000 0010 00002f 010080" + "ab".repeat(16));
        ClientHello c = assertInstanceOf(ClientHelloResult.Ok.class,
                TlsHelloParser.parseSslv2ClientHello(ByteBuffer.wrap(compat), 0, compat.length)).hello();
        assertEquals(TLS10, TlsVersions.highestOffered(c));
        assertEquals(List.of(0x00002f, 0x010080), c.cipherSuites());

        assertEquals(new ClientHelloResult.Malformed("sslv2_lengths_overrun"),
                TlsHelloParser.parseSslv2ClientHello(ByteBuffer.wrap(compat), 0, compat.length - 1));
        byte[] badSpecs = hex("0301 0004 0000 0010 00002f01" + "ab".repeat(16));
        assertEquals(new ClientHelloResult.Malformed("cipher_specs_bad_length"),
                TlsHelloParser.parseSslv2ClientHello(ByteBuffer.wrap(badSpecs), 0, badSpecs.length));
    }

    @Test
    void sslv2ServerHello() {
        byte[] body = hex("00 01 0002 0003 0006 0010 aabbcc 010080 0700c0 " + "11".repeat(16));
        ServerHello h = assertInstanceOf(ServerHelloResult.Ok.class,
                TlsHelloParser.parseSslv2ServerHello(ByteBuffer.wrap(body), 0, body.length)).hello();
        assertTrue(h.sslv2());
        assertEquals(0x0002, h.legacyVersion());
        assertEquals(-1, h.cipherSuite());
        assertEquals(List.of(0x010080, 0x0700c0), h.sslv2CipherSpecs());
        assertEquals(0x0002, TlsVersions.selected(h));
    }

    @Test
    void wrongMessageTypeForTheParser() {
        HandshakeMessage cert = new HandshakeMessage(11, false, TLS12, ByteBuffer.allocate(4), 0, 4, false);
        assertEquals(new ClientHelloResult.Malformed("not_client_hello"), TlsHelloParser.parseClientHello(cert));
        assertEquals(new ServerHelloResult.Malformed("not_server_hello"), TlsHelloParser.parseServerHello(cert));
    }
}
