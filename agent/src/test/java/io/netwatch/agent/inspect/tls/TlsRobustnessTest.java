package io.netwatch.agent.inspect.tls;

import static io.netwatch.agent.inspect.tls.TlsBytes.TLS10;
import static io.netwatch.agent.inspect.tls.TlsBytes.TLS12;
import static io.netwatch.agent.inspect.tls.TlsBytes.concat;
import static io.netwatch.agent.inspect.tls.TlsBytes.handshake;
import static io.netwatch.agent.inspect.tls.TlsBytes.record;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.agent.inspect.tls.TlsRecordResult.Ok;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Randomized robustness: 200 000 inputs from a fixed seed, random bytes and mutations of valid
 * streams and hello bodies, through {@link TlsFuzzTest}'s checks. Nothing may throw, every call
 * must return (the timeout), and the mutations must still reach the deep paths (asserted by
 * counting the results).
 */
class TlsRobustnessTest {
    private static final int INPUTS = 200_000;

    /** Valid streams the mutations start from. */
    static List<byte[]> seeds() {
        byte[] ch = handshake(1, TlsBytes.chromeClientHelloBody("www.example.com"));
        byte[] sh = handshake(2, TlsBytes.serverHelloBody(TLS12, TlsBytes.random(3), 0x1301,
                List.of(TlsBytes.ext(0x002b, TlsBytes.hex("0304")), TlsBytes.alpn("h2"))));
        byte[] hrr = handshake(2, TlsBytes.serverHelloBody(TLS12, TlsBytes.HRR_RANDOM, 0x1302,
                List.of(TlsBytes.ext(0x002b, TlsBytes.hex("0304")), TlsBytes.ext(0x0033, TlsBytes.hex("0017")))));
        byte[] ccs = record(TlsRecordReader.CONTENT_CHANGE_CIPHER_SPEC, TLS12, new byte[] {1});
        return List.of(
                record(TlsRecordReader.CONTENT_HANDSHAKE, TLS10, ch),
                TlsBytes.records(TLS10, ch, 7, 150, 3),
                concat(record(TlsRecordReader.CONTENT_HANDSHAKE, TLS12, hrr), ccs,
                        record(TlsRecordReader.CONTENT_HANDSHAKE, TLS12, sh),
                        record(TlsRecordReader.CONTENT_APPLICATION_DATA, TLS12, new byte[30])),
                record(TlsRecordReader.CONTENT_HANDSHAKE, TLS12, concat(sh, handshake(11, new byte[200]),
                        handshake(14, new byte[0]))),
                TlsBytes.hex("802e0100020015000000100700c0050080030080010080060040040080020080000102030405060708090a"
                        + "0b0c0d0e0f"),
                concat(TlsBytes.hex("801c 01 0301 0003 0000 0010 00002f"), new byte[16],
                        record(TlsRecordReader.CONTENT_HANDSHAKE, TLS10, handshake(16, new byte[12]))));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void neverThrowsAndAlwaysReturns() {
        Random random = new Random(0x7e57_715L);
        List<byte[]> seeds = seeds();
        Map<Kind, Integer> seen = new EnumMap<>(Kind.class);
        for (int i = 0; i < INPUTS; i++) {
            byte[] input;
            int pick = random.nextInt(10);
            if (pick < 2) {
                input = new byte[random.nextInt(300)];
                random.nextBytes(input);
                if (input.length > 0 && random.nextBoolean()) {
                    input[0] = random.nextBoolean() ? (byte) 0x16 : (byte) (0x80 | random.nextInt(0x80));
                }
            } else if (pick < 9) {
                input = mutate(seeds.get(random.nextInt(seeds.size())), random);
            } else {
                byte[] body = mutate(TlsBytes.chromeClientHelloBody("a.example"), random);
                TlsFuzzTest.checkBody(ByteBuffer.wrap(body), 0, body.length);
                seen.merge(Kind.BODY, 1, Integer::sum);
                continue;
            }
            TlsRecordResult r;
            try {
                r = TlsFuzzTest.checkStream(input);
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError("input " + i + ": " + HexFormat.of().formatHex(input), e);
            }
            seen.merge(kind(r), 1, Integer::sum);
        }
        // The mutations must keep reaching every outcome, or the test proves little.
        for (Kind k : Kind.values()) {
            assertTrue(seen.getOrDefault(k, 0) > 100, () -> "too few " + k + ": " + seen);
        }
    }

    enum Kind { OK_WITH_HELLO, OK_OTHER, INCOMPLETE, MALFORMED, NOT_TLS, BODY }

    private static Kind kind(TlsRecordResult r) {
        return switch (r) {
            case Ok ok -> ok.messages().stream().anyMatch(m -> m.isClientHello() || m.isServerHello())
                    ? Kind.OK_WITH_HELLO : Kind.OK_OTHER;
            case TlsRecordResult.Incomplete ignored -> Kind.INCOMPLETE;
            case TlsRecordResult.Malformed ignored -> Kind.MALFORMED;
            case TlsRecordResult.NotTls ignored -> Kind.NOT_TLS;
        };
    }

    /** One to four random edits: byte changes, interesting values, cuts, inserts, deletes, length fields. */
    static byte[] mutate(byte[] seed, Random random) {
        byte[] b = seed.clone();
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = random.nextInt(b.length);
            switch (random.nextInt(7)) {
                case 0 -> b[at] = (byte) random.nextInt(256);
                case 1 -> b[at] = (byte) new int[] {0, 1, 0x7f, 0x80, 0xff, 0x16, 0x03}[random.nextInt(7)];
                case 2 -> b = Arrays.copyOf(b, at);
                case 3 -> {
                    byte[] extra = new byte[1 + random.nextInt(8)];
                    random.nextBytes(extra);
                    b = concat(Arrays.copyOf(b, at), extra, Arrays.copyOfRange(b, at, b.length));
                }
                case 4 -> b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, Math.min(b.length,
                        at + 1 + random.nextInt(8)), b.length));
                case 5 -> {
                    // A 16-bit length field off by a little, or made huge.
                    if (at + 1 < b.length) {
                        int v = ((b[at] & 0xFF) << 8 | (b[at + 1] & 0xFF)) + (random.nextBoolean()
                                ? random.nextInt(5) - 2 : 0x8000);
                        b[at] = (byte) (v >>> 8);
                        b[at + 1] = (byte) v;
                    }
                }
                default -> {
                    int from = random.nextInt(b.length);
                    int n = Math.min(b.length - from, 1 + random.nextInt(40));
                    b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, from, from + n),
                            Arrays.copyOfRange(b, at, b.length));
                }
            }
        }
        return b;
    }
}
