package io.netwatch.agent.inspect;

/**
 * An application-layer message found by inspection, with the flow it belongs to and the
 * endpoints of the packet (or stream direction) that carried it. Immutable.
 */
public sealed interface InspectionEvent permits InspectionEvent.Ssh, InspectionEvent.Dns, InspectionEvent.Tls, InspectionEvent.Http,
        InspectionEvent.Alert {
    /** The flow record's id. */
    long flowId();

    /** Capture time of the packet that completed the message, nanoseconds since the epoch. */
    long timestampNanos();

    Endpoints endpoints();

    /**
     * Sender and receiver of the message, and its transport ("udp", "tcp", "quic"). The
     * addresses are spelt when first asked for: the detectors read most DNS queries' endpoints
     * never, or only to remember them, and spelling two addresses per message was a fair part
     * of a DNS message's cost. Immutable to its readers; equal when their text and ports are.
     */
    final class Endpoints {
        private final int ipVersion;
        private final long srcHi;
        private final long srcLo;
        private final long dstHi;
        private final long dstLo;
        private final int srcPort;
        private final int dstPort;
        private final String transport;
        /** Spelt on first use; a race spells the same text twice, and a String is safe to share without a lock. */
        private String srcIp;
        private String dstIp;

        /** Endpoints whose addresses are already text. */
        public Endpoints(String srcIp, int srcPort, String dstIp, int dstPort, String transport) {
            this(0, 0, 0, srcPort, 0, 0, dstPort, transport);
            this.srcIp = java.util.Objects.requireNonNull(srcIp, "srcIp");
            this.dstIp = java.util.Objects.requireNonNull(dstIp, "dstIp");
        }

        /** Endpoints with addresses as {@link io.netwatch.agent.decode.IpLayer} holds them, spelt when asked for. */
        static Endpoints of(int ipVersion, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort,
                            String transport) {
            return new Endpoints(ipVersion, srcHi, srcLo, srcPort, dstHi, dstLo, dstPort, transport);
        }

        private Endpoints(int ipVersion, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort,
                          String transport) {
            this.ipVersion = ipVersion;
            this.srcHi = srcHi;
            this.srcLo = srcLo;
            this.srcPort = srcPort;
            this.dstHi = dstHi;
            this.dstLo = dstLo;
            this.dstPort = dstPort;
            this.transport = transport;
        }

        public String srcIp() {
            String s = srcIp;
            if (s == null) {
                s = io.netwatch.agent.flow.IpAddressFormat.format(ipVersion, srcHi, srcLo);
                srcIp = s;
            }
            return s;
        }

        public int srcPort() {
            return srcPort;
        }

        public String dstIp() {
            String s = dstIp;
            if (s == null) {
                s = io.netwatch.agent.flow.IpAddressFormat.format(ipVersion, dstHi, dstLo);
                dstIp = s;
            }
            return s;
        }

        public int dstPort() {
            return dstPort;
        }

        public String transport() {
            return transport;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Endpoints e && srcPort == e.srcPort && dstPort == e.dstPort
                    && srcIp().equals(e.srcIp()) && dstIp().equals(e.dstIp()) && transport.equals(e.transport);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(srcIp(), srcPort, dstIp(), dstPort, transport);
        }

        @Override
        public String toString() {
            return "Endpoints[srcIp=" + srcIp() + ", srcPort=" + srcPort + ", dstIp=" + dstIp() + ", dstPort=" + dstPort
                    + ", transport=" + transport + "]";
        }
    }

    /**
     * A DNS message (query or response) over UDP or TCP.
     *
     * @param raw the message's bytes (a copy, at most 64 KiB) when it came in one datagram;
     *            null over TCP. Record data offsets in {@code message} index into it.
     */
    record Dns(long flowId, long timestampNanos, Endpoints endpoints, io.netwatch.agent.inspect.dns.DnsMessage message,
               byte[] raw) implements InspectionEvent {
    }

    /**
     * A TLS ClientHello, ServerHello or HelloRetryRequest, over TCP or in QUIC's Initial packets.
     *
     * @param handshake "client_hello", "server_hello" or "hello_retry_request"
     * @param client    the ClientHello, when that is what this is
     * @param server    the ServerHello, when that is what this is
     * @param ja4       the JA4 fingerprint of a ClientHello, else empty
     * @param ja3       the JA3 hash of a ClientHello (TLS, not SSLv2), else empty
     */
    record Tls(long flowId, long timestampNanos, Endpoints endpoints, String handshake,
               io.netwatch.agent.inspect.tls.ClientHello client, io.netwatch.agent.inspect.tls.ServerHello server,
               String ja4, String ja3) implements InspectionEvent {
    }

    /**
     * An HTTP/1.x request or response head.
     *
     * @param request  the request, or for a response the request it answers (null when unseen)
     * @param response the response, null for a request
     */
    record Http(long flowId, long timestampNanos, Endpoints endpoints,
                io.netwatch.agent.inspect.http.HttpRequest request,
                io.netwatch.agent.inspect.http.HttpResponse response) implements InspectionEvent {
        public boolean isRequest() {
            return response == null;
        }
    }

    /** An SSH identification string. */
    record Ssh(long flowId, long timestampNanos, Endpoints endpoints, boolean client, String version)
            implements InspectionEvent {
    }

    /**
     * A signature rule matched: once per rule per flow.
     *
     * @param rule     the rule (sid, rev, msg, classtype, severity)
     * @param buffer   where its fast pattern was found ("pkt_data", "http.uri", ...)
     * @param appProto the flow's application protocol when it matched, or empty
     */
    record Alert(long flowId, long timestampNanos, Endpoints endpoints,
                 io.netwatch.agent.inspect.signature.Rule rule, String buffer, String appProto)
            implements InspectionEvent {
    }
}
