package io.netwatch.bench.synth;

import io.netwatch.bench.synth.Payloads.Bytes;
import java.util.SplittableRandom;

/**
 * Synthesizes whole TCP connections as a capture point next to the server sees them: the
 * three-way handshake, a TLS handshake on TLS ports, one or more request/response exchanges
 * (responses sent in slow-start rounds, the client acknowledging every second segment one round
 * trip later), think time between exchanges, and a FIN exchange or a RST. A few connections are
 * refused (RST) or never answered (SYN retransmitted).
 */
final class TcpConnections {
    /** What the payload bytes are. */
    enum Protocol { HTTP, TLS, OPAQUE }

    /** Gap between back-to-back segments of one sender, nanoseconds (a 1514-byte frame at 1 Gb/s). */
    private static final long SERIALIZATION_NANOS = 12_000;
    /** Server turnaround for handshake and FIN replies, nanoseconds. */
    private static final long TURNAROUND_NANOS = 40_000;
    private static final int INITIAL_WINDOW = 10;
    private static final int MAX_WINDOW = 64;
    /** Largest response body, bytes. */
    private static final int MAX_RESPONSE = 2 << 20;

    private final FrameBuilder frames;
    private final Payloads payloads;

    /** Per-connection state while one is generated. */
    private Conversation c;
    private SessionPackets out;
    private int mss;
    private long start;
    private long rtt;
    private int clientSeq;
    private int serverSeq;
    private long clientClock;
    private long serverClock;
    /** The last TCP timestamp value each side sent, for the other's echo. */
    private int clientTsVal;
    private int serverTsVal;

    TcpConnections(FrameBuilder frames, Payloads payloads) {
        this.frames = frames;
        this.payloads = payloads;
    }

    /**
     * Appends one connection starting at {@code startNanos}.
     *
     * @param rttNanos round trip between the capture point and the client
     * @param host     the HTTP Host or TLS server name
     */
    void generate(SplittableRandom rnd, Conversation conversation, long startNanos, long rttNanos, Protocol protocol,
                  String host, SessionPackets packets) {
        c = conversation;
        out = packets;
        start = startNanos;
        rtt = rttNanos;
        mss = c.vxlan() != null ? FrameBuilder.MSS_VXLAN : c.ipv6() ? FrameBuilder.MSS_V6 : FrameBuilder.MSS_V4;
        clientSeq = rnd.nextInt();
        serverSeq = rnd.nextInt();
        clientClock = rnd.nextLong(1L << 31);
        serverClock = rnd.nextLong(1L << 31);
        clientTsVal = 0;
        serverTsVal = 0;
        double fate = rnd.nextDouble();
        long t = start;
        if (fate < 0.02) {
            // Never answered: the SYN and two retransmissions.
            for (long backoff : new long[] {0, 1_000_000_000L, 3_000_000_000L}) {
                out.add(t + backoff, segment(true, FrameBuilder.SYN, t + backoff, true, null, 0, 0));
            }
            return;
        }
        out.add(t, segment(true, FrameBuilder.SYN, t, true, null, 0, 0));
        if (fate < 0.05) {
            // Refused: nothing listens on the port.
            clientSeq++;
            out.add(t + TURNAROUND_NANOS, frames.tcp(c, false, FrameBuilder.RST | FrameBuilder.ACK, 0, clientSeq,
                    false, payloads.noise(), 0, 0, 0, 0));
            return;
        }
        clientSeq++;
        out.add(t + TURNAROUND_NANOS, segment(false, FrameBuilder.SYN | FrameBuilder.ACK, t, true, null, 0, 0));
        serverSeq++;
        t += rtt;
        out.add(t, segment(true, FrameBuilder.ACK, t, false, null, 0, 0));

        if (protocol == Protocol.TLS) {
            byte[] hello = payloads.tlsClientHello(rnd, host);
            byte[] flight = payloads.tlsServerFlight(rnd);
            t = exchange(rnd, t, new Bytes(hello, 0, hello.length), new Bytes(flight, 0, flight.length));
        }
        int exchanges = rnd.nextDouble() < 0.6 ? 1 : 2 + rnd.nextInt(7);
        for (int x = 0; x < exchanges; x++) {
            int bodyLength = (int) Math.min(MAX_RESPONSE, Math.exp(Math.log(3_000) + rnd.nextGaussian() * 1.6));
            int requestLength = (int) Math.min(2 * mss, Math.max(20, Math.exp(5.0 + rnd.nextGaussian() * 0.9)));
            Bytes request;
            Bytes response;
            switch (protocol) {
                case HTTP -> {
                    byte[] q = Payloads.httpRequest(rnd, host);
                    byte[] r = payloads.httpResponse(rnd, bodyLength);
                    request = new Bytes(q, 0, q.length);
                    response = new Bytes(r, 0, r.length);
                }
                case TLS -> {
                    byte[] q = payloads.tlsApplicationData(rnd, requestLength);
                    if (x == 0) {
                        q = Payloads.concat(payloads.tlsClientFinished(rnd), q);
                    }
                    byte[] r = payloads.tlsApplicationData(rnd, bodyLength);
                    request = new Bytes(q, 0, q.length);
                    response = new Bytes(r, 0, r.length);
                }
                default -> {
                    request = payloads.noise(rnd, requestLength);
                    response = payloads.noise(rnd, bodyLength);
                }
            }
            t = exchange(rnd, t, request, response);
            if (x < exchanges - 1) {
                // Think time before the next request on the kept-alive connection.
                t += (long) (-Math.log(1 - rnd.nextDouble()) * 200_000_000L);
            }
        }
        close(rnd, t + (long) (rnd.nextDouble() * 50_000_000L));
    }

    /**
     * A request from the client at {@code t} and the server's response, sent in slow-start
     * rounds after its processing time. Returns the time after the client's last ACK.
     */
    private long exchange(SplittableRandom rnd, long t, Bytes request, Bytes response) {
        for (int sent = 0; sent < request.length(); sent += mss) {
            int n = Math.min(mss, request.length() - sent);
            int flags = FrameBuilder.ACK | (sent + n == request.length() ? FrameBuilder.PSH : 0);
            out.add(t, segment(true, flags, t, false, request.array(), request.offset() + sent, n));
            clientSeq += n;
            t += SERIALIZATION_NANOS;
        }
        t += (long) (100_000 + rnd.nextDouble() * rnd.nextDouble() * 20_000_000);
        int window = INITIAL_WINDOW;
        int sent = 0;
        int unacked = 0;
        long lastAck = t;
        while (sent < response.length()) {
            long segmentTime = t;
            for (int k = 0; k < window && sent < response.length(); k++) {
                int n = Math.min(mss, response.length() - sent);
                boolean last = sent + n == response.length();
                int flags = FrameBuilder.ACK | (last ? FrameBuilder.PSH : 0);
                out.add(segmentTime, segment(false, flags, segmentTime, false, response.array(),
                        response.offset() + sent, n));
                serverSeq += n;
                sent += n;
                if (++unacked == 2 || last) {
                    // Delayed ACK: every second segment, and the last one.
                    lastAck = segmentTime + rtt;
                    out.add(lastAck, segment(true, FrameBuilder.ACK, lastAck, false, null, 0, 0));
                    unacked = 0;
                }
                segmentTime += SERIALIZATION_NANOS;
            }
            t += rtt;
            window = Math.min(window * 2, MAX_WINDOW);
        }
        return lastAck + SERIALIZATION_NANOS;
    }

    /** FIN from the client (80 %), FIN from the server (10 %), or a RST from either side. */
    private void close(SplittableRandom rnd, long t) {
        double close = rnd.nextDouble();
        int finAck = FrameBuilder.FIN | FrameBuilder.ACK;
        if (close < 0.80) {
            out.add(t, segment(true, finAck, t, false, null, 0, 0));
            clientSeq++;
            out.add(t + TURNAROUND_NANOS, segment(false, finAck, t, false, null, 0, 0));
            serverSeq++;
            out.add(t + rtt, segment(true, FrameBuilder.ACK, t + rtt, false, null, 0, 0));
        } else if (close < 0.90) {
            out.add(t, segment(false, finAck, t, false, null, 0, 0));
            serverSeq++;
            out.add(t + rtt, segment(true, finAck, t + rtt, false, null, 0, 0));
            clientSeq++;
            out.add(t + rtt + TURNAROUND_NANOS, segment(false, FrameBuilder.ACK, t + rtt, false, null, 0, 0));
        } else {
            out.add(t, segment(close < 0.97, FrameBuilder.RST | FrameBuilder.ACK, t, false, null, 0, 0));
        }
    }

    /**
     * A segment at the current sequence numbers. The sender's timestamp clock runs in
     * milliseconds; it echoes the last value the peer sent (as far as segments are appended in
     * time order, which is close enough for a validator: values never go backwards).
     */
    private byte[] segment(boolean fromClient, int flags, long nanos, boolean synOptions, byte[] payload, int offset,
                           int length) {
        int tsVal = (int) ((fromClient ? clientClock : serverClock) + (nanos - start) / 1_000_000);
        int tsEcr = fromClient ? serverTsVal : clientTsVal;
        if (fromClient) {
            clientTsVal = Math.max(clientTsVal, tsVal);
        } else {
            serverTsVal = Math.max(serverTsVal, tsVal);
        }
        return frames.tcp(c, fromClient, flags, fromClient ? clientSeq : serverSeq,
                fromClient ? serverSeq : clientSeq, synOptions, payload == null ? payloads.noise() : payload,
                offset, length, tsVal, tsEcr);
    }
}
