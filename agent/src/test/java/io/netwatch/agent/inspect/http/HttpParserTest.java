package io.netwatch.agent.inspect.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpParserTest {

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static HttpResult request(String s) {
        byte[] b = bytes(s);
        return HttpParser.parseRequestHead(ByteBuffer.wrap(b), 0, b.length);
    }

    static HttpResult response(String s) {
        byte[] b = bytes(s);
        return HttpParser.parseResponseHead(ByteBuffer.wrap(b), 0, b.length);
    }

    static HttpRequest okRequest(String s) {
        HttpResult.Ok ok = assertInstanceOf(HttpResult.Ok.class, request(s), s);
        return assertInstanceOf(HttpRequest.class, ok.message());
    }

    static HttpResponse okResponse(String s) {
        HttpResult.Ok ok = assertInstanceOf(HttpResult.Ok.class, response(s), s);
        return assertInstanceOf(HttpResponse.class, ok.message());
    }

    static final String GET = "GET /index.html?q=1 HTTP/1.1\r\n"
            + "Host: www.example.com\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
            + "Accept: */*\r\n"
            + "\r\n";

    @Test
    void getWithHostAndUserAgent() {
        HttpResult.Ok ok = assertInstanceOf(HttpResult.Ok.class, request(GET));
        assertEquals(GET.length(), ok.headLength());
        HttpRequest r = (HttpRequest) ok.message();
        assertEquals("GET", r.method());
        assertEquals("/index.html?q=1", r.uri());
        assertEquals("HTTP/1.1", r.version());
        assertEquals("www.example.com", r.host());
        assertEquals("Mozilla/5.0 (X11; Linux x86_64)", r.userAgent());
        assertNull(r.contentType());
        assertNull(r.contentLengthHeader());
        assertEquals(-1, r.contentLength());
        assertFalse(r.chunked());
        assertFalse(r.connectionClose());
        assertEquals(List.of(), r.anomalies());
    }

    @Test
    void postWithContentLengthStopsAtTheBody() {
        String head = "POST /form HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "content-length:  5 \r\nConnection: keep-alive, Close\r\n\r\n";
        HttpResult.Ok ok = assertInstanceOf(HttpResult.Ok.class, request(head + "a=b&c"));
        assertEquals(head.length(), ok.headLength());
        HttpRequest r = (HttpRequest) ok.message();
        assertEquals("application/x-www-form-urlencoded", r.contentType());
        assertEquals("5", r.contentLengthHeader());
        assertEquals(5, r.contentLength());
        assertTrue(r.connectionClose());
    }

    @Test
    void chunkedTransferEncoding() {
        HttpRequest r = okRequest("POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n");
        assertTrue(r.chunked());
        assertEquals(List.of(), r.anomalies());
        HttpResponse s = okResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 10\r\n\r\n");
        assertTrue(s.chunked());
        assertEquals(List.of("transfer_encoding_and_content_length"), s.anomalies());
        HttpRequest bad = okRequest("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n");
        assertFalse(bad.chunked());
        assertEquals(List.of("bad_transfer_encoding"), bad.anomalies());
    }

    /**
     * Transfer-Encoding is a list (RFC 9110 section 5.6.1: empty elements are ignored, and the
     * field lines of one name make one list): chunked when the final coding is.
     */
    @Test
    void transferEncodingIsReadAsAList() {
        HttpResponse trailingComma = okResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, \r\n\r\n");
        assertTrue(trailingComma.chunked());
        assertEquals(List.of(), trailingComma.anomalies());
        assertTrue(okRequest("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ,, gzip ,,CHUNKED\t,\r\n\r\n").chunked());
        HttpRequest twoLines = okRequest("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n");
        assertTrue(twoLines.chunked());
        assertEquals(List.of(), twoLines.anomalies());
        HttpRequest chunkedThenGzip = okRequest("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                + "Transfer-Encoding: gzip\r\n\r\n");
        assertFalse(chunkedThenGzip.chunked());
        assertEquals(List.of("bad_transfer_encoding"), chunkedThenGzip.anomalies());
        HttpRequest emptyLast = okRequest("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                + "Transfer-Encoding: \r\n\r\n");
        assertTrue(emptyLast.chunked(), "an empty field line adds no coding");
        for (String odd : List.of("chunked;x=1", "chunk", "chunkedx", "chun ked", "\"chunked\"", "")) {
            HttpRequest r = okRequest("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: " + odd + "\r\n\r\n");
            assertFalse(r.chunked(), odd);
            assertEquals(List.of("bad_transfer_encoding"), r.anomalies(), odd);
        }
        HttpRequest connection = okRequest("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n"
                + "Connection: , Close ,\r\n\r\n");
        assertTrue(connection.connectionClose());
        assertFalse(okRequest("GET / HTTP/1.1\r\nHost: h\r\nConnection: closed, x-close\r\n\r\n").connectionClose());
    }

    @Test
    void absoluteFormUri() {
        HttpRequest r = okRequest("GET http://www.example.com/a/b HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
        assertEquals("http://www.example.com/a/b", r.uri());
        assertEquals(List.of(), r.anomalies());
        HttpRequest other = okRequest("GET http://user@evil.example/ HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
        assertEquals(List.of("host_mismatch"), other.anomalies());
        HttpRequest connect = okRequest("CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\n\r\n");
        assertTrue(connect.isConnect());
        assertEquals("www.example.com:443", connect.uri());
        assertEquals("*", okRequest("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").uri());
    }

    @Test
    void bareLineFeeds() {
        HttpRequest r = okRequest("GET / HTTP/1.1\nHost: www.google.com\n\n");
        assertEquals("www.google.com", r.host());
        assertEquals(List.of("bare_lf"), r.anomalies());
        HttpResponse s = okResponse("HTTP/1.0 200 OK\nContent-Length: 3\n\nabc");
        assertEquals("3", s.contentLengthHeader());
        assertEquals(List.of("bare_lf"), s.anomalies());
    }

    @Test
    void obsoleteLineFolding() {
        HttpRequest r = okRequest("GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: Agent/1.0\r\n \t(compatible)\r\n"
                + "\tmore\r\nAccept: */*\r\n\r\n");
        assertEquals("Agent/1.0 (compatible) more", r.userAgent());
        assertEquals(List.of("obs_fold"), r.anomalies());
        HttpRequest first = okRequest("GET / HTTP/1.1\r\n folded: first\r\nHost: h\r\n\r\n");
        assertEquals("h", first.host());
        assertEquals(List.of("obs_fold"), first.anomalies());
    }

    /**
     * Folded Transfer-Encoding, Connection and Upgrade are unfolded as a server that unfolds
     * reads them (RFC 9112 section 5.2: the fold is a space), so the body is framed as it frames
     * it; read as not chunked, a folded {@code gzip,} {@code chunked} is a request smuggling shape.
     */
    @Test
    void foldedTransferEncodingConnectionAndUpgradeAreUnfolded() {
        HttpRequest te = okRequest("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip,\r\n chunked\r\n\r\n");
        assertTrue(te.chunked(), "folded Transfer-Encoding ends in chunked");
        assertEquals(List.of("obs_fold"), te.anomalies());
        HttpRequest emptyFirst = okRequest("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n\tchunked\r\n\r\n");
        assertTrue(emptyFirst.chunked());
        assertEquals(List.of("obs_fold"), emptyFirst.anomalies());
        HttpRequest joined = okRequest("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n chunked\r\n\r\n");
        assertFalse(joined.chunked(), "unfolded, one coding: 'gzip chunked'");
        assertEquals(List.of("obs_fold", "bad_transfer_encoding"), joined.anomalies());
        HttpRequest foldedAway = okRequest("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n , gzip\r\n\r\n");
        assertFalse(foldedAway.chunked());
        HttpRequest conn = okRequest("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive,\r\n close\r\n\r\n");
        assertTrue(conn.connectionClose(), "folded Connection lists close");
        assertFalse(okRequest("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n close\r\n\r\n")
                .connectionClose(), "unfolded, one option: 'keep-alive close'");
        HttpRequest upgrade = okRequest("GET / HTTP/1.1\r\nHost: h\r\nUpgrade:\r\n websocket\r\n\r\n");
        assertTrue(upgrade.upgrade());
        HttpRequest other = okRequest("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nX-A: b\r\n close\r\n\r\n");
        assertFalse(other.connectionClose(), "a fold continues the line just before it only");
    }

    /**
     * A folded Content-Length is unfolded too, the fold one space, so the body is framed as a
     * server that unfolds frames it: {@code Content-Length:} then a folded {@code 5} is 5, and
     * {@code 1} folded onto {@code 2} is the value {@code 1 2}, not a number (read as 1 before).
     */
    @Test
    void foldedContentLengthIsUnfolded() {
        HttpRequest empty = okRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n 5\r\n\r\n");
        assertEquals(5, empty.contentLength());
        assertEquals("5", empty.contentLengthHeader());
        assertEquals(List.of("obs_fold"), empty.anomalies());
        HttpResponse tab = okResponse("HTTP/1.1 200 OK\r\nContent-Length: \r\n\t 12\r\nX: y\r\n\r\n");
        assertEquals(12, tab.contentLength());
        assertEquals(List.of("obs_fold"), tab.anomalies());
        HttpRequest twoWords = okRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n 2\r\n\r\n");
        assertEquals(-1, twoWords.contentLength(), "unfolded, '1 2' is not a number");
        assertEquals("1 2", twoWords.contentLengthHeader(), "as sent, unfolded");
        assertEquals(List.of("obs_fold", "bad_content_length"), twoWords.anomalies());
        HttpRequest repeated = okRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5,\r\n 5\r\n\r\n");
        assertEquals(5, repeated.contentLength());
        assertEquals("5, 5", repeated.contentLengthHeader());
        assertEquals(List.of("obs_fold", "duplicate_content_length"), repeated.anomalies());
        HttpRequest secondFolded = okRequest(
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length:\r\n 5\r\n\r\n");
        assertEquals(5, secondFolded.contentLength());
        assertEquals(List.of("obs_fold", "duplicate_content_length"), secondFolded.anomalies(),
                "the folded second line says 5 too");
        HttpRequest secondDiffers = okRequest(
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n 6\r\n\r\n");
        assertEquals(5, secondDiffers.contentLength());
        assertEquals(List.of("obs_fold", "duplicate_content_length", "conflicting_content_length"),
                secondDiffers.anomalies());
        HttpRequest other = okRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nX-A: b\r\n 6\r\n\r\n");
        assertEquals(5, other.contentLength(), "a fold continues the line just before it only");
        assertEquals(List.of("obs_fold"), other.anomalies());
    }

    /**
     * RFC 9110 section 8.6: a Content-Length of one decimal value repeated as a list, in one
     * field line or over several, may be taken as that value (Zeek takes the first); values that
     * differ, as text, are still refused in one line and conflict across lines.
     */
    @Test
    void identicalContentLengthValuesAreThatValue() {
        HttpRequest list = okRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n");
        assertEquals(5, list.contentLength());
        assertEquals("5, 5", list.contentLengthHeader(), "as sent");
        assertEquals(List.of("duplicate_content_length"), list.anomalies());
        HttpResponse three = okResponse("HTTP/1.1 200 OK\r\nContent-Length: 7,7 ,\t7\r\n\r\n");
        assertEquals(7, three.contentLength());
        assertEquals(List.of("duplicate_content_length"), three.anomalies());
        HttpRequest listThenLine = okRequest(
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n");
        assertEquals(5, listThenLine.contentLength());
        assertEquals(List.of("duplicate_content_length"), listThenLine.anomalies());
        HttpRequest lineThenList = okRequest(
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5, 5\r\n\r\n");
        assertEquals(5, lineThenList.contentLength());
        assertEquals(List.of("duplicate_content_length"), lineThenList.anomalies(), "the same value: no conflict");
        HttpRequest differ = okRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\n");
        assertEquals(-1, differ.contentLength(), "differing values are refused");
        assertEquals("5, 6", differ.contentLengthHeader());
        assertEquals(List.of("duplicate_content_length", "conflicting_content_length", "bad_content_length"),
                differ.anomalies());
        HttpRequest lineThenDiffer = okRequest(
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5, 6\r\n\r\n");
        assertEquals(5, lineThenDiffer.contentLength(), "the first line's value, as for two lines that differ");
        assertEquals(List.of("duplicate_content_length", "conflicting_content_length"), lineThenDiffer.anomalies());
        HttpRequest spellings = okRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 012, 12\r\n\r\n");
        assertEquals(-1, spellings.contentLength(), "two spellings of one number differ, as across lines");
        for (String v : List.of("5,", ", 5", "5,,5", "5, x", "x, x", "5 5")) {
            HttpRequest r = okRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: " + v + "\r\n\r\n");
            assertEquals(-1, r.contentLength(), v);
            assertEquals(v, r.contentLengthHeader(), v);
            assertTrue(r.anomalies().contains("bad_content_length"), v);
        }
    }

    @Test
    void hugeHeaderLineIsFlaggedAndItsValueCapped() {
        String ua = "x".repeat(HttpParser.MAX_HEADER_LINE_BYTES + 1);
        HttpRequest r = okRequest("GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: " + ua + "\r\n\r\n");
        assertEquals(HttpParser.MAX_VALUE_CHARS, r.userAgent().length());
        assertEquals(List.of("header_line_too_long", "value_truncated"), r.anomalies());
        String uri = "/" + "u".repeat(HttpParser.MAX_URI_CHARS + 10);
        HttpRequest longUri = okRequest("GET " + uri + " HTTP/1.1\r\nHost: h\r\n\r\n");
        assertEquals(HttpParser.MAX_URI_CHARS, longUri.uri().length());
        assertEquals(List.of("uri_truncated"), longUri.anomalies());
    }

    @Test
    void headLongerThanTheLimitIsMalformed() {
        String big = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + "y".repeat(HttpParser.MAX_HEAD_BYTES) + "\r\n\r\n";
        assertEquals(new HttpResult.Malformed(HttpParser.HEAD_TOO_LONG), request(big));
        byte[] b = bytes(GET);
        assertEquals(new HttpResult.Malformed(HttpParser.HEAD_TOO_LONG),
                HttpParser.parseRequestHead(ByteBuffer.wrap(b), 0, b.length, b.length - 1));
        assertInstanceOf(HttpResult.Ok.class, HttpParser.parseRequestHead(ByteBuffer.wrap(b), 0, b.length, b.length));
        String bigResponse = "HTTP/1.1 200 OK\r\nX: " + "z".repeat(HttpParser.MAX_HEAD_BYTES);
        assertEquals(new HttpResult.Malformed(HttpParser.HEAD_TOO_LONG), response(bigResponse));
    }

    @Test
    void tooManyHeaders() {
        StringBuilder s = new StringBuilder("GET / HTTP/1.1\r\n");
        for (int i = 0; i < HttpParser.MAX_HEADERS; i++) {
            s.append("X-").append(i).append(": v\r\n");
        }
        s.append("Host: late\r\n\r\n");
        HttpRequest r = okRequest(s.toString());
        assertEquals("late", r.host(), "headers past the count are still read");
        assertEquals(List.of("too_many_headers"), r.anomalies());
    }

    @Test
    void missingHost() {
        assertEquals(List.of("missing_host"), okRequest("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n").anomalies());
        assertEquals(List.of(), okRequest("GET / HTTP/1.0\r\n\r\n").anomalies());
    }

    @Test
    void contentLengthOddities() {
        HttpRequest dup = okRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n");
        assertEquals(3, dup.contentLength());
        assertEquals(List.of("duplicate_content_length"), dup.anomalies());
        HttpRequest conflict = okRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 30\r\n\r\n");
        assertEquals(3, conflict.contentLength());
        assertEquals(List.of("duplicate_content_length", "conflicting_content_length"), conflict.anomalies());
        HttpRequest bad = okRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n");
        assertEquals("-1", bad.contentLengthHeader());
        assertEquals(-1, bad.contentLength());
        assertEquals(List.of("bad_content_length"), bad.anomalies());
        HttpRequest huge = okRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9999999999999999999999\r\n\r\n");
        assertEquals(-1, huge.contentLength());
        assertEquals(List.of("bad_content_length"), huge.anomalies());
        HttpResponse zero = okResponse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertEquals(0, zero.contentLength());
        assertEquals("0", zero.contentLengthHeader());
        assertEquals("9999999999999999999999", huge.contentLengthHeader(), "as sent");
        HttpRequest padded = okRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0012\r\n\r\n");
        assertEquals(12, padded.contentLength());
        assertEquals("0012", padded.contentLengthHeader(), "leading zeros as sent");
        assertEquals(List.of(), padded.anomalies());
        HttpRequest zeros = okRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 012\r\nContent-Length: 12\r\n\r\n");
        assertEquals(List.of("duplicate_content_length", "conflicting_content_length"), zeros.anomalies(),
                "two spellings of one number conflict, as their text does");
    }

    @Test
    void aPlainContentLengthIsSpeltOnDemandAndEqualsOneGivenAsText() {
        HttpRequest parsed = okRequest("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 4096\r\n\r\n");
        assertEquals("4096", parsed.contentLengthHeader());
        HttpRequest given = new HttpRequest("POST", "/a", "HTTP/1.1", "h", null, null, "4096", 4096, false, false, false,
                List.of());
        assertEquals(given, parsed);
        assertEquals(given.hashCode(), parsed.hashCode());
        HttpResponse none = okResponse("HTTP/1.1 204 No Content\r\n\r\n");
        assertNull(none.contentLengthHeader());
        assertEquals(-1, none.contentLength());
    }

    @Test
    void headerNameOddities() {
        HttpRequest r = okRequest("GET / HTTP/1.1\r\nHost : h\r\nno colon here\r\nBad(Name): v\r\n: empty\r\n\r\n");
        assertEquals("h", r.host());
        assertEquals(List.of("header_without_colon", "bad_header_name", "space_before_colon"), r.anomalies());
        HttpRequest dupHost = okRequest("GET / HTTP/1.1\r\nHOST: a\r\nhost: b\r\n\r\n");
        assertEquals("a", dupHost.host());
        assertEquals(List.of("duplicate_host"), dupHost.anomalies());
    }

    @Test
    void requestLinesTsharkAlsoAccepts() {
        // From zeek-http-methods: known methods with a missing or broken version.
        HttpRequest onlyMethod = okRequest("OPTIONS\nHost: www.google.com\n\n");
        assertEquals("OPTIONS", onlyMethod.method());
        assertEquals("", onlyMethod.uri());
        assertNull(onlyMethod.version());
        assertEquals(List.of("bare_lf", "missing_version"), onlyMethod.anomalies());
        HttpRequest noUri = okRequest("OPTIONS HTTP/1.1\nHost: www.google.com\n\n");
        assertEquals("HTTP/1.1", noUri.uri());
        assertNull(noUri.version());
        HttpRequest glued = okRequest("GET /HTTP/1.1\r\nHost: h\r\n\r\n");
        assertEquals("/HTTP/1.1", glued.uri());
        HttpRequest shortVersion = okRequest("CCM_POST / HTTP/1.\r\nHost: h\r\n\r\n");
        assertEquals("HTTP/1.", shortVersion.version());
        assertEquals(List.of("bad_version"), shortVersion.anomalies());
        HttpRequest spaces = okRequest("GET /a b HTTP/1.1  \r\nHost: h\r\n\r\n");
        assertEquals("/a b", spaces.uri());
        assertEquals("HTTP/1.1", spaces.version());
        assertEquals(List.of("space_in_uri"), spaces.anomalies());
        HttpRequest control = okRequest("GET /a\u0001b HTTP/1.1\r\nHost: h\r\n\r\n");
        assertEquals(List.of("control_char_in_uri"), control.anomalies());
    }

    @Test
    void unknownMethodsNeedAnHttpVersion() {
        HttpRequest r = okRequest("PURGE /cache HTTP/1.1\r\nHost: h\r\n\r\n");
        assertEquals("PURGE", r.method());
        assertEquals(List.of("unknown_method"), r.anomalies());
        assertEquals(HttpResult.NotHttp.INSTANCE, request("HELO mail.example.com\r\n"));
        assertEquals(HttpResult.NotHttp.INSTANCE, request("QUIT\r\n"));
        assertEquals(HttpResult.Incomplete.INSTANCE, request("PURGE /cache HTT"));
    }

    @Test
    void garbageIsNotHttp() {
        for (String s : List.of("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003", "SSH-2.0-OpenSSH_8.9\r\n",
                "GET/ HTTP/1.1\nHost: h\n\n", "OPTIONSHTTP/1.1\nHost: h\n\n", "\u00c3\u0083\u00c3 / HTTP/1.\n\n",
                " GET / HTTP/1.1\r\n\r\n", "\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
                "M".repeat(HttpParser.MAX_METHOD_CHARS + 1) + " / HTTP/1.1\r\n\r\n")) {
            assertEquals(HttpResult.NotHttp.INSTANCE, request(s), s);
        }
        for (String s : List.of("GET / HTTP/1.1\r\n\r\n", "http/1.1 200 OK\r\n\r\n", "ICY 200 OK\r\n\r\n", "\u0000")) {
            assertEquals(HttpResult.NotHttp.INSTANCE, response(s), s);
        }
        assertEquals(HttpResult.Incomplete.INSTANCE, request(""));
        assertEquals(HttpResult.Incomplete.INSTANCE, response(""));
    }

    @Test
    void statusLines() {
        HttpResponse s = okResponse("HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/html; charset=UTF-8\r\n"
                + "Content-Length: 962\r\n\r\n");
        assertEquals("HTTP/1.1", s.version());
        assertEquals(405, s.status());
        assertEquals("Method Not Allowed", s.phrase());
        assertEquals("text/html; charset=UTF-8", s.contentType());
        assertEquals(962, s.contentLength());
        HttpResponse noPhrase = okResponse("HTTP/1.1 204\r\n\r\n");
        assertEquals(204, noPhrase.status());
        assertEquals("", noPhrase.phrase());
        HttpResponse odd = okResponse("HTTP/1.x 200 OK\r\n\r\n");
        assertEquals(List.of("bad_version"), odd.anomalies());
        assertEquals(new HttpResult.Malformed(HttpParser.BAD_STATUS_CODE), response("HTTP/1.1 2x0 OK\r\n\r\n"));
        assertEquals(new HttpResult.Malformed(HttpParser.BAD_STATUS_CODE), response("HTTP/1.1 2000 OK\r\n\r\n"));
        assertEquals(new HttpResult.Malformed(HttpParser.BAD_STATUS_CODE), response("HTTP/1.1 099 Low\r\n\r\n"));
        assertEquals(new HttpResult.Malformed(HttpParser.BAD_STATUS_LINE), response("HTTP/1.1\r\n\r\n"));
        assertEquals(new HttpResult.Malformed(HttpParser.BAD_STATUS_LINE),
                response("HTTP/" + "1".repeat(40) + " 200 OK\r\n\r\n"));
    }

    /** Every proper prefix of a valid head is Incomplete: never NotHttp, Malformed or Ok. */
    @Test
    void everyTruncationIsIncomplete() {
        List<String> requests = List.of(GET, "OPTIONS\nHost: h\n\n", "PURGE / HTTP/1.1\r\nHost: h\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n");
        for (String s : requests) {
            byte[] b = bytes(s);
            for (int n = 0; n < b.length; n++) {
                assertEquals(HttpResult.Incomplete.INSTANCE, HttpParser.parseRequestHead(ByteBuffer.wrap(b), 0, n),
                        s + " cut at " + n);
            }
        }
        byte[] b = bytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n");
        for (int n = 0; n < b.length; n++) {
            assertEquals(HttpResult.Incomplete.INSTANCE, HttpParser.parseResponseHead(ByteBuffer.wrap(b), 0, n),
                    "response cut at " + n);
        }
    }

    /** Absolute offsets into a read-only view; position, limit and order stay as they were. */
    @Test
    void readsAtAnOffsetWithoutTouchingTheBuffer() {
        byte[] head = bytes(GET);
        byte[] big = new byte[head.length + 100];
        System.arraycopy(head, 0, big, 37, head.length);
        ByteBuffer view = ByteBuffer.wrap(big).asReadOnlyBuffer();
        view.position(5).limit(big.length - 3);
        HttpResult r = HttpParser.parseRequestHead(view, 37, head.length);
        assertEquals(request(GET), r);
        assertEquals(5, view.position());
        assertEquals(big.length - 3, view.limit());
        assertEquals(HttpResult.Incomplete.INSTANCE, HttpParser.parseRequestHead(view, 37, head.length - 1));
    }

    @Test
    void probes() {
        ByteBuffer get = ByteBuffer.wrap(bytes("GET /x"));
        assertEquals(HttpParser.Probe.HTTP, HttpParser.probeRequest(get, 0, 6));
        assertEquals(HttpParser.Probe.NEED_MORE, HttpParser.probeRequest(get, 0, 4));
        assertEquals(HttpParser.Probe.NOT_HTTP, HttpParser.probeRequest(ByteBuffer.wrap(bytes("PURGE /")), 0, 7));
        assertEquals(HttpParser.Probe.NOT_HTTP, HttpParser.probeRequest(ByteBuffer.wrap(bytes("GET  /")), 0, 6));
        ByteBuffer ok = ByteBuffer.wrap(bytes("HTTP/1.1 200 OK"));
        assertEquals(HttpParser.Probe.HTTP, HttpParser.probeResponse(ok, 0, 15));
        assertEquals(HttpParser.Probe.NEED_MORE, HttpParser.probeResponse(ok, 0, 11));
        assertEquals(HttpParser.Probe.NOT_HTTP, HttpParser.probeResponse(ByteBuffer.wrap(bytes("HTTP/1.1 2x")), 0, 11));
    }
}
