package io.netwatch.agent.inspect.http;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The HTTP/1.x state of one direction of one TCP connection: fed the direction's bytes in
 * order, it hands every head it completes to a {@link Sink} (several per segment when
 * requests are pipelined) and skips bodies by Content-Length, by chunked framing (chunk sizes,
 * extensions and trailers) or, for a response without either, to the end of the stream.
 * Responses to HEAD, 1xx, 204 and 304 have no body; a server stream learns the method of the
 * request each response answers from {@link PendingRequests} ({@link HttpTransaction} wires
 * that up).
 *
 * <p>Lost bytes ({@link #gap(long)}) inside a length-delimited body are skipped exactly;
 * anywhere else the stream stops trusting bodies and resynchronises: it scans line starts for
 * a strict request or status line ({@link HttpParser#probeRequest}, {@link HttpParser#probeResponse})
 * and gives up the direction after {@link #MAX_RESYNC_BYTES} ({@link Event#GAVE_UP}).
 *
 * <p>Memory is bounded: at most the head-size limit of a partial head is buffered (allocated on
 * first need), plus {@link HttpParser#MAX_PROBE_BYTES} while resynchronising. Single-threaded,
 * like the flow state it belongs to; it never throws on packet bytes.
 */
public final class HttpStream {
    /** Bytes scanned for a head start after losing place, per episode, before giving up the direction. */
    public static final int MAX_RESYNC_BYTES = 256 * 1024;
    /** Longest chunk-size line (size, extensions, line end), bytes. */
    public static final int MAX_CHUNK_LINE_BYTES = 1024;
    /** Most hex digits in a chunk size, leading zeros aside (keeps it below 2^60 bytes). */
    public static final int MAX_CHUNK_SIZE_DIGITS = 15;
    /**
     * The largest chunk size read so far that another digit may follow: past it the size has
     * {@link #MAX_CHUNK_SIZE_DIGITS} significant digits already.
     */
    private static final long MAX_SIZE_BEFORE_A_DIGIT = (1L << 4 * (MAX_CHUNK_SIZE_DIGITS - 1)) - 1;
    /** Largest trailer section after the last chunk, bytes. */
    public static final int MAX_TRAILER_BYTES = HttpParser.MAX_HEAD_BYTES;
    /** Smallest head limit a stream accepts, bytes (room for a carried resync candidate). */
    public static final int MIN_HEAD_BYTES = 64;
    /** Empty-line bytes (CR, LF) skipped before a head; RFC 9112 section 2.2 tolerates some. */
    public static final int MAX_EMPTY_LINE_BYTES = 8;

    /** Which end of the connection sent the bytes. */
    public enum Side {
        /** The client: requests. */
        CLIENT,
        /** The server: responses. */
        SERVER
    }

    /** Receives each head a stream completes, in stream order. */
    @FunctionalInterface
    public interface Sink {
        void head(HttpMessage message);
    }

    /** What a server stream needs to know about the request a response answers. */
    @FunctionalInterface
    public interface PendingRequests {
        /** Nothing is known: every response is taken to answer a GET. */
        PendingRequests NONE = () -> null;

        /** The method of the oldest request not yet answered by a final response, or {@code null}. */
        String oldestUnansweredMethod();
    }

    /** Things that happened to the direction as a whole (not to one head). */
    public enum Event {
        /** The direction did not start with an HTTP head; parsing stopped. */
        NOT_HTTP("not_http"),
        /** CONNECT succeeded, the protocol was switched (101), or the bytes after such a request were not HTTP; parsing stopped. */
        TUNNEL("tunnel"),
        /** The reassembler reported lost bytes. */
        GAP("gap"),
        /** A head was expected but the bytes were not one, or bytes were lost outside a length-delimited body. */
        DESYNC("desync"),
        /** A head could not be parsed ({@link #lastMalformedReason()}). */
        MALFORMED_HEAD("malformed_head"),
        /** Chunked framing was broken: a bad size line or a missing line end after chunk data. */
        BAD_CHUNK("bad_chunk"),
        /** A chunk-size line longer than {@link #MAX_CHUNK_LINE_BYTES}. */
        CHUNK_LINE_TOO_LONG("chunk_line_too_long"),
        /** Trailers longer than {@link #MAX_TRAILER_BYTES}. */
        TRAILER_TOO_LONG("trailer_too_long"),
        /** A head start was found again after losing place. */
        RESYNCED("resynced"),
        /** No head start within {@link #MAX_RESYNC_BYTES} after losing place; parsing stopped. */
        GAVE_UP("gave_up"),
        /** The stream ended inside a head or a length-delimited or chunked body. */
        TRUNCATED("truncated");

        private final String code;

        Event(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private static final int HEAD = 0;
    private static final int BODY_LENGTH = 1;
    private static final int CHUNK_SIZE = 2;
    private static final int CHUNK_EXT = 3;
    private static final int CHUNK_DATA = 4;
    private static final int CHUNK_DATA_CR = 5;
    private static final int CHUNK_DATA_LF = 6;
    private static final int TRAILER_LINE_START = 7;
    private static final int TRAILER_LINE = 8;
    private static final int TRAILER_END_LF = 9;
    private static final int TO_CLOSE = 10;
    private static final int RESYNC = 11;
    private static final int STOPPED = 12;

    private final Side side;
    private final int maxHeadBytes;
    private final Sink sink;
    private final PendingRequests pending;

    private int state = HEAD;
    private int events;
    private String lastMalformedReason;
    private long messages;
    private long gapBytes;

    /** No head parsed and no bytes lost yet: a first head that is not HTTP stops the direction. */
    private boolean fresh = true;
    /** The last request was CONNECT or asked for an upgrade: non-HTTP bytes next mean a tunnel. */
    private boolean tunnelPending;

    /** CR and LF bytes skipped before the next head. */
    private int emptyLineBytes;

    /** Buffered bytes of a head that spans feeds; null until first needed. */
    private byte[] partial;
    private ByteBuffer partialView;
    private int partialLen;
    /** The buffered head bytes contain a line end (its start line is complete). */
    private boolean partialHasLf;
    /** The buffered head was rebuilt from a resync candidate: parse it on the next bytes. */
    private boolean reparse;

    /** Bytes left of a Content-Length body or of the current chunk's data. */
    private long remaining;
    private long chunkSize;
    private int chunkDigits;
    private int lineBytes;
    private int trailerBytes;

    private boolean atLineStart;
    private long resyncScanned;
    /** A candidate line start too short to probe yet, while resynchronising; allocated on first resync. */
    private byte[] carry;
    private ByteBuffer carryView;
    /** The carried bytes plus the next feed's first ones, probed together. */
    private byte[] scratch;
    private ByteBuffer scratchView;
    private int carryLen;
    private boolean candidatePending;
    /** Where the last resync scan found its candidate (the offset it returned). */
    private int resyncFoundAt;

    /**
     * @param side         whose bytes this stream is fed
     * @param maxHeadBytes the largest head accepted and buffered, bytes (at least {@link #MIN_HEAD_BYTES};
     *                     {@link HttpParser#MAX_HEAD_BYTES} by default)
     * @param sink         receives every completed head
     * @param pending      for a server stream, the method of the request each response answers;
     *                     ignored for a client stream
     */
    public HttpStream(Side side, int maxHeadBytes, Sink sink, PendingRequests pending) {
        this.side = Objects.requireNonNull(side, "side");
        if (maxHeadBytes < MIN_HEAD_BYTES) {
            throw new IllegalArgumentException("maxHeadBytes " + maxHeadBytes + " < " + MIN_HEAD_BYTES);
        }
        this.maxHeadBytes = maxHeadBytes;
        this.sink = Objects.requireNonNull(sink, "sink");
        this.pending = Objects.requireNonNull(pending, "pending");
    }

    /** A stream with the default head limit and, for a server stream, no request knowledge. */
    public HttpStream(Side side, Sink sink) {
        this(side, HttpParser.MAX_HEAD_BYTES, sink, PendingRequests.NONE);
    }

    /**
     * Feeds the next {@code len} bytes of the direction, contiguous with the previous feed.
     * Bytes are read with absolute gets; the buffer is not kept.
     */
    public void feed(ByteBuffer buf, int off, int len) {
        Objects.requireNonNull(buf, "buf");
        Objects.checkFromIndexSize(off, len, buf.limit());
        int pos = off;
        int end = off + len;
        // Every step consumes at least one byte, or changes state so that the next one does
        // (HEAD failing into RESYNC, RESYNC handing a candidate to HEAD), so the loop is bounded
        // by a small multiple of len.
        while (pos < end && state != STOPPED) {
            pos = switch (state) {
                case HEAD -> head(buf, pos, end);
                case BODY_LENGTH -> bodyLength(pos, end);
                case CHUNK_SIZE, CHUNK_EXT, CHUNK_DATA_CR, CHUNK_DATA_LF, TRAILER_LINE_START, TRAILER_LINE,
                        TRAILER_END_LF -> chunkFraming(buf, pos, end);
                case CHUNK_DATA -> chunkData(pos, end);
                case TO_CLOSE -> end;
                case RESYNC -> resync(buf, pos, end);
                default -> end;
            };
        }
    }

    /**
     * The reassembler lost {@code bytes} bytes of this direction (0 when the amount is unknown,
     * or to join a connection in the middle before the first feed). A gap inside a
     * Content-Length body or chunk's data, up to its very end, is skipped exactly; elsewhere the
     * stream resynchronises.
     */
    public void gap(long bytes) {
        events |= bit(Event.GAP);
        gapBytes += Math.max(0, bytes);
        fresh = false;
        switch (state) {
            case STOPPED, TO_CLOSE -> {
            }
            case BODY_LENGTH -> {
                if (bytes > 0 && bytes <= remaining) {
                    remaining -= bytes;
                    if (remaining == 0) {
                        state = HEAD;
                    }
                } else {
                    loseSync();
                }
            }
            case CHUNK_DATA -> {
                if (bytes > 0 && bytes <= remaining) {
                    remaining -= bytes;
                    if (remaining == 0) {
                        state = CHUNK_DATA_CR;
                    }
                } else {
                    loseSync();
                }
            }
            case HEAD -> {
                if (partialLen > 0 || messages > 0 || bytes != 0) {
                    loseSync();
                } else {
                    enterResync(); // joining mid-connection: quietly look for a head start
                }
            }
            default -> loseSync();
        }
    }

    /**
     * Bytes the stream would consume without reading them, next: the rest of a Content-Length
     * body or of the current chunk's data; 0 anywhere else.
     */
    public long skippable() {
        return state == BODY_LENGTH || state == CHUNK_DATA ? remaining : 0;
    }

    /**
     * Consumes {@code bytes} (at most {@link #skippable()}) without being fed them, exactly as
     * feeding them would: the caller passes them over (see {@code StreamReassembler.skip}).
     */
    public void skip(long bytes) {
        if (bytes <= 0 || bytes > skippable()) {
            throw new IllegalArgumentException("cannot skip " + bytes + " bytes; " + skippable() + " are skippable");
        }
        remaining -= bytes;
        if (remaining == 0) {
            state = state == BODY_LENGTH ? HEAD : CHUNK_DATA_CR;
        }
    }

    /** The direction ended (FIN or RST): notes a head or body cut short. Later feeds are ignored. */
    public void end() {
        boolean midMessage = switch (state) {
            case HEAD -> partialLen > 0;
            case TO_CLOSE, RESYNC, STOPPED -> false;
            default -> true;
        };
        if (midMessage) {
            events |= bit(Event.TRUNCATED);
        }
        partialLen = 0;
        state = STOPPED;
    }

    /** Stops parsing because the connection became a tunnel (the other direction saw it happen). */
    public void enterTunnel() {
        stop(Event.TUNNEL);
    }

    /** True once the stream stopped parsing (not HTTP, tunnel, gave up, or ended). */
    public boolean stopped() {
        return state == STOPPED;
    }

    /** Heads completed so far. */
    public long messages() {
        return messages;
    }

    /** Bytes reported lost through {@link #gap(long)}. */
    public long gapBytes() {
        return gapBytes;
    }

    /** The direction's events, in declaration order. */
    public List<Event> events() {
        List<Event> out = new ArrayList<>();
        for (Event e : Event.values()) {
            if ((events & bit(e)) != 0) {
                out.add(e);
            }
        }
        return List.copyOf(out);
    }

    /** True when {@code e} happened. */
    public boolean has(Event e) {
        return (events & bit(e)) != 0;
    }

    /** The reason of the last {@link HttpResult.Malformed} head, or {@code null}. */
    public String lastMalformedReason() {
        return lastMalformedReason;
    }

    // ---- heads ----

    private int head(ByteBuffer buf, int pos, int end) {
        if (partialLen == 0) {
            while (!fresh && pos < end && emptyLineBytes < MAX_EMPTY_LINE_BYTES && isLineEndByte(buf.get(pos))) {
                pos++;
                emptyLineBytes++;
            }
            if (pos == end) {
                return end;
            }
            HttpResult r = parse(buf, pos, end - pos);
            switch (r) {
                case HttpResult.Ok ok -> {
                    completed(ok.message());
                    return pos + ok.headLength();
                }
                case HttpResult.Incomplete i -> {
                    keep(buf, pos, end);
                    return end;
                }
                default -> {
                    failed(r);
                    return state == STOPPED ? end : pos + 1;
                }
            }
        }
        int old = partialLen;
        int n = Math.min(end - pos, maxHeadBytes - partialLen);
        append(buf, pos, n);
        if (!worthParsing(old)) {
            return pos + n;
        }
        HttpResult r = parse(partialView, 0, partialLen);
        switch (r) {
            case HttpResult.Ok ok -> {
                partialLen = 0;
                completed(ok.message());
                return pos + (ok.headLength() - old);
            }
            case HttpResult.Incomplete i -> {
                return pos + n;
            }
            default -> {
                failed(r);
                if (state == RESYNC) {
                    // Rescan the bytes held from earlier feeds as the unsplit stream would (from the
                    // failed start's second byte), so results never depend on segment boundaries.
                    resync(partialView, 1, old);
                    if (state == HEAD) {
                        int k = resyncFoundAt;
                        System.arraycopy(partial, k, partial, 0, old - k);
                        partialLen = old - k;
                        partialHasLf = false;
                        for (int i = 0; i < partialLen && !partialHasLf; i++) { // within the head limit
                            partialHasLf = partial[i] == '\n';
                        }
                        reparse = true; // its start line may already be complete: decide on the next bytes
                    }
                }
                return state == STOPPED ? end : pos; // this feed's bytes are appended or rescanned
            }
        }
    }

    private HttpResult parse(ByteBuffer buf, int off, int len) {
        return side == Side.CLIENT
                ? HttpParser.parseRequestHead(buf, off, len, maxHeadBytes)
                : HttpParser.parseResponseHead(buf, off, len, maxHeadBytes);
    }

    /**
     * Whether the buffered head is worth parsing again after {@code old} bytes: early bytes
     * (the method probe), a control byte or the end of the start line (start-line checks), a
     * blank line, or a full buffer.
     * Keeps a head fed byte by byte from being re-parsed at every byte.
     */
    private boolean worthParsing(int old) {
        boolean worth = reparse || old <= HttpParser.MAX_PROBE_BYTES || partialLen >= maxHeadBytes;
        reparse = false;
        for (int i = old; i < partialLen; i++) { // the bytes just appended
            int c = partial[i] & 0xFF;
            if (c != '\n') {
                if (!partialHasLf && ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)) {
                    worth = true; // a control byte in the start line can decide NotHttp
                }
                continue;
            }
            if (!partialHasLf) {
                partialHasLf = true;
                worth = true;
            }
            if (partial[i - 1] == '\n' || (partial[i - 1] == '\r' && i >= 2 && partial[i - 2] == '\n')) {
                return true;
            }
        }
        return worth;
    }

    private void completed(HttpMessage m) {
        messages++;
        fresh = false;
        partialLen = 0;
        emptyLineBytes = 0;
        switch (m) {
            case HttpRequest r -> {
                sink.head(r);
                tunnelPending = r.isConnect() || r.upgrade();
                if (r.chunked()) {
                    startChunks();
                } else if (r.contentLength() > 0) {
                    startBody(r.contentLength());
                } else {
                    state = HEAD;
                }
            }
            case HttpResponse s -> {
                String method = pending.oldestUnansweredMethod();
                sink.head(s);
                if (s.status() == 101 || ("CONNECT".equals(method) && s.status() >= 200 && s.status() < 300)) {
                    stop(Event.TUNNEL);
                } else if (s.isInterim() || s.status() == 204 || s.status() == 304 || "HEAD".equals(method)) {
                    state = HEAD;
                } else if (s.chunked()) {
                    startChunks();
                } else if (s.contentLength() >= 0 && !s.anomalies().contains(HttpAnomaly.BAD_TRANSFER_ENCODING.code())) {
                    if (s.contentLength() > 0) {
                        startBody(s.contentLength());
                    } else {
                        state = HEAD;
                    }
                } else {
                    state = TO_CLOSE;
                }
            }
        }
    }

    private void failed(HttpResult r) {
        if (r instanceof HttpResult.Malformed m) {
            events |= bit(Event.MALFORMED_HEAD);
            lastMalformedReason = m.reason();
            loseSync();
        } else if (tunnelPending) {
            stop(Event.TUNNEL);
        } else if (fresh) {
            stop(Event.NOT_HTTP);
        } else {
            loseSync();
        }
        atLineStart = false; // the failed start itself is not a candidate again
    }

    /** Bytes of arrays this stream keeps (a head being read, and its probe buffers): for the inspection budget. */
    public int keptBytes() {
        return (partial == null ? 0 : partial.length) + (carry == null ? 0 : carry.length)
                + (scratch == null ? 0 : scratch.length);
    }

    private void keep(ByteBuffer buf, int from, int to) {
        partialLen = 0;
        append(buf, from, to - from);
        partialHasLf = HttpParser.indexOfLf(buf, from, to) >= 0;
    }

    private void append(ByteBuffer buf, int from, int n) {
        int need = partialLen + n;
        if (partial == null || need > partial.length) {
            int size = Math.max(need, partial == null ? Math.min(1024, maxHeadBytes) : partial.length * 2);
            byte[] grown = new byte[Math.min(size, maxHeadBytes)];
            if (partial != null) {
                System.arraycopy(partial, 0, grown, 0, partialLen);
            }
            partial = grown;
            partialView = ByteBuffer.wrap(partial);
        }
        buf.get(from, partial, partialLen, n);
        partialLen = need;
    }

    // ---- bodies ----

    private void startBody(long length) {
        remaining = length;
        state = BODY_LENGTH;
    }

    private int bodyLength(int pos, int end) {
        int n = (int) Math.min(remaining, end - pos);
        remaining -= n;
        if (remaining == 0) {
            state = HEAD;
        }
        return pos + n;
    }

    private void startChunks() {
        state = CHUNK_SIZE;
        chunkSize = 0;
        chunkDigits = 0;
        lineBytes = 0;
    }

    private int chunkData(int pos, int end) {
        int n = (int) Math.min(remaining, end - pos);
        remaining -= n;
        if (remaining == 0) {
            state = CHUNK_DATA_CR;
        }
        return pos + n;
    }

    /** One byte of a chunk-size line, of the line end after chunk data, or of the trailers. */
    private int chunkFraming(ByteBuffer buf, int pos, int end) {
        int c = buf.get(pos) & 0xFF;
        switch (state) {
            case CHUNK_SIZE, CHUNK_EXT -> {
                if (++lineBytes > MAX_CHUNK_LINE_BYTES) {
                    events |= bit(Event.CHUNK_LINE_TOO_LONG);
                    loseSync();
                    return pos + 1;
                }
                if (c == '\n') {
                    chunkSizeLineEnd();
                } else if (state == CHUNK_SIZE) {
                    int d = Character.digit(c, 16);
                    if (d >= 0) {
                        // By value, so that leading zeros (1*HEXDIG allows any number) do not count.
                        if (chunkSize > MAX_SIZE_BEFORE_A_DIGIT) {
                            badChunk();
                        } else {
                            chunkSize = chunkSize << 4 | d;
                            chunkDigits++;
                        }
                    } else if (c == ';' || c == ' ' || c == '\t' || c == '\r') {
                        state = CHUNK_EXT;
                    } else {
                        badChunk();
                    }
                }
            }
            case CHUNK_DATA_CR -> {
                if (c == '\r') {
                    state = CHUNK_DATA_LF;
                } else if (c == '\n') {
                    startChunks();
                } else {
                    badChunk();
                }
            }
            case CHUNK_DATA_LF -> {
                if (c == '\n') {
                    startChunks();
                } else {
                    badChunk();
                }
            }
            default -> trailerByte(c);
        }
        return pos + 1;
    }

    private void chunkSizeLineEnd() {
        if (chunkDigits == 0) {
            badChunk();
        } else if (chunkSize == 0) {
            state = TRAILER_LINE_START;
            trailerBytes = 0;
        } else {
            remaining = chunkSize;
            state = CHUNK_DATA;
        }
    }

    private void trailerByte(int c) {
        if (++trailerBytes > MAX_TRAILER_BYTES) {
            events |= bit(Event.TRAILER_TOO_LONG);
            loseSync();
            return;
        }
        switch (state) {
            case TRAILER_LINE_START -> state = c == '\n' ? HEAD : c == '\r' ? TRAILER_END_LF : TRAILER_LINE;
            case TRAILER_END_LF -> state = c == '\n' ? HEAD : TRAILER_LINE;
            default -> {
                if (c == '\n') {
                    state = TRAILER_LINE_START;
                }
            }
        }
    }

    private void badChunk() {
        events |= bit(Event.BAD_CHUNK);
        loseSync();
    }

    // ---- resynchronisation ----

    private void loseSync() {
        events |= bit(Event.DESYNC);
        enterResync();
    }

    private void enterResync() {
        if (carry == null) {
            carry = new byte[HttpParser.MAX_PROBE_BYTES];
            carryView = ByteBuffer.wrap(carry);
            scratch = new byte[HttpParser.MAX_PROBE_BYTES];
            scratchView = ByteBuffer.wrap(scratch);
        }
        partialLen = 0;
        state = RESYNC;
        atLineStart = true;
        candidatePending = false;
        carryLen = 0;
        resyncScanned = 0;
    }

    private HttpParser.Probe probe(ByteBuffer buf, int off, int len) {
        return side == Side.CLIENT ? HttpParser.probeRequest(buf, off, len) : HttpParser.probeResponse(buf, off, len);
    }

    private int resync(ByteBuffer buf, int pos, int end) {
        if (candidatePending) {
            int n = Math.min(end - pos, HttpParser.MAX_PROBE_BYTES - carryLen);
            System.arraycopy(carry, 0, scratch, 0, carryLen);
            buf.get(pos, scratch, carryLen, n);
            switch (probe(scratchView, 0, carryLen + n)) {
                case HTTP -> {
                    candidatePending = false;
                    resynced();
                    append(carryView, 0, carryLen);
                    partialHasLf = false;
                    return pos; // HEAD appends this feed to the carried start
                }
                case NEED_MORE -> {
                    System.arraycopy(scratch, carryLen, carry, carryLen, n);
                    carryLen += n;
                    return scanned(pos, n);
                }
                case NOT_HTTP -> {
                    candidatePending = false;
                    carryLen = 0;
                    atLineStart = false;
                }
            }
        }
        int i = pos;
        while (i < end) { // each pass moves i forward; bounded by MAX_RESYNC_BYTES overall
            if (atLineStart) {
                switch (probe(buf, i, end - i)) {
                    case HTTP -> {
                        resynced();
                        scanned(pos, i - pos);
                        resyncFoundAt = i;
                        return i;
                    }
                    case NEED_MORE -> {
                        carryLen = end - i;
                        buf.get(i, carry, 0, carryLen);
                        candidatePending = true;
                        return scanned(pos, end - pos);
                    }
                    case NOT_HTTP -> atLineStart = false;
                }
            }
            int lf = HttpParser.indexOfLf(buf, i, end);
            if (lf < 0) {
                i = end;
            } else {
                atLineStart = true;
                i = lf + 1;
            }
            if (resyncScanned + (i - pos) > MAX_RESYNC_BYTES) {
                stop(Event.GAVE_UP);
                return end;
            }
        }
        return scanned(pos, end - pos);
    }

    private int scanned(int pos, int n) {
        resyncScanned += n;
        if (resyncScanned > MAX_RESYNC_BYTES) {
            stop(Event.GAVE_UP);
        }
        return pos + n;
    }

    private void resynced() {
        events |= bit(Event.RESYNCED);
        state = HEAD;
    }

    private void stop(Event why) {
        events |= bit(why);
        state = STOPPED;
        partialLen = 0;
    }

    private static boolean isLineEndByte(byte b) {
        return b == '\r' || b == '\n';
    }

    private static int bit(Event e) {
        return 1 << e.ordinal();
    }
}
