package io.netwatch.agent.inspect.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The properties every input must keep, shared by the randomized robustness test and the fuzz
 * target: the parsers never throw, stay within their caps and leave the buffer alone; a stream
 * gives the same heads and events however its bytes are cut into segments; gaps and ends never
 * throw.
 */
final class HttpChecks {
    private HttpChecks() {
    }

    /** Both parsers on {@code input} placed at an offset inside a larger read-only buffer. */
    static void parsers(byte[] input, int shift, int maxHead) {
        byte[] big = new byte[shift + input.length + 7];
        Arrays.fill(big, (byte) 'A');
        System.arraycopy(input, 0, big, shift, input.length);
        ByteBuffer view = ByteBuffer.wrap(big).asReadOnlyBuffer();
        view.position(3).limit(big.length - 1);
        for (boolean request : new boolean[] {true, false}) {
            HttpResult r = request
                    ? HttpParser.parseRequestHead(view, shift, input.length, maxHead)
                    : HttpParser.parseResponseHead(view, shift, input.length, maxHead);
            assertNotNull(r);
            assertEquals(3, view.position());
            assertEquals(big.length - 1, view.limit());
            switch (r) {
                case HttpResult.Ok ok -> {
                    assertTrue(ok.headLength() > 0 && ok.headLength() <= Math.min(input.length, maxHead),
                            "head length " + ok.headLength());
                    capped(ok.message());
                }
                case HttpResult.Incomplete i -> assertTrue(input.length < maxHead, "incomplete at the limit");
                case HttpResult.Malformed m -> assertTrue(m.reason().matches("[a-z_]+"), m.reason());
                case HttpResult.NotHttp n -> {
                }
            }
        }
        HttpParser.probeRequest(view, shift, input.length);
        HttpParser.probeResponse(view, shift, input.length);
    }

    private static void capped(HttpMessage m) {
        switch (m) {
            case HttpRequest r -> {
                assertTrue(r.method().length() <= HttpParser.MAX_METHOD_CHARS);
                assertTrue(r.uri().length() <= HttpParser.MAX_URI_CHARS);
                assertTrue(r.version() == null || r.version().length() <= HttpParser.MAX_VERSION_CHARS);
                assertTrue(r.host() == null || r.host().length() <= HttpParser.MAX_VALUE_CHARS);
                assertTrue(r.userAgent() == null || r.userAgent().length() <= HttpParser.MAX_VALUE_CHARS);
                assertTrue(r.contentType() == null || r.contentType().length() <= HttpParser.MAX_VALUE_CHARS);
                // What http.uri and http.host read of the target: within it, whatever it holds.
                assertTrue(r.pathStart() >= 0 && r.pathStart() <= r.uri().length(), "path start " + r.pathStart());
                String host = r.uriHost();
                assertTrue(host == null || !host.isEmpty() && r.uri().contains(host), "host " + host);
                // The group the request counts put it in: its method's own, or other.
                HttpMethod method = HttpMethod.of(r.method());
                assertTrue(method == HttpMethod.OTHER || method.label().equals(r.method()), method::label);
            }
            case HttpResponse s -> {
                assertTrue(s.status() >= 100 && s.status() <= 999);
                assertNotNull(HttpStatusClass.of(s.status()));
                assertTrue(s.version().length() <= HttpParser.MAX_VERSION_CHARS);
                assertTrue(s.phrase().length() <= HttpParser.MAX_PHRASE_CHARS);
                assertTrue(s.contentType() == null || s.contentType().length() <= HttpParser.MAX_VALUE_CHARS);
            }
        }
        assertTrue(m.contentLengthHeader() == null
                || m.contentLengthHeader().length() <= HttpParser.MAX_CONTENT_LENGTH_CHARS);
        assertTrue(m.contentLength() >= -1);
        if (m.contentLength() >= 0) {
            // A number is spelt as it was sent, whether it was kept as text or as the number.
            assertEquals(m.contentLength(), Long.parseLong(m.contentLengthHeader()), m::toString);
        }
    }

    /** What a stream produced: its heads and its events. */
    record Outcome(List<HttpMessage> heads, List<HttpStream.Event> events, long messages) {
    }

    /**
     * Feeds {@code input} whole and then cut at random points (seeded by {@code rnd}) into a
     * stream of each side: the outcomes must be equal. Then once more with random gaps.
     */
    static void streams(byte[] input, Random rnd, int maxHead) {
        for (HttpStream.Side side : HttpStream.Side.values()) {
            Outcome whole = feed(side, maxHead, input, new int[] {input.length});
            int[] cuts = randomCuts(rnd, input.length);
            Outcome cut = feed(side, maxHead, input, cuts);
            assertEquals(whole, cut, () -> side + " stream differs when cut at " + Arrays.toString(cuts) + " of "
                    + input.length + " bytes");
            assertEquals(whole.heads.size(), whole.messages);
            withGaps(side, maxHead, input, rnd);
        }
    }

    private static Outcome feed(HttpStream.Side side, int maxHead, byte[] input, int[] segments) {
        List<HttpMessage> heads = new ArrayList<>();
        HttpStream s = new HttpStream(side, maxHead, heads::add, HttpStream.PendingRequests.NONE);
        ByteBuffer buf = ByteBuffer.wrap(input).asReadOnlyBuffer();
        int off = 0;
        for (int len : segments) {
            s.feed(buf, off, len);
            off += len;
        }
        s.end();
        return new Outcome(heads, s.events(), s.messages());
    }

    private static int[] randomCuts(Random rnd, int length) {
        List<Integer> out = new ArrayList<>();
        int left = length;
        while (left > 0) {
            int n = rnd.nextInt(4) == 0 ? 1 : 1 + rnd.nextInt(Math.max(1, Math.min(left, 64)));
            n = Math.min(n, left);
            out.add(n);
            left -= n;
        }
        if (rnd.nextBoolean()) {
            out.add(0); // an empty feed is harmless
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Random segments with random gaps between them, in a transaction with random interleaving. */
    private static void withGaps(HttpStream.Side side, int maxHead, byte[] input, Random rnd) {
        List<HttpMessage> heads = new ArrayList<>();
        HttpStream s = new HttpStream(side, maxHead, heads::add, () -> rnd.nextBoolean() ? "HEAD" : "CONNECT");
        HttpTransaction t = new HttpTransaction(new HttpTransaction.Sink() {
            @Override
            public void request(HttpRequest request) {
            }

            @Override
            public void response(HttpRequest request, HttpResponse response) {
            }
        }, maxHead);
        ByteBuffer buf = ByteBuffer.wrap(input);
        int off = 0;
        for (int len : randomCuts(rnd, input.length)) {
            if (rnd.nextInt(5) == 0) {
                long gap = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(2000);
                s.gap(gap);
                if (rnd.nextBoolean()) {
                    t.clientGap(gap);
                } else {
                    t.serverGap(gap);
                }
                off += (int) Math.min(len, gap);
                len -= (int) Math.min(len, gap);
            }
            s.feed(buf, off, len);
            if (rnd.nextBoolean()) {
                t.client(buf, off, len);
            } else {
                t.server(buf, off, len);
            }
            off += len;
        }
        s.end();
        t.clientEnd();
        t.serverEnd();
        assertEquals(heads.size(), s.messages());
        assertTrue(t.pendingRequests() <= HttpTransaction.MAX_PENDING_REQUESTS);
    }
}
