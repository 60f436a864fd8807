package io.netwatch.agent.inspect.http;

import static io.netwatch.agent.inspect.http.HttpParserTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpStreamTest {

    /** A client or server stream that records what it emits, as "GET /a" or "200". */
    static final class Recorder {
        final List<HttpMessage> heads = new ArrayList<>();
        final HttpStream stream;

        Recorder(HttpStream.Side side) {
            this(side, HttpParser.MAX_HEAD_BYTES, HttpStream.PendingRequests.NONE);
        }

        Recorder(HttpStream.Side side, int maxHead, HttpStream.PendingRequests pending) {
            stream = new HttpStream(side, maxHead, heads::add, pending);
        }

        Recorder feed(String s) {
            byte[] b = bytes(s);
            stream.feed(ByteBuffer.wrap(b), 0, b.length);
            return this;
        }

        List<String> summary() {
            return heads.stream().map(HttpStreamTest::summary).toList();
        }
    }

    static String summary(HttpMessage m) {
        return switch (m) {
            case HttpRequest r -> r.method() + " " + r.uri();
            case HttpResponse s -> Integer.toString(s.status());
        };
    }

    /** Pairs from a transaction, as "GET /a -> 200" (or "? -> 200" without a request). */
    static final class Pairs implements HttpTransaction.Sink {
        final List<String> requests = new ArrayList<>();
        final List<String> responses = new ArrayList<>();

        @Override
        public void request(HttpRequest request) {
            requests.add(summary(request));
        }

        @Override
        public void response(HttpRequest request, HttpResponse response) {
            responses.add((request == null ? "?" : summary(request)) + " -> " + response.status());
        }
    }

    static void client(HttpTransaction t, String s) {
        byte[] b = bytes(s);
        t.client(ByteBuffer.wrap(b), 0, b.length);
    }

    static void server(HttpTransaction t, String s) {
        byte[] b = bytes(s);
        t.server(ByteBuffer.wrap(b), 0, b.length);
    }

    static final String PIPELINED = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
            + "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 31\r\n\r\nGET /not-a-request HTTP/1.1\r\n\r\n"
            + "PUT /3 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value;other\r\nhello\r\n1A\r\nGET /inside HTTP/1.1\r\nX: y\r\n0\r\nTrailer-One: 1\r\nTrailer-Two: 2\r\n\r\n"
            + "\r\nGET /4 HTTP/1.0\n\n";

    static final List<String> PIPELINED_HEADS = List.of("GET /1", "POST /2", "PUT /3", "GET /4");

    @Test
    void pipelinedRequestsInOneSegmentWithBodiesSkipped() {
        Recorder r = new Recorder(HttpStream.Side.CLIENT).feed(PIPELINED);
        assertEquals(PIPELINED_HEADS, r.summary());
        assertEquals(List.of(), r.stream.events());
    }

    @Test
    void splitAtEveryByteBoundary() {
        byte[] all = bytes(PIPELINED);
        for (int cut = 0; cut <= all.length; cut++) {
            Recorder r = new Recorder(HttpStream.Side.CLIENT);
            r.stream.feed(ByteBuffer.wrap(all), 0, cut);
            r.stream.feed(ByteBuffer.wrap(all), cut, all.length - cut);
            assertEquals(PIPELINED_HEADS, r.summary(), "cut at " + cut);
            assertEquals(List.of(), r.stream.events(), "cut at " + cut);
        }
        Recorder oneByOne = new Recorder(HttpStream.Side.CLIENT);
        for (int i = 0; i < all.length; i++) {
            oneByOne.stream.feed(ByteBuffer.wrap(all), i, 1);
        }
        assertEquals(PIPELINED_HEADS, oneByOne.summary());
        HttpMessage viaBytes = oneByOne.heads.get(0);
        assertEquals(new Recorder(HttpStream.Side.CLIENT).feed(PIPELINED).heads.get(0), viaBytes);
    }

    @Test
    void responsesToHeadHaveNoBody() {
        Pairs p = new Pairs();
        HttpTransaction t = new HttpTransaction(p);
        client(t, "HEAD /big HTTP/1.1\r\nHost: h\r\n\r\nGET /small HTTP/1.1\r\nHost: h\r\n\r\n");
        server(t, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertEquals(List.of("HEAD /big -> 200", "GET /small -> 200"), p.responses);
        assertEquals(0, t.pendingRequests());
    }

    @Test
    void continueThenFinalResponse() {
        Pairs p = new Pairs();
        HttpTransaction t = new HttpTransaction(p);
        client(t, "POST /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
        server(t, "HTTP/1.1 100 Continue\r\n\r\n");
        assertEquals(1, t.pendingRequests(), "an interim response does not answer the request");
        client(t, "body");
        server(t, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertEquals(List.of("POST /up -> 100", "POST /up -> 200"), p.responses);
        assertEquals(0, t.pendingRequests());
    }

    @Test
    void noContentAndNotModifiedHaveNoBody() {
        Recorder r = new Recorder(HttpStream.Side.SERVER).feed("HTTP/1.1 204 No Content\r\nContent-Length: 50\r\n\r\n"
                + "HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
                + "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertEquals(List.of("204", "304", "200", "404", "200"), r.summary());
        assertEquals(List.of(), r.stream.events());
    }

    @Test
    void http10ResponseWithoutLengthRunsToClose() {
        Recorder r = new Recorder(HttpStream.Side.SERVER).feed("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n")
                .feed("HTTP/1.1 500 Looks Like A Head\r\n\r\n").feed("more body");
        assertEquals(List.of("200"), r.summary());
        r.stream.end();
        assertTrue(r.stream.stopped());
        assertEquals(List.of(), r.stream.events(), "a body ending at close is not truncated");
    }

    /**
     * A body whose Content-Length is folded, or given as one value repeated, is skipped by that
     * length, so what follows it is the next head, as for a server that unfolds and accepts
     * {@code 5, 5}; before, {@code hello} was read as the next head.
     */
    @Test
    void bodyOfAFoldedOrRepeatedContentLengthIsSkipped() {
        Recorder folded = new Recorder(HttpStream.Side.CLIENT)
                .feed("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n 5\r\n\r\nhello")
                .feed("GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
        assertEquals(List.of("POST /a", "GET /b"), folded.summary());
        assertEquals(List.of(), folded.stream.events());
        Recorder repeated = new Recorder(HttpStream.Side.SERVER)
                .feed("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello")
                .feed("HTTP/1.1 204 No Content\r\n\r\n");
        assertEquals(List.of("200", "204"), repeated.summary(), "not read to the close");
        assertEquals(List.of(), repeated.stream.events());
    }

    /** More filler header lines than {@link HttpParser#MAX_HEADERS}, to put a framing header after. */
    static String filler() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i <= HttpParser.MAX_HEADERS; i++) {
            s.append("X-Filler-").append(i).append(": v\r\n");
        }
        return s.toString();
    }

    /**
     * Found in review: header lines past the count cap were skipped, framing ones too, so a
     * Content-Length or Transfer-Encoding after 128 fillers went unread and the body was taken
     * for the next head: a request hidden in a body was seen, and the real one after it lost.
     * A server (as llhttp, libhtp) frames by every header line, however many come before.
     */
    @Test
    void framingHeadersPastTheHeaderCountCapStillFrameTheBody() {
        Recorder length = new Recorder(HttpStream.Side.CLIENT)
                .feed("POST /upload HTTP/1.1\r\nHost: h\r\n" + filler() + "Content-Length: 30\r\n\r\n"
                        + "GET /hidden HTTP/1.1\r\nX: y\r\n\r\n")
                .feed("GET /real HTTP/1.1\r\nHost: h\r\n\r\n");
        assertEquals(List.of("POST /upload", "GET /real"), length.summary());
        assertEquals(30, ((HttpRequest) length.heads.getFirst()).contentLength());
        assertTrue(length.heads.getFirst().anomalies().contains("too_many_headers"));
        assertEquals(List.of(), length.stream.events());

        Recorder chunked = new Recorder(HttpStream.Side.CLIENT)
                .feed("PUT /c HTTP/1.1\r\nHost: h\r\n" + filler() + "Transfer-Encoding: chunked\r\n\r\n"
                        + "1E\r\nGET /inside HTTP/1.1\r\nX: y\r\n\r\n\r\n0\r\n\r\n")
                .feed("GET /after HTTP/1.1\r\nHost: h\r\n\r\n");
        assertEquals(List.of("PUT /c", "GET /after"), chunked.summary());
        assertEquals(List.of(), chunked.stream.events());

        Recorder response = new Recorder(HttpStream.Side.SERVER)
                .feed("HTTP/1.1 200 OK\r\n" + filler() + "Content-Length: 5\r\n\r\nhello")
                .feed("HTTP/1.1 204 No Content\r\n\r\n");
        assertEquals(List.of("200", "204"), response.summary(), "not read to the close");
    }

    @Test
    void endInsideABodyIsTruncated() {
        Recorder r = new Recorder(HttpStream.Side.SERVER).feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        r.stream.end();
        assertEquals(List.of(HttpStream.Event.TRUNCATED), r.stream.events());
        Recorder head = new Recorder(HttpStream.Side.CLIENT).feed("GET / HTTP/1.1\r\nHo");
        head.stream.end();
        assertEquals(List.of(HttpStream.Event.TRUNCATED), head.stream.events());
    }

    @Test
    void garbageStartStopsTheDirection() {
        Recorder r = new Recorder(HttpStream.Side.CLIENT).feed("\u0016\u0003\u0001\u0000\u00a5\u0001\u0000")
                .feed("GET / HTTP/1.1\r\n\r\n");
        assertEquals(List.of(), r.summary());
        assertTrue(r.stream.stopped());
        assertEquals(List.of(HttpStream.Event.NOT_HTTP), r.stream.events());
        Recorder s = new Recorder(HttpStream.Side.SERVER).feed("SSH-2.0-OpenSSH_8.9\r\n");
        assertEquals(List.of(HttpStream.Event.NOT_HTTP), s.stream.events());
    }

    @Test
    void gapInsideALengthBodyIsSkippedExactly() {
        Recorder r = new Recorder(HttpStream.Side.SERVER).feed("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123");
        r.stream.gap(993);
        r.feed("789HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        assertEquals(List.of("200", "404"), r.summary());
        assertEquals(List.of(HttpStream.Event.GAP), r.stream.events());
    }

    @Test
    void skippingABodyOrAChunkLeavesTheStreamWhereFeedingItWould() {
        Recorder r = new Recorder(HttpStream.Side.SERVER).feed("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123");
        assertEquals(996, r.stream.skippable());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> r.stream.skip(997));
        r.stream.skip(996);
        assertEquals(0, r.stream.skippable(), "at the next head nothing is skippable");
        r.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n01");
        assertEquals(14, r.stream.skippable(), "the rest of the chunk's data");
        r.stream.skip(14);
        r.feed("\r\n0\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        assertEquals(List.of("200", "200", "404"), r.summary());
        assertEquals(List.of(), r.stream.events(), "no gap, no resync: as if every byte had been fed");
    }

    @Test
    void gapInsideAChunkIsSkippedExactly() {
        Recorder r = new Recorder(HttpStream.Side.SERVER).feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                .feed("10\r\n0123");
        r.stream.gap(10);
        r.feed("ef\r\n0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
        assertEquals(List.of("200", "204"), r.summary());
        assertEquals(List.of(HttpStream.Event.GAP), r.stream.events());
    }

    /** A gap that ends exactly where a chunk's data does is skipped exactly too: its line end comes next. */
    @Test
    void gapEndingExactlyAtTheEndOfAChunkIsSkippedExactly() {
        Recorder r = new Recorder(HttpStream.Side.SERVER).feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                .feed("10\r\n0123");
        r.stream.gap(12);
        assertEquals(0, r.stream.skippable());
        r.feed("\r\n0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
        assertEquals(List.of("200", "204"), r.summary());
        assertEquals(List.of(HttpStream.Event.GAP), r.stream.events());
        // One byte more would take the line end too: place is lost.
        Recorder past = new Recorder(HttpStream.Side.SERVER).feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                .feed("10\r\n0123");
        past.stream.gap(13);
        assertTrue(past.stream.has(HttpStream.Event.DESYNC));
    }

    @Test
    void gapElsewhereResynchronisesAtTheNextHead() {
        Recorder r = new Recorder(HttpStream.Side.CLIENT).feed("GET /1 HTTP/1.1\r\nHost: h\r\nAcc");
        r.stream.gap(100);
        r.feed("ept: x\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\n\r\n");
        assertEquals(List.of("POST /2", "GET /3"), r.summary(), "the head cut by the gap is lost");
        assertEquals(List.of(HttpStream.Event.GAP, HttpStream.Event.DESYNC, HttpStream.Event.RESYNCED),
                r.stream.events());
        // A gap past the end of a body: the next head is somewhere in what follows.
        Recorder s = new Recorder(HttpStream.Side.SERVER).feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01");
        s.stream.gap(50);
        s.feed("tail of something\r\nHT").feed("TP/1.1 304 Not Modified\r\n\r\n");
        assertEquals(List.of("200", "304"), s.summary());
        assertTrue(s.stream.has(HttpStream.Event.RESYNCED));
    }

    @Test
    void joiningMidConnectionFindsTheFirstWholeHead() {
        Recorder r = new Recorder(HttpStream.Side.SERVER);
        r.stream.gap(0);
        r.feed("ody of an earlier response\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertEquals(List.of("200"), r.summary());
        assertEquals(List.of(HttpStream.Event.GAP, HttpStream.Event.RESYNCED), r.stream.events());
    }

    @Test
    void resyncGivesUpAfterItsBudget() {
        Recorder r = new Recorder(HttpStream.Side.CLIENT).feed("GET / HTTP/1.1\r\n\r\n");
        r.stream.gap(7);
        byte[] noise = new byte[4096];
        java.util.Arrays.fill(noise, (byte) 'x');
        for (int i = 0; i <= HttpStream.MAX_RESYNC_BYTES / noise.length && !r.stream.stopped(); i++) {
            r.stream.feed(ByteBuffer.wrap(noise), 0, noise.length);
        }
        assertTrue(r.stream.stopped());
        assertTrue(r.stream.has(HttpStream.Event.GAVE_UP));
    }

    @Test
    void badChunkFramingResynchronises() {
        Recorder r = new Recorder(HttpStream.Side.SERVER).feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "zz\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
        assertEquals(List.of("200", "201"), r.summary());
        assertTrue(r.stream.has(HttpStream.Event.BAD_CHUNK));
        Recorder tooLong = new Recorder(HttpStream.Side.SERVER).feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "1;" + "e".repeat(HttpStream.MAX_CHUNK_LINE_BYTES) + "\r\n");
        assertTrue(tooLong.stream.has(HttpStream.Event.CHUNK_LINE_TOO_LONG));
        Recorder overflow = new Recorder(HttpStream.Side.SERVER).feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "f".repeat(HttpStream.MAX_CHUNK_SIZE_DIGITS + 1) + "\r\n");
        assertTrue(overflow.stream.has(HttpStream.Event.BAD_CHUNK));
        Recorder overflowAfterZeros = new Recorder(HttpStream.Side.SERVER).feed("HTTP/1.1 200 OK\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + "0".repeat(20) + "1" + "0".repeat(HttpStream.MAX_CHUNK_SIZE_DIGITS) + "\r\n");
        assertTrue(overflowAfterZeros.stream.has(HttpStream.Event.BAD_CHUNK));
    }

    /**
     * chunk-size is 1*HEXDIG: leading zeros do not count against {@link HttpStream#MAX_CHUNK_SIZE_DIGITS},
     * which bounds the value (Wireshark and Zeek read 0000000000000005 as 5).
     */
    @Test
    void zeroPaddedChunkSizeIsNotABadChunk() {
        Recorder r = new Recorder(HttpStream.Side.SERVER).feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0000000000000005\r\nhello\r\n000000000000000000\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
        assertEquals(List.of("200", "204"), r.summary());
        assertEquals(List.of(), r.stream.events());
        Recorder largest = new Recorder(HttpStream.Side.SERVER).feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0".repeat(10) + "f".repeat(HttpStream.MAX_CHUNK_SIZE_DIGITS) + "\r\n");
        assertEquals((1L << 60) - 1, largest.stream.skippable());
        assertEquals(List.of(), largest.stream.events());
    }

    @Test
    void oversizedHeadIsMalformedAndBufferedOnlyUpToTheLimit() {
        Recorder r = new Recorder(HttpStream.Side.CLIENT, 256, HttpStream.PendingRequests.NONE);
        r.feed("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\n");
        for (int i = 0; i < 100; i++) {
            r.feed("X-Filler-" + i + ": 0123456789\r\n");
        }
        r.feed("\r\nGET /3 HTTP/1.1\r\n\r\n");
        assertEquals(List.of("GET /1", "GET /3"), r.summary());
        assertTrue(r.stream.has(HttpStream.Event.MALFORMED_HEAD));
        assertEquals(HttpParser.HEAD_TOO_LONG, r.stream.lastMalformedReason());
    }

    @Test
    void connectTunnelStopsBothDirections() {
        Pairs p = new Pairs();
        HttpTransaction t = new HttpTransaction(p);
        client(t, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
        server(t, "HTTP/1.1 200 Connection established\r\n\r\n");
        client(t, "\u0016\u0003\u0001\u0002\u0000\u0001");
        server(t, "\u0016\u0003\u0003\u0000\u007a\u0002");
        assertEquals(List.of("CONNECT example.com:443 -> 200"), p.responses);
        assertEquals(List.of(HttpStream.Event.TUNNEL), t.clientStream().events());
        assertEquals(List.of(HttpStream.Event.TUNNEL), t.serverStream().events());
    }

    @Test
    void refusedConnectKeepsParsing() {
        Pairs p = new Pairs();
        HttpTransaction t = new HttpTransaction(p);
        client(t, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
        server(t, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
        client(t, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nProxy-Authorization: x\r\n\r\n");
        assertEquals(List.of("CONNECT example.com:443", "CONNECT example.com:443"), p.requests);
        assertEquals(List.of(), t.clientStream().events());
    }

    @Test
    void switchingProtocolsIsATunnel() {
        Pairs p = new Pairs();
        HttpTransaction t = new HttpTransaction(p);
        client(t, "GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
        server(t, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\u0081\u0005hello");
        client(t, "\u0081\u0085\u0001\u0002\u0003\u0004abcde");
        assertEquals(List.of("GET /chat -> 101"), p.responses);
        assertTrue(t.clientStream().stopped());
        assertTrue(t.serverStream().stopped());
        assertFalse(t.clientStream().has(HttpStream.Event.DESYNC));
    }

    @Test
    void pairingQueueIsBounded() {
        Pairs p = new Pairs();
        HttpTransaction t = new HttpTransaction(p);
        int n = HttpTransaction.MAX_PENDING_REQUESTS + 6;
        for (int i = 0; i < n; i++) {
            client(t, "GET /" + i + " HTTP/1.1\r\nHost: h\r\n\r\n");
        }
        assertEquals(HttpTransaction.MAX_PENDING_REQUESTS, t.pendingRequests());
        for (int i = 0; i < n + 1; i++) {
            server(t, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        }
        assertEquals("GET /0 -> 200", p.responses.get(0));
        assertEquals("GET /" + (HttpTransaction.MAX_PENDING_REQUESTS - 1) + " -> 200",
                p.responses.get(HttpTransaction.MAX_PENDING_REQUESTS - 1));
        assertEquals("? -> 200", p.responses.get(n - 1));
        assertEquals(List.of(HttpTransaction.Event.PENDING_OVERFLOW, HttpTransaction.Event.UNSOLICITED_RESPONSE),
                t.events());
    }

    @Test
    void responseWithoutRequestIsUnpaired() {
        Pairs p = new Pairs();
        HttpTransaction t = new HttpTransaction(p);
        server(t, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertEquals(List.of("? -> 200"), p.responses);
        assertEquals(List.of(HttpTransaction.Event.UNSOLICITED_RESPONSE), t.events());
    }

    @Test
    void responseStreamSplitAtEveryByte() {
        String all = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "4;x=1\r\nwiki\r\n5\r\npedia\r\n0\r\nExpires: never\r\n\r\n"
                + "HTTP/1.1 200 OK\nContent-Length: 2\n\nokHTTP/1.1 204 No Content\r\n\r\n";
        byte[] b = bytes(all);
        for (int cut = 0; cut <= b.length; cut++) {
            List<HttpMessage> heads = new ArrayList<>();
            HttpStream s = new HttpStream(HttpStream.Side.SERVER, heads::add);
            s.feed(ByteBuffer.wrap(b), 0, cut);
            s.feed(ByteBuffer.wrap(b), cut, b.length - cut);
            assertEquals(List.of("100", "200", "200", "204"), heads.stream().map(HttpStreamTest::summary).toList(),
                    "cut at " + cut);
            assertEquals(List.of(), s.events(), "cut at " + cut);
        }
    }

    @Test
    void zeroLengthFeedsAndFeedsAfterEndAreHarmless() {
        Recorder r = new Recorder(HttpStream.Side.CLIENT);
        r.stream.feed(ByteBuffer.allocate(0), 0, 0);
        r.feed("GET / HTTP/1.1\r\n\r\n");
        r.stream.end();
        r.feed("GET /later HTTP/1.1\r\n\r\n");
        assertEquals(List.of("GET /"), r.summary());
        HttpRequest only = (HttpRequest) r.heads.get(0);
        assertNull(only.host());
    }
}
