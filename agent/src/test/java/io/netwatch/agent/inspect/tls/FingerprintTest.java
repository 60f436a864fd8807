package io.netwatch.agent.inspect.tls;

import static io.netwatch.agent.inspect.tls.TlsBytes.CHROME_SIGNATURES;
import static io.netwatch.agent.inspect.tls.TlsBytes.CHROME_SUITES;
import static io.netwatch.agent.inspect.tls.TlsBytes.TLS10;
import static io.netwatch.agent.inspect.tls.TlsBytes.TLS12;
import static io.netwatch.agent.inspect.tls.TlsBytes.TLS13;
import static io.netwatch.agent.inspect.tls.TlsBytes.alpn;
import static io.netwatch.agent.inspect.tls.TlsBytes.ext;
import static io.netwatch.agent.inspect.tls.TlsBytes.hex;
import static io.netwatch.agent.inspect.tls.TlsBytes.sni;
import static io.netwatch.agent.inspect.tls.TlsBytes.u16ListExt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * JA4 and JA3 against published values: the JA4 specification's own example (FoxIO
 * technical_details/JA4.md), suricata-verify's ja4-tls-quic expectations (its README quotes
 * FoxIO's tool), and the JA3 tshark 4.0 computes for the same hellos.
 */
class FingerprintTest {

    static ClientHello hello(int legacyVersion, int[] suites, List<byte[]> extensions) {
        byte[] body = TlsBytes.clientHelloBody(legacyVersion, 0, suites, extensions);
        return assertInstanceOf(ClientHelloResult.Ok.class,
                TlsHelloParser.parseClientHello(ByteBuffer.wrap(body), 0, body.length, TLS10)).hello();
    }

    /** Extensions of the specification's example, in its order: 001b,0000,0033,0010,4469,0017,002d,000d,... */
    static List<byte[]> specExampleExtensions(int... signatures) {
        List<byte[]> ext = new ArrayList<>();
        ext.add(ext(0x001b, hex("020002")));
        ext.add(sni("example.com"));
        ext.add(ext(0x0033, hex("0000")));
        ext.add(alpn("h2", "http/1.1"));
        ext.add(ext(0x4469, hex("0003026832")));
        ext.add(ext(0x0017, new byte[0]));
        ext.add(ext(0x002d, hex("0101")));
        ext.add(u16ListExt(0x000d, 2, signatures));
        ext.add(ext(0x0005, hex("0100000000")));
        ext.add(ext(0x0023, new byte[0]));
        ext.add(ext(0x0012, new byte[0]));
        ext.add(u16ListExt(0x002b, 1, TLS13, TLS12));
        ext.add(ext(0xff01, hex("00")));
        ext.add(TlsBytes.ecPointFormats(0));
        ext.add(u16ListExt(0x000a, 2, 0x001d, 0x0017, 0x0018));
        ext.add(ext(0x0015, new byte[10]));
        return ext;
    }

    @Test
    void ja4SpecificationExample() {
        Ja4 ja4 = Ja4.of(hello(TLS12, CHROME_SUITES, specExampleExtensions(CHROME_SIGNATURES)), false);
        assertEquals("t13d1516h2_8daaf6152771_e5627efa2ab1", ja4.fingerprint());
        assertEquals("t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_"
                + "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_"
                + "0403,0804,0401,0503,0805,0501,0806,0601", ja4.raw());
        assertEquals(ja4.fingerprint(), ja4.toString());
    }

    @Test
    void ja4SpecificationExampleWithoutSignatureAlgorithms() {
        Ja4 ja4 = Ja4.of(hello(TLS12, CHROME_SUITES, specExampleExtensions()), false);
        assertEquals("t13d1516h2_8daaf6152771_6d807ffa2a79", ja4.fingerprint());
    }

    @Test
    void greaseChangesNothing() {
        // The suricata-verify ja4-tls-quic TCP hello's values, with GREASE in five places.
        ClientHello h = assertInstanceOf(ClientHelloResult.Ok.class, TlsHelloParser.parseClientHello(
                ByteBuffer.wrap(TlsBytes.chromeClientHelloBody("cloudflare-quic.com")), 0,
                TlsBytes.chromeClientHelloBody("cloudflare-quic.com").length, TLS10)).hello();
        assertEquals("t13d1516h2_8daaf6152771_e5627efa2ab1", Ja4.of(h, false).fingerprint());
        Ja3 ja3 = Ja3.of(h).orElseThrow();
        assertEquals("771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
                + "0-23-65281-10-11-35-16-5-13-18-51-45-43-27-17513-21,29-23-24,0", ja3.full());
        assertEquals("cd08e31494f9531f560d64c695473da9", ja3.md5());
    }

    @Test
    void quicHelloOfTheSameCapture() {
        List<byte[]> ext = List.of(alpn("h3"), sni("cloudflare-quic.com"), ext(0x002d, hex("0101")),
                ext(0x001b, hex("020002")), u16ListExt(0x000a, 2, 0x001d, 0x0017, 0x0018), ext(0x0033, hex("0000")),
                u16ListExt(0x002b, 1, TLS13), ext(0x0039, new byte[8]), ext(0x4469, hex("0003026833")),
                u16ListExt(0x000d, 2, 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201));
        ClientHello h = hello(TLS12, new int[] {0x1301, 0x1302, 0x1303}, ext);
        assertEquals("q13d0310h3_55b375c5d22e_cd85d2d88918", Ja4.of(h, true).fingerprint());
        assertEquals("771,4865-4866-4867,16-0-45-27-10-51-43-57-17513-13,29-23-24,", Ja3.of(h).orElseThrow().full());
        assertEquals("3cbc33c648fe331404456f48a5a27170", Ja3.of(h).orElseThrow().md5());
    }

    @Test
    void ja4EmptyListsNoSniNoAlpnAndCounts() {
        ClientHello bare = hello(TLS10, new int[0], null);
        assertEquals("t10i000000_000000000000_000000000000", Ja4.of(bare, false).fingerprint());

        int[] suites = new int[120];
        for (int i = 0; i < suites.length; i++) {
            suites[i] = 0x0100 + i;
        }
        ClientHello many = hello(TLS12, suites, List.of(sni("x.example"), alpn("http/1.1")));
        String f = Ja4.of(many, false).fingerprint();
        assertTrue(f.startsWith("t12d9902h1_"), f);
        assertTrue(f.endsWith("_000000000000"), "only SNI and ALPN: nothing left to hash: " + f);
    }

    @Test
    void ja4AlpnCharacters() {
        assertEquals("aa", alpnPart(new byte[] {'a'}));
        assertEquals("ab", alpnPart(new byte[] {(byte) 0xAB}));
        assertEquals("ad", alpnPart(new byte[] {(byte) 0xAB, (byte) 0xCD}));
        assertEquals("3b", alpnPart(new byte[] {0x30, (byte) 0xAB}));
        assertEquals("3d", alpnPart(new byte[] {0x30, 0x31, (byte) 0xAB, (byte) 0xCD}));
        assertEquals("01", alpnPart(new byte[] {0x30, (byte) 0xAB, (byte) 0xCD, 0x31}));
        assertEquals("00", alpnPart(new byte[0]));
    }

    private static String alpnPart(byte[] protocol) {
        byte[] data = TlsBytes.w().u16(protocol.length + 1).u8(protocol.length).bytes(protocol).toBytes();
        String f = Ja4.of(hello(TLS12, new int[] {0x1301}, List.of(ext(0x0010, data))), false).fingerprint();
        return f.substring(8, 10);
    }

    @Test
    void ja4VersionChoices() {
        assertEquals("00", versionPart(List.of(u16ListExt(0x002b, 1, 0x7f1c, TLS12))), "a draft is unknown");
        assertEquals("12", versionPart(List.of(u16ListExt(0x002b, 1, 0x2a2a))), "only GREASE: legacy_version");
        assertEquals("13", versionPart(List.of(u16ListExt(0x002b, 1, 0x2a2a, TLS12, TLS13))));
        assertEquals("12", versionPart(List.of()));
    }

    private static String versionPart(List<byte[]> ext) {
        return Ja4.of(hello(TLS12, new int[] {0x1301}, ext), false).fingerprint().substring(1, 3);
    }

    @Test
    void ja4DropsGreaseSignatureAlgorithms() {
        String plain = Ja4.of(hello(TLS12, CHROME_SUITES, specExampleExtensions(CHROME_SIGNATURES)), false)
                .fingerprint();
        int[] greased = new int[CHROME_SIGNATURES.length + 1];
        greased[0] = 0x8a8a;
        System.arraycopy(CHROME_SIGNATURES, 0, greased, 1, CHROME_SIGNATURES.length);
        assertEquals(plain, Ja4.of(hello(TLS12, CHROME_SUITES, specExampleExtensions(greased)), false).fingerprint());
    }

    @Test
    void sslv2Hellos() {
        byte[] body = hex("0002 0015 0000 0010 0700c0 050080 030080 010080 060040 040080 020080"
                + "000102030405060708090a0b0c0d0e0f");
        ClientHello h = assertInstanceOf(ClientHelloResult.Ok.class,
                TlsHelloParser.parseSslv2ClientHello(ByteBuffer.wrap(body), 0, body.length)).hello();
        assertEquals("ts2i070000_003dce31b141_000000000000", Ja4.of(h, false).fingerprint());
        assertTrue(Ja3.of(h).isEmpty());
    }

    @Test
    void ja3WithoutExtensions() {
        Ja3 ja3 = Ja3.of(hello(TLS10, new int[] {47, 53}, null)).orElseThrow();
        assertEquals("769,47-53,,,", ja3.full());
        assertEquals("dac4920d4335e769327dbf4e1b759e15", ja3.md5());
        assertEquals(ja3.md5(), ja3.toString());
    }
}
