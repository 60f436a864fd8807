package io.netwatch.agent.inspect.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netwatch.agent.inspect.tls.TlsRecordResult.Incomplete;
import io.netwatch.agent.inspect.tls.TlsRecordResult.Malformed;
import io.netwatch.agent.inspect.tls.TlsRecordResult.NotTls;
import io.netwatch.agent.inspect.tls.TlsRecordResult.Ok;
import io.netwatch.agent.inspect.tls.TlsRecordResult.Stop;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets for the TLS inspection entry points. Under a plain test run they run over their
 * checked-in seeds ({@code TlsFuzzTestInputs/<method>/}, written by {@link TlsSeedWriter});
 * {@code JAZZER_FUZZ=1} fuzzes one of them. The bodies are shared with {@link TlsRobustnessTest}.
 */
class TlsFuzzTest {
    /** Bytes of filler before the input in the second read: nothing may depend on where the input starts. */
    private static final int SHIFT = 13;
    private static final Pattern SNAKE = Pattern.compile("[a-z0-9]+(_[a-z0-9]+)*");
    private static final Pattern JA4 = Pattern.compile("[tq](13|12|11|10|s3|s2|00)[di]\\d{4}[0-9A-Za-z]{2}"
            + "_[0-9a-f]{12}_[0-9a-f]{12}");

    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void readsAnyStream(byte[] stream) {
        checkStream(stream);
    }

    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void parsesAnyHelloBody(byte[] body) {
        checkBody(ByteBuffer.wrap(body), 0, body.length);
    }

    /**
     * Reads {@code stream} as the start of a TCP direction, at offset 0 and shifted inside a
     * larger read-only buffer, checks the two agree and every result's invariants, then parses
     * every message found with every hello parser and fingerprints what parses.
     */
    static TlsRecordResult checkStream(byte[] stream) {
        ByteBuffer plain = ByteBuffer.wrap(stream);
        TlsRecordResult r = TlsRecordReader.read(plain, 0, stream.length);
        checkResult(r, plain, 0, stream.length);

        byte[] big = new byte[SHIFT + stream.length + 7];
        Arrays.fill(big, (byte) 0x16);
        System.arraycopy(stream, 0, big, SHIFT, stream.length);
        ByteBuffer shifted = ByteBuffer.wrap(big).asReadOnlyBuffer();
        shifted.position(3).limit(SHIFT + stream.length + 2);
        TlsRecordResult s = TlsRecordReader.read(shifted, SHIFT, stream.length);
        assertEquals(3, shifted.position());
        assertEquals(SHIFT + stream.length + 2, shifted.limit());
        checkResult(s, shifted, SHIFT, stream.length);
        assertEquals(summary(r, 0), summary(s, SHIFT), "the result depends on where the input starts");

        if (r instanceof Ok ok) {
            for (HandshakeMessage m : ok.messages()) {
                checkMessage(m);
            }
        }
        return r;
    }

    private static void checkResult(TlsRecordResult r, ByteBuffer buffer, int offset, int length) {
        assertNotNull(r);
        switch (r) {
            case Incomplete inc -> assertTrue(inc.needAtLeast() >= 1, r::toString);
            case Malformed mal -> assertTrue(SNAKE.matcher(mal.reason()).matches(), r::toString);
            case NotTls ignored -> {
            }
            case Ok ok -> {
                assertTrue(ok.messages().size() <= TlsRecordReader.MAX_MESSAGES);
                assertEquals(ok.stop() == Stop.PREFIX_END, ok.needAtLeast() > 0, r::toString);
                ok.anomalies().forEach(a -> assertTrue(SNAKE.matcher(a).matches(), a));
                boolean encrypted = ok.stop() == Stop.CHANGE_CIPHER_SPEC || ok.stop() == Stop.APPLICATION_DATA;
                assertEquals(encrypted, ok.ciphertextAt() >= 0, r::toString);
                assertTrue(!encrypted || ok.ciphertextAt() > offset && ok.ciphertextAt() < offset + length,
                        () -> "ciphertext outside the input, or at its first byte: " + r);
                for (HandshakeMessage m : ok.messages()) {
                    if (m.copied()) {
                        assertEquals(m.length(), m.buffer().capacity());
                    } else {
                        assertSame(buffer, m.buffer());
                        assertTrue(m.offset() >= offset && m.offset() + m.length() <= offset + length,
                                () -> "view outside the input: " + m);
                    }
                }
            }
        }
    }

    private static void checkMessage(HandshakeMessage m) {
        if (m.isClientHello()) {
            if (TlsHelloParser.parseClientHello(m) instanceof ClientHelloResult.Ok(ClientHello h)) {
                checkClientHello(h);
            }
        }
        if (m.isServerHello()) {
            if (TlsHelloParser.parseServerHello(m) instanceof ServerHelloResult.Ok(ServerHello h)) {
                TlsVersions.name(TlsVersions.selected(h));
                // The group the ServerHello counts put it in, for any version it selects.
                assertNotNull(TlsVersionClass.of(TlsVersions.selected(h)));
                assertTrue(h.extensions().size() <= TlsHelloParser.MAX_EXTENSIONS);
            }
        }
        checkBody(m.buffer(), m.offset(), m.length());
    }

    /** Every hello parser on the same bytes, whatever they are. */
    static void checkBody(ByteBuffer b, int offset, int length) {
        if (TlsHelloParser.parseClientHello(b, offset, length, -1) instanceof ClientHelloResult.Ok(ClientHello h)) {
            checkClientHello(h);
        }
        if (TlsHelloParser.parseSslv2ClientHello(b, offset, length) instanceof ClientHelloResult.Ok(ClientHello h)) {
            checkClientHello(h);
        }
        if (TlsHelloParser.parseServerHello(b, offset, length, -1) instanceof ServerHelloResult.Ok(ServerHello h)) {
            TlsVersions.name(TlsVersions.selected(h));
        }
        if (TlsHelloParser.parseSslv2ServerHello(b, offset, length) instanceof ServerHelloResult.Ok(ServerHello h)) {
            assertTrue(h.sslv2CipherSpecs().size() <= TlsHelloParser.MAX_CIPHER_SUITES);
        }
    }

    private static void checkClientHello(ClientHello h) {
        assertTrue(h.cipherSuites().size() <= TlsHelloParser.MAX_CIPHER_SUITES);
        assertTrue(h.extensions().size() <= TlsHelloParser.MAX_EXTENSIONS);
        assertTrue(h.alpn().size() <= TlsHelloParser.MAX_ALPN_PROTOCOLS);
        assertTrue(h.sni() == null || h.sni().length() <= TlsHelloParser.MAX_SNI_LENGTH);
        h.anomalies().forEach(a -> assertTrue(SNAKE.matcher(a).matches(), a));
        String ja4 = Ja4.of(h, false).fingerprint();
        assertTrue(JA4.matcher(ja4).matches(), ja4);
        Ja3.of(h).ifPresent(j -> assertTrue(j.md5().matches("[0-9a-f]{32}"), j::toString));
        TlsVersions.name(TlsVersions.highestOffered(h));
    }

    /** The result with message offsets made relative to {@code base} and bodies as bytes. */
    private static List<Object> summary(TlsRecordResult r, int base) {
        List<Object> s = new ArrayList<>();
        if (r instanceof Ok ok) {
            s.add(ok.stop());
            s.add(ok.needAtLeast());
            s.add(ok.anomalies());
            s.add(ok.ciphertextAt() < 0 ? -1 : ok.ciphertextAt() - base);
            for (HandshakeMessage m : ok.messages()) {
                byte[] body = new byte[m.length()];
                m.buffer().get(m.offset(), body);
                s.add(List.of(m.type(), m.sslv2(), m.recordVersion(), m.copied(), m.copied() ? 0 : m.offset() - base,
                        ByteBuffer.wrap(body)));
            }
        } else {
            s.add(r);
        }
        return s;
    }
}
