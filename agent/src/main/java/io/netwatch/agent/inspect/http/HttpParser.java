package io.netwatch.agent.inspect.http;

import io.netwatch.agent.inspect.TextCache;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Pure functions from the bytes at the start of an HTTP/1.x head to a {@link HttpResult}.
 *
 * <p>Input is a {@link ByteBuffer} with an absolute offset and length; the buffer's position,
 * limit and byte order are never touched (it may be a read-only view). Hostile bytes never
 * throw: implausible starts are {@link HttpResult.NotHttp}, impossible heads
 * {@link HttpResult.Malformed}, and recoverable oddities {@link HttpAnomaly} codes on a still
 * valid {@link HttpResult.Ok}. Every loop is bounded by the head-size limit or a named
 * {@code MAX_...} constant; only the fields a message keeps are copied, each capped.
 *
 * <p>It parses one head; where heads start (bodies, pipelining, gaps) is {@link HttpStream}'s job.
 */
public final class HttpParser {
    /**
     * Largest head accepted, bytes: start line, header lines and the blank line that ends them.
     * A longer one is {@link #HEAD_TOO_LONG}; a stream buffers at most this much of a head.
     */
    public static final int MAX_HEAD_BYTES = 16 * 1024;
    /** A header line longer than this, bytes, raises {@link HttpAnomaly#HEADER_LINE_TOO_LONG}. */
    public static final int MAX_HEADER_LINE_BYTES = 8 * 1024;
    /**
     * Header lines a head has before it is odd; more raise {@link HttpAnomaly#TOO_MANY_HEADERS}.
     * Every line is still read: a server frames the body by a Content-Length or
     * Transfer-Encoding however many lines come before it, so skipping the later ones would
     * misframe the body and the heads after it. {@link #MAX_HEAD_BYTES} bounds the work.
     */
    public static final int MAX_HEADERS = 128;
    /** Longest method token, characters; a longer first token is not HTTP. */
    public static final int MAX_METHOD_CHARS = 32;
    /** Most characters of a request target kept; longer ones are cut ({@link HttpAnomaly#URI_TRUNCATED}). */
    public static final int MAX_URI_CHARS = 4096;
    /** Most characters of a version kept (a longer status-line version is {@link #BAD_STATUS_LINE}). */
    public static final int MAX_VERSION_CHARS = 16;
    /** Most characters kept of Host, User-Agent and Content-Type values ({@link HttpAnomaly#VALUE_TRUNCATED}). */
    public static final int MAX_VALUE_CHARS = 512;
    /** Most characters of a reason phrase kept. */
    public static final int MAX_PHRASE_CHARS = 128;
    /** Most characters of a Content-Length value kept. */
    public static final int MAX_CONTENT_LENGTH_CHARS = 32;
    /** Most decimal digits of a Content-Length that is read as a number (below 2^63). */
    public static final int MAX_CONTENT_LENGTH_DIGITS = 18;

    /** Malformed reason: no end of head within {@link #MAX_HEAD_BYTES} (or the caller's limit). */
    public static final String HEAD_TOO_LONG = "head_too_long";
    /** Malformed reason: a status line without a space after the version, or with an oversized version. */
    public static final String BAD_STATUS_LINE = "bad_status_line";
    /** Malformed reason: the status code is not three digits. */
    public static final String BAD_STATUS_CODE = "bad_status_code";

    /**
     * Methods accepted without an HTTP version at the end of the request line: the IANA HTTP
     * method registry (RFC 9110, WebDAV, DeltaV, CalDAV...) and a few widespread vendor methods.
     * Any other token is a request only when the line ends in {@code HTTP/...}.
     */
    private static final String HTTP_1_1 = "HTTP/1.1";
    private static final String[] KNOWN_METHODS = {
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY",
        "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH", "REPORT",
        "ACL", "BIND", "UNBIND", "REBIND", "LINK", "UNLINK", "MERGE", "LABEL", "UPDATE",
        "CHECKIN", "CHECKOUT", "UNCHECKOUT", "MKACTIVITY", "MKWORKSPACE", "MKCALENDAR",
        "MKREDIRECTREF", "UPDATEREDIRECTREF", "ORDERPATCH", "BASELINE-CONTROL", "VERSION-CONTROL",
        "SUBSCRIBE", "UNSUBSCRIBE", "NOTIFY", "POLL", "BMOVE", "BDELETE", "BPROPFIND", "BPROPPATCH",
        "BCOPY", "X-MS-ENUMATTS", "RPC_IN_DATA", "RPC_OUT_DATA", "CCM_POST",
    };

    /** What a cheap look at the first bytes of a would-be head says. */
    public enum Probe {
        /** A plausible start line. */
        HTTP,
        /** Not a start line. */
        NOT_HTTP,
        /** Too few bytes to tell. */
        NEED_MORE
    }

    /** Bytes a strict probe needs at most to decide: a method, a space and one byte of target. */
    static final int MAX_PROBE_BYTES = MAX_METHOD_CHARS + 2;

    /** RFC 9110 token characters ("tchar"), as two 64-bit masks over ASCII. */
    private static final long TCHAR_LO;
    private static final long TCHAR_HI;

    static {
        long lo = 0;
        long hi = 0;
        String tchar = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for (int i = 0; i < tchar.length(); i++) {
            char c = tchar.charAt(i);
            if (c < 64) {
                lo |= 1L << c;
            } else {
                hi |= 1L << (c - 64);
            }
        }
        TCHAR_LO = lo;
        TCHAR_HI = hi;
    }

    private HttpParser() {
    }

    /** {@link #parseRequestHead(ByteBuffer, int, int, int)} with {@link #MAX_HEAD_BYTES}. */
    public static HttpResult parseRequestHead(ByteBuffer buf, int off, int len) {
        return parseRequestHead(buf, off, len, MAX_HEAD_BYTES);
    }

    /** {@link #parseResponseHead(ByteBuffer, int, int, int)} with {@link #MAX_HEAD_BYTES}. */
    public static HttpResult parseResponseHead(ByteBuffer buf, int off, int len) {
        return parseResponseHead(buf, off, len, MAX_HEAD_BYTES);
    }

    /**
     * Parses the request head that starts at {@code off}.
     *
     * <p>NotHttp when the first token is not a method (not a token, longer than
     * {@link #MAX_METHOD_CHARS}, not followed by a space or line end), when an unregistered
     * method's line holds control bytes or does not end in an HTTP version, or for the HTTP/2
     * connection preface.
     *
     * @param maxHeadBytes the largest head accepted, bytes (at most {@link #MAX_HEAD_BYTES} is sensible)
     */
    public static HttpResult parseRequestHead(ByteBuffer buf, int off, int len, int maxHeadBytes) {
        checkArgs(buf, off, len, maxHeadBytes);
        int limit = off + Math.min(len, maxHeadBytes);
        boolean full = len >= maxHeadBytes;
        // Method: a token of at most MAX_METHOD_CHARS, then a space or the end of the line.
        int i = off;
        while (i < limit && i - off <= MAX_METHOD_CHARS && isTchar(u(buf, i))) {
            i++;
        }
        int methodEnd = i;
        if (methodEnd - off > MAX_METHOD_CHARS) {
            return HttpResult.NotHttp.INSTANCE;
        }
        if (methodEnd == limit) {
            return full ? HttpResult.NotHttp.INSTANCE : HttpResult.Incomplete.INSTANCE;
        }
        if (methodEnd == off) {
            return HttpResult.NotHttp.INSTANCE;
        }
        int t = u(buf, methodEnd);
        String knownMethod = knownMethod(buf, off, methodEnd);
        boolean known = knownMethod != null;
        if (t != ' ' && !((t == '\r' || t == '\n') && known)) {
            return HttpResult.NotHttp.INSTANCE;
        }
        int lf = indexOfLf(buf, methodEnd, limit);
        if (!known && hasControlByte(buf, methodEnd, lf < 0 ? limit : lf)) {
            return HttpResult.NotHttp.INSTANCE; // binary after a word: not worth waiting for a line end
        }
        if (lf < 0) {
            return full ? new HttpResult.Malformed(HEAD_TOO_LONG) : HttpResult.Incomplete.INSTANCE;
        }
        int anomalies = 0;
        int lineEnd = lf;
        if (lineEnd > off && u(buf, lineEnd - 1) == '\r') {
            lineEnd--;
        } else {
            anomalies |= HttpAnomaly.BARE_LF.bit();
        }
        lineEnd = trimEnd(buf, methodEnd, lineEnd);

        // Target and version: one token after the method is the target (tshark reads it so
        // too); with more, the last token is the version and everything between is the target.
        int uriFrom = Math.min(methodEnd + 1, lineEnd);
        int uriTo = lineEnd;
        int versionFrom = -1;
        int lastSpace = lastIndexOfSpace(buf, uriFrom, lineEnd);
        if (lastSpace >= 0) {
            uriTo = lastSpace;
            versionFrom = lastSpace + 1;
            if (indexOfSpace(buf, uriFrom, uriTo) >= 0) {
                anomalies |= HttpAnomaly.SPACE_IN_URI.bit();
            }
        }
        String version = null;
        if (versionFrom >= 0) {
            boolean http = startsWith(buf, versionFrom, lineEnd, "HTTP/");
            if (!known && !http) {
                return HttpResult.NotHttp.INSTANCE;
            }
            if (startsWith(buf, versionFrom, lineEnd, "HTTP/2") && nameIs(buf, off, methodEnd, "pri")) {
                return HttpResult.NotHttp.INSTANCE; // the HTTP/2 prior-knowledge preface
            }
            version = copy(buf, versionFrom, lineEnd, MAX_VERSION_CHARS, HTTP_1_1);
            if (!isVersion(buf, versionFrom, lineEnd)) {
                anomalies |= HttpAnomaly.BAD_VERSION.bit();
            }
        } else {
            if (!known) {
                return HttpResult.NotHttp.INSTANCE;
            }
            anomalies |= HttpAnomaly.MISSING_VERSION.bit();
        }
        if (!known) {
            anomalies |= HttpAnomaly.UNKNOWN_METHOD.bit();
        }
        for (int k = uriFrom; k < uriTo; k++) { // bounded by the line, within the head limit
            int c = u(buf, k);
            if (c < 0x20 || c == 0x7f) {
                anomalies |= HttpAnomaly.CONTROL_CHAR_IN_URI.bit();
                break;
            }
        }
        if (uriTo - uriFrom > MAX_URI_CHARS) {
            anomalies |= HttpAnomaly.URI_TRUNCATED.bit();
        }
        String method = known ? knownMethod : copy(buf, off, methodEnd, MAX_METHOD_CHARS);
        String uri = copy(buf, uriFrom, uriTo, MAX_URI_CHARS);

        Headers h = new Headers(anomalies);
        int headEnd = h.parse(buf, lf + 1, limit);
        if (headEnd < 0) {
            return full ? new HttpResult.Malformed(HEAD_TOO_LONG) : HttpResult.Incomplete.INSTANCE;
        }
        if (h.host == null && HTTP_1_1.equals(version)) {
            h.anomalies |= HttpAnomaly.MISSING_HOST.bit();
        }
        if (h.host != null && authorityDiffers(uri, h.host)) {
            h.anomalies |= HttpAnomaly.HOST_MISMATCH.bit();
        }
        HttpRequest request = new HttpRequest(method, uri, version, h.host, h.userAgent, h.contentType,
                h.contentLengthHeader, h.contentLength, h.chunked, h.connectionClose, h.upgrade,
                HttpAnomaly.codes(h.anomalies));
        return new HttpResult.Ok(request, headEnd - off);
    }

    /**
     * Parses the response head that starts at {@code off}: NotHttp unless it starts with
     * {@code HTTP/}.
     *
     * @param maxHeadBytes the largest head accepted, bytes
     */
    public static HttpResult parseResponseHead(ByteBuffer buf, int off, int len, int maxHeadBytes) {
        checkArgs(buf, off, len, maxHeadBytes);
        int limit = off + Math.min(len, maxHeadBytes);
        boolean full = len >= maxHeadBytes;
        String magic = "HTTP/";
        for (int k = 0; k < magic.length(); k++) {
            if (off + k >= limit) {
                return full ? HttpResult.NotHttp.INSTANCE : HttpResult.Incomplete.INSTANCE;
            }
            if (u(buf, off + k) != magic.charAt(k)) {
                return HttpResult.NotHttp.INSTANCE;
            }
        }
        int lf = indexOfLf(buf, off, limit);
        if (lf < 0) {
            return full ? new HttpResult.Malformed(HEAD_TOO_LONG) : HttpResult.Incomplete.INSTANCE;
        }
        int anomalies = 0;
        int lineEnd = lf;
        if (u(buf, lineEnd - 1) == '\r') {
            lineEnd--;
        } else {
            anomalies |= HttpAnomaly.BARE_LF.bit();
        }
        int space = indexOfSpace(buf, off, lineEnd);
        if (space < 0 || space - off > MAX_VERSION_CHARS) {
            return new HttpResult.Malformed(BAD_STATUS_LINE);
        }
        if (!isVersion(buf, off, space)) {
            anomalies |= HttpAnomaly.BAD_VERSION.bit();
        }
        int s = space + 1;
        if (s + 3 > lineEnd || !isDigit(u(buf, s)) || !isDigit(u(buf, s + 1)) || !isDigit(u(buf, s + 2))
                || u(buf, s) == '0' || (s + 3 < lineEnd && !isSpace(u(buf, s + 3)))) {
            return new HttpResult.Malformed(BAD_STATUS_CODE);
        }
        int status = (u(buf, s) - '0') * 100 + (u(buf, s + 1) - '0') * 10 + (u(buf, s + 2) - '0');
        int phraseFrom = Math.min(s + 4, lineEnd);
        int phraseTo = trimEnd(buf, phraseFrom, lineEnd);
        if (phraseTo - phraseFrom > MAX_PHRASE_CHARS) {
            anomalies |= HttpAnomaly.VALUE_TRUNCATED.bit();
        }
        String version = copy(buf, off, space, MAX_VERSION_CHARS, HTTP_1_1);
        String phrase = copy(buf, phraseFrom, phraseTo, MAX_PHRASE_CHARS, "OK");

        Headers h = new Headers(anomalies);
        int headEnd = h.parse(buf, lf + 1, limit);
        if (headEnd < 0) {
            return full ? new HttpResult.Malformed(HEAD_TOO_LONG) : HttpResult.Incomplete.INSTANCE;
        }
        HttpResponse response = new HttpResponse(version, status, phrase, h.contentType, h.contentLengthHeader,
                h.contentLength, h.chunked, h.connectionClose, HttpAnomaly.codes(h.anomalies));
        return new HttpResult.Ok(response, headEnd - off);
    }

    /**
     * A Content-Length value as a message keeps it: null when it is the plain decimal spelling
     * of {@code length} (spelt again by {@link #spelt}), else as sent.
     */
    static String unlessPlain(String header, long length) {
        return header != null && length >= 0 && header.equals(Long.toString(length)) ? null : header;
    }

    /** A Content-Length value as sent, from what a message keeps of it (see {@link #unlessPlain}). */
    static String spelt(String kept, long length) {
        return kept != null || length < 0 ? kept : Long.toString(length);
    }

    /**
     * A strict probe for a request start, for resynchronising inside a stream: a registered
     * method, one space, and a target byte that is not a space or control character. Needs at
     * most {@link #MAX_PROBE_BYTES} bytes.
     */
    public static Probe probeRequest(ByteBuffer buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.limit());
        int end = off + Math.min(len, MAX_PROBE_BYTES);
        int i = off;
        while (i < end && i - off <= MAX_METHOD_CHARS && isTchar(u(buf, i))) {
            i++;
        }
        if (i == off || i - off > MAX_METHOD_CHARS) {
            return Probe.NOT_HTTP;
        }
        if (i == end) {
            return Probe.NEED_MORE;
        }
        if (u(buf, i) != ' ' || !isKnownMethod(buf, off, i)) {
            return Probe.NOT_HTTP;
        }
        if (i + 1 == end) {
            return Probe.NEED_MORE;
        }
        int c = u(buf, i + 1);
        return c > 0x20 && c != 0x7f ? Probe.HTTP : Probe.NOT_HTTP;
    }

    /**
     * A strict probe for a response start: {@code HTTP/<digit>.<digit> <digit><digit><digit>}.
     * Needs at most 12 bytes.
     */
    public static Probe probeResponse(ByteBuffer buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.limit());
        String pattern = "HTTP/9.9 999"; // 9 stands for any digit
        for (int k = 0; k < pattern.length(); k++) {
            if (k >= len) {
                return Probe.NEED_MORE;
            }
            int c = u(buf, off + k);
            char p = pattern.charAt(k);
            if (p == '9' ? !isDigit(c) : c != p) {
                return Probe.NOT_HTTP;
            }
        }
        return Probe.HTTP;
    }

    /** The header fields a head keeps, filled line by line. */
    private static final class Headers {
        private static final int KEPT_NONE = 0;
        private static final int KEPT_HOST = 1;
        private static final int KEPT_USER_AGENT = 2;
        private static final int KEPT_CONTENT_TYPE = 3;
        private static final int KEPT_TRANSFER_ENCODING = 4;
        private static final int KEPT_CONNECTION = 5;
        private static final int KEPT_UPGRADE = 6;
        private static final int KEPT_CONTENT_LENGTH = 7;
        /** A Content-Length element state: nothing but whitespace yet since the line or a comma. */
        private static final int CL_EMPTY = 0;
        /** A Content-Length element state: some text read (then perhaps whitespace). */
        private static final int CL_TEXT = 1;

        int anomalies;
        String host;
        String userAgent;
        String contentType;
        /** The first Content-Length value as sent, unless it is the plain spelling of {@link #contentLength}. */
        String contentLengthHeader;
        long contentLength = -1;
        boolean sawContentLength;
        boolean transferEncoding;
        /** Set at the blank line: the final transfer coding is chunked. */
        boolean chunked;
        /** Set at the blank line: Connection lists close. */
        boolean connectionClose;
        boolean upgrade;
        /** The Transfer-Encoding list so far, against {@code chunked} ({@link #listByte}). */
        private int transferCodings;
        /** The Connection list so far, against {@code close} ({@link #listByte}). */
        private int connectionOptions;
        /** Which kept value the previous header line set, for obsolete line folding. */
        private int lastKept = KEPT_NONE;
        // Content-Length: each field line, folds included, is read as a comma list whose
        // elements must all be the first line's first one ({@link #contentLengthList}).
        /** The first Content-Length element, bytes [clFrom, clTo) of the head; clFrom -1 before one. */
        private int clFrom = -1;
        private int clTo;
        /** Reading the first Content-Length field line (or its folds), which gives the length. */
        private boolean clFirstLine;
        /** The first Content-Length field line's own value, bytes [clLineFrom, clLineTo). */
        private int clLineFrom;
        private int clLineTo;
        /** That value unfolded, once a fold continued it (null before). */
        private String clUnfolded;
        /** Of the Content-Length field line being read: {@link #CL_EMPTY} or {@link #CL_TEXT}. */
        private int clElement;
        /** Of that line: non-empty elements read. */
        private int clElements;
        /** Of that line: an element is not a decimal number, or is two words, or is empty. */
        private boolean clBad;
        /** Of that line: an element is not, as text, the first one (or there is none to be). */
        private boolean clDiffers;
        private int count;

        Headers(int anomalies) {
            this.anomalies = anomalies;
        }

        /**
         * Reads header lines from {@code p} up to the blank line. Returns the offset just past
         * the blank line, or -1 when none is found before {@code limit}. Each iteration consumes
         * at least one byte, so the loop is bounded by the head limit.
         */
        int parse(ByteBuffer b, int p, int limit) {
            while (p < limit) {
                int lf = indexOfLf(b, p, limit);
                if (lf < 0) {
                    return -1;
                }
                int lineEnd = lf;
                if (lineEnd > p && u(b, lineEnd - 1) == '\r') {
                    lineEnd--;
                } else {
                    anomalies |= HttpAnomaly.BARE_LF.bit();
                }
                if (lineEnd == p) {
                    end(b);
                    return lf + 1;
                }
                line(b, p, lineEnd);
                p = lf + 1;
            }
            return -1;
        }

        private void line(ByteBuffer b, int from, int to) {
            if (to - from > MAX_HEADER_LINE_BYTES) {
                anomalies |= HttpAnomaly.HEADER_LINE_TOO_LONG.bit();
            }
            if (++count > MAX_HEADERS) {
                anomalies |= HttpAnomaly.TOO_MANY_HEADERS.bit();
            }
            int first = u(b, from);
            if (first == ' ' || first == '\t') {
                anomalies |= HttpAnomaly.OBS_FOLD.bit();
                fold(b, from, to);
                return;
            }
            if (lastKept == KEPT_CONTENT_LENGTH) {
                endContentLength(b);
            }
            lastKept = KEPT_NONE;
            int colon = -1;
            int nameEnd = -1;
            boolean badName = false;
            for (int i = from; i < to; i++) { // bounded by the line
                int c = u(b, i);
                if (c == ':') {
                    colon = i;
                    break;
                }
                if (c == ' ' || c == '\t') {
                    if (nameEnd < 0) {
                        nameEnd = i;
                    }
                } else if (nameEnd >= 0 || !isTchar(c)) {
                    badName = true;
                }
            }
            if (colon < 0) {
                anomalies |= HttpAnomaly.HEADER_WITHOUT_COLON.bit();
                return;
            }
            if (badName || colon == from) {
                anomalies |= HttpAnomaly.BAD_HEADER_NAME.bit();
            }
            if (nameEnd < 0) {
                nameEnd = colon;
            } else {
                anomalies |= HttpAnomaly.SPACE_BEFORE_COLON.bit();
            }
            int vFrom = trimStart(b, colon + 1, to);
            int vTo = trimEnd(b, vFrom, to);
            switch (nameEnd - from) {
                case 4 -> {
                    if (nameIs(b, from, nameEnd, "host")) {
                        if (host != null) {
                            anomalies |= HttpAnomaly.DUPLICATE_HOST.bit();
                        } else {
                            host = value(b, vFrom, vTo);
                            lastKept = KEPT_HOST;
                        }
                    }
                }
                case 7 -> {
                    if (nameIs(b, from, nameEnd, "upgrade")) {
                        upgrade = vTo > vFrom;
                        lastKept = KEPT_UPGRADE;
                    }
                }
                case 10 -> {
                    if (nameIs(b, from, nameEnd, "user-agent")) {
                        if (userAgent == null) {
                            userAgent = value(b, vFrom, vTo);
                            lastKept = KEPT_USER_AGENT;
                        }
                    } else if (nameIs(b, from, nameEnd, "connection")) {
                        // Field lines of one name make one list: a comma between them.
                        connectionOptions = listBytes(endElement(connectionOptions, "close"), b, vFrom, vTo, "close");
                        lastKept = KEPT_CONNECTION;
                    }
                }
                case 12 -> {
                    if (nameIs(b, from, nameEnd, "content-type") && contentType == null) {
                        contentType = value(b, vFrom, vTo);
                        lastKept = KEPT_CONTENT_TYPE;
                    }
                }
                case 14 -> {
                    if (nameIs(b, from, nameEnd, "content-length")) {
                        contentLength(b, vFrom, vTo);
                    }
                }
                case 17 -> {
                    if (nameIs(b, from, nameEnd, "transfer-encoding")) {
                        transferEncoding = true;
                        transferCodings = listBytes(endElement(transferCodings, "chunked"), b, vFrom, vTo, "chunked");
                        lastKept = KEPT_TRANSFER_ENCODING;
                    }
                }
                default -> {
                }
            }
        }

        /**
         * A continuation line: appended, after one space, to the kept value of the line before it,
         * as a server that unfolds reads it (RFC 9112 section 5.2): for Transfer-Encoding and
         * Connection, the space may join the last element of that line and the first of this one.
         */
        private void fold(ByteBuffer b, int from, int to) {
            int vFrom = trimStart(b, from, to);
            int vTo = trimEnd(b, vFrom, to);
            if (vFrom == vTo) {
                return;
            }
            switch (lastKept) {
                case KEPT_HOST -> host = append(host, b, vFrom, vTo);
                case KEPT_USER_AGENT -> userAgent = append(userAgent, b, vFrom, vTo);
                case KEPT_CONTENT_TYPE -> contentType = append(contentType, b, vFrom, vTo);
                case KEPT_TRANSFER_ENCODING ->
                    transferCodings = listBytes(listByte(transferCodings, ' ', "chunked"), b, vFrom, vTo, "chunked");
                case KEPT_CONNECTION ->
                    connectionOptions = listBytes(listByte(connectionOptions, ' ', "close"), b, vFrom, vTo, "close");
                case KEPT_UPGRADE -> upgrade = true;
                case KEPT_CONTENT_LENGTH -> {
                    if (clFirstLine) {
                        clUnfolded = unfold(clUnfolded != null ? clUnfolded
                                : copy(b, clLineFrom, clLineTo, MAX_CONTENT_LENGTH_CHARS), b, vFrom, vTo);
                    }
                    contentLengthList(b, vFrom, vTo);
                }
                default -> {
                }
            }
        }

        /** At the blank line: what the lists say, and the anomalies only the whole head shows. */
        private void end(ByteBuffer b) {
            if (lastKept == KEPT_CONTENT_LENGTH) {
                endContentLength(b);
            }
            chunked = (endElement(transferCodings, "chunked") & LAST_IS_TOKEN) != 0;
            connectionClose = (endElement(connectionOptions, "close") & SOME_IS_TOKEN) != 0;
            if (transferEncoding && !chunked) {
                anomalies |= HttpAnomaly.BAD_TRANSFER_ENCODING.bit();
            }
            if (transferEncoding && sawContentLength) {
                anomalies |= HttpAnomaly.TRANSFER_ENCODING_AND_CONTENT_LENGTH.bit();
            }
        }

        private String append(String kept, ByteBuffer b, int from, int to) {
            int room = MAX_VALUE_CHARS - kept.length() - 1;
            if (to - from > room) {
                anomalies |= HttpAnomaly.VALUE_TRUNCATED.bit();
            }
            if (room <= 0) {
                return kept;
            }
            return kept + " " + copy(b, from, Math.min(to, from + room), room);
        }

        private String value(ByteBuffer b, int from, int to) {
            if (to - from > MAX_VALUE_CHARS) {
                anomalies |= HttpAnomaly.VALUE_TRUNCATED.bit();
            }
            return copy(b, from, to, MAX_VALUE_CHARS);
        }

        /**
         * A Content-Length field line. Its value is read as a list (RFC 9110 section 8.6: a
         * recipient may take {@code 42, 42} as 42), and so are its folds: the fold is a space, so
         * {@code 4} folded onto {@code 2} is the one element {@code 4 2}, not a number. The value
         * is read at the line that follows ({@link #endContentLength}).
         */
        private void contentLength(ByteBuffer b, int from, int to) {
            clFirstLine = !sawContentLength;
            if (sawContentLength) {
                anomalies |= HttpAnomaly.DUPLICATE_CONTENT_LENGTH.bit();
            } else {
                clLineFrom = from;
                clLineTo = to;
            }
            sawContentLength = true;
            clElement = CL_EMPTY;
            clElements = 0;
            clBad = false;
            clDiffers = false;
            contentLengthList(b, from, to);
            lastKept = KEPT_CONTENT_LENGTH;
        }

        /**
         * More of the Content-Length list being read: the trimmed bytes [from, to) of its field
         * line or of a fold of it. Elements are compared as text with the first one, as before
         * (so {@code 012} and {@code 12} differ); no copy is made.
         */
        private void contentLengthList(ByteBuffer b, int from, int to) {
            int start = from;
            for (int i = from; i <= to; i++) { // bounded by the line
                boolean comma = i < to && u(b, i) == ',';
                if (i < to && !comma) {
                    continue;
                }
                int eFrom = trimStart(b, start, i);
                int eTo = trimEnd(b, eFrom, i);
                if (eFrom < eTo) {
                    if (clElement == CL_TEXT) {
                        clBad = true; // a second word in one element: "4 2", or 4 folded onto 2
                    } else {
                        clElement = CL_TEXT;
                        clElements++;
                        contentLengthElement(b, eFrom, eTo);
                    }
                }
                if (comma) {
                    if (clElement == CL_EMPTY) {
                        clBad = true; // an empty element: ", 5" or "5,, 5"
                    }
                    clElement = CL_EMPTY;
                }
                start = i + 1;
            }
        }

        private void contentLengthElement(ByteBuffer b, int from, int to) {
            boolean number = to - from <= MAX_CONTENT_LENGTH_DIGITS;
            for (int i = from; number && i < to; i++) { // at most MAX_CONTENT_LENGTH_DIGITS
                number = isDigit(u(b, i));
            }
            clBad |= !number;
            if (clFrom < 0) {
                if (clFirstLine) {
                    clFrom = from;
                    clTo = to;
                } else {
                    clDiffers = true;
                }
            } else if (clTo - clFrom != to - from || !sameBytes(b, clFrom, from, to - from)) {
                clDiffers = true;
            }
        }

        /**
         * The end of a Content-Length field line and its folds. The first gives the length when
         * it is one number, or one number repeated ({@code 5, 5}: duplicate_content_length);
         * differing values in it are refused (bad_content_length and conflicting_content_length,
         * no length). A later line that is not the first's number, alone or repeated, conflicts.
         */
        private void endContentLength(ByteBuffer b) {
            boolean bad = clBad || clElement == CL_EMPTY; // CL_EMPTY: an empty value or a last element
            if (!clFirstLine) {
                if (bad || clDiffers) {
                    anomalies |= HttpAnomaly.CONFLICTING_CONTENT_LENGTH.bit();
                }
                return;
            }
            if (clElements > 1) {
                anomalies |= HttpAnomaly.DUPLICATE_CONTENT_LENGTH.bit();
            }
            if (clDiffers) {
                anomalies |= HttpAnomaly.CONFLICTING_CONTENT_LENGTH.bit();
            }
            if (bad || clDiffers) {
                anomalies |= HttpAnomaly.BAD_CONTENT_LENGTH.bit();
                contentLengthHeader = clUnfolded != null ? clUnfolded
                        : copy(b, clLineFrom, clLineTo, MAX_CONTENT_LENGTH_CHARS);
                return;
            }
            long v = 0;
            for (int i = clFrom; i < clTo; i++) { // at most MAX_CONTENT_LENGTH_DIGITS
                v = v * 10 + (u(b, i) - '0');
            }
            contentLength = v;
            // The plain spelling of the number (most values) is not copied: the message spells
            // it when asked. A leading zero, a list or a fold is kept as sent (unfolded).
            if (clUnfolded != null) {
                contentLengthHeader = clUnfolded;
            } else if (clElements > 1 || u(b, clFrom) == '0' && clTo - clFrom > 1) {
                contentLengthHeader = copy(b, clLineFrom, clLineTo, MAX_CONTENT_LENGTH_CHARS);
            }
        }

        /** A Content-Length value as sent, unfolded: {@code kept}, one space, then [from, to). */
        private static String unfold(String kept, ByteBuffer b, int from, int to) {
            if (kept.isEmpty()) {
                return copy(b, from, to, MAX_CONTENT_LENGTH_CHARS);
            }
            int room = MAX_CONTENT_LENGTH_CHARS - kept.length() - 1;
            return room <= 0 ? kept : kept + " " + copy(b, from, to, room);
        }
    }

    // ---- comma-separated lists (Transfer-Encoding, Connection) ----
    //
    // A list may come in pieces: the field lines of one name make one list (RFC 9110 section
    // 5.3), and a folded line continues a value after a space (RFC 9112 section 5.2). So a list
    // is read byte by byte, against one token, into an int: bits 0-3 say what the element being
    // read is so far, two bits above them what the elements ended so far were. Empty elements
    // are ignored (RFC 9110 section 5.6.1).

    /**
     * Bits 0-3 of a list state, the element being read, for a token of n characters: 0 nothing
     * but whitespace yet; k in 1..n the token's first k characters (ASCII case ignored); n + 1
     * all of it, then whitespace; {@link #OTHER_ELEMENT} anything else.
     */
    private static final int ELEMENT = 0xF;
    private static final int OTHER_ELEMENT = 0xF;
    /** A list state bit: the last non-empty element ended was the token. */
    private static final int LAST_IS_TOKEN = 0x10;
    /** A list state bit: some element ended was the token. */
    private static final int SOME_IS_TOKEN = 0x20;

    /** {@code state} after the bytes [from, to) of a list value, read against {@code token}. */
    private static int listBytes(int state, ByteBuffer b, int from, int to, String token) {
        for (int i = from; i < to; i++) { // bounded by the line
            state = listByte(state, u(b, i), token);
        }
        return state;
    }

    /**
     * {@code state} after one byte of a list value read against {@code token} (lower case, at
     * most 13 characters): a comma ends the element.
     */
    private static int listByte(int state, int c, String token) {
        if (c == ',') {
            return endElement(state, token);
        }
        int e = state & ELEMENT;
        int n = token.length();
        int next;
        if (isSpace(c)) {
            next = e == 0 ? 0 : e == n || e == n + 1 ? n + 1 : OTHER_ELEMENT;
        } else {
            int lower = c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
            next = e < n && lower == token.charAt(e) ? e + 1 : OTHER_ELEMENT;
        }
        return state & ~ELEMENT | next;
    }

    /** {@code state} once the element being read ends (at a comma or the end of the value); an empty one changes nothing. */
    private static int endElement(int state, String token) {
        int e = state & ELEMENT;
        if (e == 0) {
            return state;
        }
        int n = token.length();
        return e == n || e == n + 1 ? LAST_IS_TOKEN | SOME_IS_TOKEN : state & SOME_IS_TOKEN;
    }

    /**
     * True when {@code uri} is absolute-form ({@code scheme://authority...}) and its authority
     * (without user info) differs from the Host header, ignoring case.
     */
    private static boolean authorityDiffers(String uri, String host) {
        int scheme = uri.indexOf("://");
        if (scheme <= 0 || uri.charAt(0) == '/') {
            return false;
        }
        int from = scheme + 3;
        int to = from;
        while (to < uri.length() && "/?#".indexOf(uri.charAt(to)) < 0) {
            to++;
        }
        int at = uri.lastIndexOf('@', to - 1);
        if (at >= from) {
            from = at + 1;
        }
        return !uri.substring(from, to).equalsIgnoreCase(host);
    }

    private static void checkArgs(ByteBuffer buf, int off, int len, int maxHeadBytes) {
        Objects.requireNonNull(buf, "buf");
        Objects.checkFromIndexSize(off, len, buf.limit());
        if (maxHeadBytes < 4) {
            throw new IllegalArgumentException("maxHeadBytes " + maxHeadBytes + " < 4");
        }
    }

    private static boolean isKnownMethod(ByteBuffer b, int from, int to) {
        return knownMethod(b, from, to) != null;
    }

    /** The registered method that bytes [from, to) spell exactly, or null. */
    private static String knownMethod(ByteBuffer b, int from, int to) {
        for (String m : KNOWN_METHODS) {
            if (m.length() == to - from && matches(b, from, m)) {
                return m;
            }
        }
        return null;
    }

    /**
     * The text of bytes [from, to), at most {@code cap} of them: {@code common} itself when
     * they spell it (a version, a reason phrase that nearly every message sends), without a
     * lookup in the text cache, whose slots are seldom in the processor's cache.
     */
    private static String copy(ByteBuffer b, int from, int to, int cap, String common) {
        return to - from == common.length() && matches(b, from, common) ? common : copy(b, from, to, cap);
    }

    /** True when the {@code n} bytes at {@code a} and at {@code c} are the same. */
    private static boolean sameBytes(ByteBuffer b, int a, int c, int n) {
        for (int k = 0; k < n; k++) { // bounded by the line
            if (b.get(a + k) != b.get(c + k)) {
                return false;
            }
        }
        return true;
    }

    /** Case-sensitive comparison of {@code s.length()} bytes at {@code from}; the caller checked the length. */
    private static boolean matches(ByteBuffer b, int from, String s) {
        for (int k = 0; k < s.length(); k++) {
            if (u(b, from + k) != s.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** True when bytes [from, to) spell {@code lower} ignoring ASCII case. */
    static boolean nameIs(ByteBuffer b, int from, int to, String lower) {
        if (to - from != lower.length()) {
            return false;
        }
        for (int k = 0; k < lower.length(); k++) {
            int c = u(b, from + k);
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lower.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(ByteBuffer b, int from, int to, String prefix) {
        return to - from >= prefix.length() && matches(b, from, prefix);
    }

    /** {@code HTTP/<digit>.<digit>} exactly. */
    private static boolean isVersion(ByteBuffer b, int from, int to) {
        return to - from == 8 && matches(b, from, "HTTP/") && isDigit(u(b, from + 5)) && u(b, from + 6) == '.'
                && isDigit(u(b, from + 7));
    }

    /** A byte below 0x20 other than tab and CR, or DEL, in [from, to). */
    private static boolean hasControlByte(ByteBuffer b, int from, int to) {
        for (int i = from; i < to; i++) {
            int c = u(b, i);
            if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    static int indexOfLf(ByteBuffer b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b.get(i) == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static int indexOfSpace(ByteBuffer b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b.get(i) == ' ') {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOfSpace(ByteBuffer b, int from, int to) {
        for (int i = to - 1; i >= from; i--) {
            if (b.get(i) == ' ') {
                return i;
            }
        }
        return -1;
    }

    private static int trimStart(ByteBuffer b, int from, int to) {
        while (from < to && isSpace(u(b, from))) {
            from++;
        }
        return from;
    }

    private static int trimEnd(ByteBuffer b, int from, int to) {
        while (to > from && isSpace(u(b, to - 1))) {
            to--;
        }
        return to;
    }

    /** Bytes [from, to), at most {@code cap} of them, one char per byte. */
    private static String copy(ByteBuffer b, int from, int to, int cap) {
        // Methods, versions, hosts, user agents and content types repeat from message to message.
        return TextCache.forThisThread().latin1(b, from, Math.min(to - from, cap));
    }

    private static int u(ByteBuffer b, int i) {
        return b.get(i) & 0xFF;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isSpace(int c) {
        return c == ' ' || c == '\t';
    }

    static boolean isTchar(int c) {
        if (c < 64) {
            return (TCHAR_LO & (1L << c)) != 0;
        }
        return c < 128 && (TCHAR_HI & (1L << (c - 64))) != 0;
    }
}
