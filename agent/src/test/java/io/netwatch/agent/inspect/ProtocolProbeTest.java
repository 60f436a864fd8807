package io.netwatch.agent.inspect;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProtocolProbeTest {
    private static String id(String text) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        return ProtocolProbe.identify(ByteBuffer.wrap(b), 0, b.length, true);
    }

    private static String id(byte... b) {
        return ProtocolProbe.identify(ByteBuffer.wrap(b), 0, b.length, true);
    }

    @Test
    void namesProtocolsByTheirFirstBytes() {
        assertEquals("http", id("GET /index.html HTTP/1.1\r\n"));
        assertEquals("http", id("HTTP/1.1 200 OK\r\n"));
        assertEquals("ssh", id("SSH-2.0-OpenSSH_9.6\r\n"));
        assertEquals("tls", id((byte) 0x16, (byte) 3, (byte) 1, (byte) 2, (byte) 0));
        assertEquals("tls", id((byte) 0x80, (byte) 0x2e, (byte) 1, (byte) 3, (byte) 1));
        assertEquals("stratum", id("{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"cgminer/4.10\"]}\n"));
        assertEquals("stratum", id("{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"agent\":\"XMRig/6.21\"}}\n"));
        byte[] dns = {0, 29, 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
        assertEquals("dns", id(dns));
    }

    @Test
    void waitsForMoreWhenUndecidedAndSaysNothingForTheUnknown() {
        assertEquals(ProtocolProbe.NEED_MORE, id("GE"));
        assertEquals(ProtocolProbe.NEED_MORE, id((byte) 0x16));
        assertNull(id("\u0000\u0001binary junk, long enough"));
        assertEquals(ProtocolProbe.NEED_MORE, id("\u0000\u0005"), "a DNS length prefix alone could be DNS");
        assertNull(id("{\"hello\": \"world\"}\n"));
        assertEquals(ProtocolProbe.NEED_MORE, ProtocolProbe.identify(ByteBuffer.allocate(0), 0, 0, true));
    }

    @Test
    void anSslv2HelloIsTlsOnlyUnderTheTwoByteHeader() {
        byte[] hello = {1, 3, 1, 0, 3, 0, 0, 0, 16, 0, 0, 0x2f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        byte[] twoByte = new byte[2 + hello.length];
        twoByte[0] = (byte) 0x80;
        twoByte[1] = (byte) hello.length;
        System.arraycopy(hello, 0, twoByte, 2, hello.length);
        assertEquals("tls", id(twoByte));
        // The 3-byte header (high bit clear, then a padding length) is for padded, encrypted records:
        // no client sends a hello in it, and taking it would name any stream whose fourth byte is 1.
        for (int escape : new int[] {0, 0x40}) {
            byte[] threeByte = new byte[3 + hello.length];
            threeByte[0] = (byte) escape;
            threeByte[1] = (byte) hello.length;
            System.arraycopy(hello, 0, threeByte, 3, hello.length);
            assertNull(id(threeByte), "escape bit " + escape);
        }
    }

    @Test
    void aPortSaysWhatItShouldCarry() {
        assertEquals("tls", ProtocolProbe.expectedForPort(443, true));
        assertEquals("quic", ProtocolProbe.expectedForPort(443, false));
        assertEquals("http", ProtocolProbe.expectedForPort(80, true));
        assertNull(ProtocolProbe.expectedForPort(40000, true));
    }

    @Test
    void randomBytesGetAKnownAnswerOrNone() {
        Set<String> names = Set.of(ProtocolProbe.HTTP, ProtocolProbe.TLS, ProtocolProbe.SSH, ProtocolProbe.DNS,
                ProtocolProbe.STRATUM, ProtocolProbe.QUIC, ProtocolProbe.NEED_MORE);
        Random r = new Random(11);
        int named = 0;
        for (int i = 0; i < 100_000; i++) {
            byte[] b = new byte[r.nextInt(300)];
            r.nextBytes(b);
            String p = ProtocolProbe.identify(ByteBuffer.wrap(b), 0, b.length, r.nextBoolean());
            assertTrue(p == null || names.contains(p), "unknown answer " + p);
            if (p != null && !p.isEmpty()) {
                named++;
            }
        }
        // Noise is seldom taken for a protocol: a probe that named it often would mislabel flows.
        assertTrue(named < 1_000, named + " of 100,000 random payloads named a protocol");
    }
}
