package io.netwatch.agent.inspect.http;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Both directions of one HTTP/1.x connection, paired: requests queue in order (at most
 * {@link #MAX_PENDING_REQUESTS}), each final response answers the oldest one, interim (1xx)
 * responses answer it without consuming it. The queue also tells the server stream when a
 * response answers HEAD (no body) or CONNECT (a 2xx makes a tunnel, and both directions stop).
 *
 * <p>Feed each direction's bytes in capture order, so a request is seen before its response.
 * Single-threaded, one per connection, like the flow state it belongs to.
 */
public final class HttpTransaction {
    /** Requests waiting for a response, per connection; more are reported but not paired. */
    public static final int MAX_PENDING_REQUESTS = 64;

    /** Receives requests as they complete and responses with the request they answer. */
    public interface Sink {
        void request(HttpRequest request);

        /**
         * @param request the request this response answers, or {@code null} when none was seen
         *                (lost, before the capture, or beyond {@link #MAX_PENDING_REQUESTS})
         */
        void response(HttpRequest request, HttpResponse response);
    }

    /** Pairing problems of the connection. */
    public enum Event {
        /** More than {@link #MAX_PENDING_REQUESTS} requests awaited responses; the excess is unpaired. */
        PENDING_OVERFLOW("pending_overflow"),
        /** A response arrived with no request waiting for it. */
        UNSOLICITED_RESPONSE("unsolicited_response");

        private final String code;

        Event(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final Sink sink;
    private final HttpStream client;
    private final HttpStream server;
    private final ArrayDeque<HttpRequest> pending = new ArrayDeque<>();
    /** Requests not queued because the queue was full; responses beyond the queue answer them. */
    private long unqueued;
    private int events;

    public HttpTransaction(Sink sink) {
        this(sink, HttpParser.MAX_HEAD_BYTES);
    }

    /** @param maxHeadBytes the head limit of both streams, bytes */
    public HttpTransaction(Sink sink, int maxHeadBytes) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.client = new HttpStream(HttpStream.Side.CLIENT, maxHeadBytes, this::onRequest,
                HttpStream.PendingRequests.NONE);
        this.server = new HttpStream(HttpStream.Side.SERVER, maxHeadBytes, this::onResponse, this::oldestMethod);
    }

    /** Bytes from the client, contiguous with its previous ones. */
    public void client(ByteBuffer buf, int off, int len) {
        client.feed(buf, off, len);
    }

    /** Bytes from the server, contiguous with its previous ones. */
    public void server(ByteBuffer buf, int off, int len) {
        server.feed(buf, off, len);
    }

    public void clientGap(long bytes) {
        client.gap(bytes);
    }

    public void serverGap(long bytes) {
        server.gap(bytes);
    }

    public void clientEnd() {
        client.end();
    }

    public void serverEnd() {
        server.end();
    }

    /** Bytes of arrays both streams keep: for the inspection budget. */
    public int keptBytes() {
        return client.keptBytes() + server.keptBytes();
    }

    /** The client direction, for its events and counters. */
    public HttpStream clientStream() {
        return client;
    }

    /** The server direction, for its events and counters. */
    public HttpStream serverStream() {
        return server;
    }

    /** Requests still waiting for a final response. */
    public int pendingRequests() {
        return pending.size();
    }

    /** The connection's pairing events, in declaration order. */
    public List<Event> events() {
        List<Event> out = new ArrayList<>();
        for (Event e : Event.values()) {
            if ((events & (1 << e.ordinal())) != 0) {
                out.add(e);
            }
        }
        return List.copyOf(out);
    }

    private void onRequest(HttpMessage m) {
        HttpRequest r = (HttpRequest) m;
        if (pending.size() < MAX_PENDING_REQUESTS && unqueued == 0) {
            pending.addLast(r);
        } else {
            unqueued++;
            events |= 1 << Event.PENDING_OVERFLOW.ordinal();
        }
        sink.request(r);
    }

    private void onResponse(HttpMessage m) {
        HttpResponse s = (HttpResponse) m;
        HttpRequest r;
        if (s.isInterim()) {
            r = pending.peekFirst();
        } else {
            r = pending.pollFirst();
            if (r == null) {
                if (unqueued > 0) {
                    unqueued--;
                } else {
                    events |= 1 << Event.UNSOLICITED_RESPONSE.ordinal();
                }
            }
        }
        if (s.status() == 101 || (r != null && r.isConnect() && s.status() >= 200 && s.status() < 300)) {
            client.enterTunnel();
        }
        sink.response(r, s);
    }

    private String oldestMethod() {
        HttpRequest r = pending.peekFirst();
        return r == null ? null : r.method();
    }
}
