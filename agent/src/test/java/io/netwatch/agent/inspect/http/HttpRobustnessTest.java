package io.netwatch.agent.inspect.http;

import static io.netwatch.agent.inspect.http.HttpParserTest.bytes;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 200,000 hostile inputs from a fixed seed: random bytes over an HTTP-heavy alphabet and
 * mutated fixtures (flipped bytes, inserted framing tokens, cut, repeated and deleted ranges),
 * through both parsers, and every fourth one through streams cut at random points and with
 * random gaps ({@link HttpChecks}). Nothing may throw, every call must terminate, and a stream's output
 * must not depend on where its bytes were cut.
 */
class HttpRobustnessTest {
    private static final int INPUTS = 200_000;
    private static final long SEED = 0x48_54_54_50L;
    /** The stream checks (six streams per input) run on every this-many-th input, to keep the test quick. */
    private static final int STREAM_EVERY = 4;

    static final List<String> FIXTURES = List.of(
            HttpStreamTest.PIPELINED,
            HttpParserTest.GET,
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "4;x=1\r\nwiki\r\n5\r\npedia\r\n0\r\nExpires: never\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
            "HTTP/1.0 200 OK\nContent-Length: 3\n\nabcHTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n",
            "OPTIONS\nHost: www.google.com\n\nGET /HTTP/1.1\nHost: h\n\n",
            "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: a\r\n b\r\n\r\nCONNECT h:443 HTTP/1.1\r\n\r\n\u0016\u0003\u0001",
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>HTTP/1.1 200 OK\r\n\r\n</html>");

    private static final String[] TOKENS = {"\r\n", "\n", "\r", " ", "\t", ":", ";", "0", "ff", "\r\n\r\n",
        "Content-Length: 5\r\n", "Content-Length: 99999999999999999999\r\n", "Transfer-Encoding: chunked\r\n",
        "0\r\n\r\n", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 101 Switching\r\n\r\n", "GET / HTTP/1.1\r\n", "HEAD ",
        "ffffffffffffffffff\r\n", "Host: a\r\n", " folded\r\n", "\u0000", "\u00ff"};
    private static final byte[] ALPHABET = bytes("GETPOSTHEADHTTP/1.0 \r\n\r\n:;0123456789abcdefABCDEF\t-_.*?%"
            + "\u0000\u0001\u007f\u0080\u00ff");

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void hostileInputsNeverThrowAndStreamsIgnoreSegmentation() {
        Random rnd = new Random(SEED);
        for (int n = 0; n < INPUTS; n++) {
            byte[] input = rnd.nextInt(4) == 0 ? randomBytes(rnd) : mutated(rnd);
            int maxHead = switch (rnd.nextInt(4)) {
                case 0 -> HttpStream.MIN_HEAD_BYTES + rnd.nextInt(64);
                case 1 -> Math.max(HttpStream.MIN_HEAD_BYTES, input.length + rnd.nextInt(8) - 4);
                default -> HttpParser.MAX_HEAD_BYTES;
            };
            HttpChecks.parsers(input, rnd.nextInt(16), rnd.nextBoolean() ? maxHead : 4 + rnd.nextInt(60));
            if (n % STREAM_EVERY == 0) {
                HttpChecks.streams(input, rnd, maxHead);
            }
        }
    }

    /** Oversized inputs: a head past the limit, a long run of empty lines, a long chunk-size line. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void oversizedInputs() {
        Random rnd = new Random(SEED + 1);
        List<String> big = List.of(
                "GET / HTTP/1.1\r\nX: " + "v".repeat(3 * HttpParser.MAX_HEAD_BYTES) + "\r\n\r\nGET /next HTTP/1.1\r\n\r\n",
                "GET / HTTP/1.1\r\n\r\n" + "\r\n".repeat(10_000) + "GET /next HTTP/1.1\r\n\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + "e".repeat(5000) + "\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + "T: x\r\n".repeat(5000) + "\r\n",
                "GET / HTTP/1.1\r\n" + "H: v\r\n".repeat(5000) + "\r\n",
                "\n".repeat(HttpStream.MAX_RESYNC_BYTES + 10));
        for (String s : big) {
            byte[] input = bytes(s);
            for (int i = 0; i < 20; i++) {
                HttpChecks.parsers(input, i, HttpParser.MAX_HEAD_BYTES);
                HttpChecks.streams(input, rnd, rnd.nextBoolean() ? HttpParser.MAX_HEAD_BYTES : 200);
            }
        }
    }

    private static byte[] randomBytes(Random rnd) {
        byte[] b = new byte[rnd.nextInt(200)];
        for (int i = 0; i < b.length; i++) {
            b[i] = rnd.nextInt(3) == 0 ? (byte) rnd.nextInt(256) : ALPHABET[rnd.nextInt(ALPHABET.length)];
        }
        return b;
    }

    private static byte[] mutated(Random rnd) {
        byte[] b = bytes(FIXTURES.get(rnd.nextInt(FIXTURES.size())));
        int mutations = rnd.nextInt(5);
        for (int m = 0; m < mutations && b.length > 0; m++) {
            int at = rnd.nextInt(b.length);
            b = switch (rnd.nextInt(5)) {
                case 0 -> {
                    b[at] = (byte) rnd.nextInt(256);
                    yield b;
                }
                case 1 -> splice(b, at, at, bytes(TOKENS[rnd.nextInt(TOKENS.length)]));
                case 2 -> java.util.Arrays.copyOf(b, at);
                case 3 -> splice(b, at, Math.min(b.length, at + rnd.nextInt(20)), new byte[0]);
                default -> {
                    int to = Math.min(b.length, at + 1 + rnd.nextInt(40));
                    yield splice(b, to, to, java.util.Arrays.copyOfRange(b, at, to));
                }
            };
        }
        return b;
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] insert) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + insert.length);
        out.write(b, 0, from);
        out.write(insert, 0, insert.length);
        out.write(b, to, b.length - to);
        return out.toByteArray();
    }
}
