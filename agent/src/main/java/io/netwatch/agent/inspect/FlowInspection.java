package io.netwatch.agent.inspect;

import io.netwatch.agent.decode.IpLayer;
import io.netwatch.agent.inspect.dns.DnsMessage;
import io.netwatch.agent.inspect.dns.DnsParser;
import io.netwatch.agent.inspect.dns.DnsRecord;
import io.netwatch.agent.inspect.dns.DnsResult;
import io.netwatch.agent.inspect.dns.DnsTcpFramer;
import io.netwatch.proto.flow.v1.DNS;
import io.netwatch.proto.flow.v1.DnsAnswer;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.SSH;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Mutable inspection state of one flow: its two stream directions, the protocol each one
 * speaks, and what was learnt for the flow record. Lives in the {@link Inspector}'s map while
 * the flow is inspected; single-threaded.
 */
final class FlowInspection {
    /** Longest SSH identification string kept, bytes (RFC 4253 allows 255). */
    static final int MAX_SSH_BANNER = 255;
    static final int DNS_PORT = 53;

    private final Inspector inspector;
    private final long flowId;
    private final boolean tcp;
    /** The responder's port, for the protocol the port suggests. */
    private final int serverPort;
    private final Direction toServer;
    private final Direction toClient;
    String appProto = "";
    private String sshClient = "";
    private String sshServer = "";
    private boolean mismatchCounted;
    /** The flow's DNS summary for its record: the first response, else the first query. */
    private DnsMessage dnsSummary;
    /** Most DNS messages reported per flow (a tunnel can carry thousands); the rest are counted. */
    static final int MAX_DNS_MESSAGES_PER_FLOW = 10_000;
    private int dnsMessages;
    /** The packet being handled, for the events it completes. */
    private IpLayer layer;
    private long nowNanos;

    FlowInspection(Inspector inspector, long flowId, boolean tcp, int serverPort) {
        this.inspector = inspector;
        this.flowId = flowId;
        this.tcp = tcp;
        this.serverPort = serverPort;
        this.toServer = new Direction(true);
        this.toClient = new Direction(false);
    }

    void packet(boolean fromInitiator, IpLayer l, ByteBuffer frame, long now) {
        this.layer = l;
        this.nowNanos = now;
        Direction d = fromInitiator ? toServer : toClient;
        if (tcp) {
            d.stream().segment(l.tcpSeq, (l.tcpFlags & 0x02) != 0, frame, l.payloadOffset, l.payloadLength);
            if ((l.tcpFlags & 0x05) != 0) {
                d.stream().end();
            }
        } else if (l.payloadLength > 0) {
            d.datagram(frame, l.payloadOffset, l.payloadLength);
        }
    }

    void end() {
        toServer.end();
        toClient.end();
    }

    void decorate(Flow.Builder record) {
        if (!appProto.isEmpty()) {
            record.setAppProto(appProto);
        }
        if (dnsSummary != null) {
            DNS.Builder dns = DNS.newBuilder().setId(dnsSummary.id()).setResponse(dnsSummary.response())
                    .setRcode(dnsSummary.rcode());
            if (!dnsSummary.questions().isEmpty()) {
                dns.setQuery(dnsSummary.qname()).setQtype(dnsSummary.qtype());
            }
            for (DnsRecord r : dnsSummary.answers()) {
                dns.addAnswers(DnsAnswer.newBuilder().setName(r.name()).setType(r.type()).setTtl((int) r.ttl())
                        .setData(r.data()));
            }
            record.setDns(dns);
        } else if (!sshClient.isEmpty() || !sshServer.isEmpty()) {
            record.setSsh(SSH.newBuilder().setClientVersion(sshClient).setServerVersion(sshServer));
        }
    }

    /** Reports a DNS message and keeps the flow's summary. */
    private void dns(DnsResult result, String transport, byte[] raw) {
        DnsMessage m = switch (result) {
            case DnsResult.Ok ok -> ok.message();
            case DnsResult.Incomplete partial -> partial.partial();
            case DnsResult.Malformed malformed -> null;
        };
        if (m == null) {
            return;
        }
        identified(ProtocolProbe.DNS);
        if (dnsSummary == null || (m.response() && !dnsSummary.response())) {
            dnsSummary = m;
        }
        if (dnsMessages++ < MAX_DNS_MESSAGES_PER_FLOW) {
            inspector.emit(new InspectionEvent.Dns(flowId, nowNanos, Inspector.endpoints(layer, transport), m, raw));
        }
    }

    private void identified(String protocol) {
        if (appProto.isEmpty()) {
            appProto = protocol;
            String expected = ProtocolProbe.expectedForPort(serverPort, tcp);
            if (expected != null && !expected.equals(protocol) && !mismatchCounted) {
                mismatchCounted = true;
                inspector.countMismatch();
            }
        }
    }

    /** One direction: its reassembler (TCP), the protocol it speaks, and that protocol's parser state. */
    private final class Direction implements StreamReassembler.Consumer {
        private final boolean fromClient;
        private StreamReassembler stream;
        private String protocol;
        /** First bytes kept while the protocol is not known yet (bounded by the probe). */
        private byte[] head;
        private int headLength;
        private boolean finished;
        private DnsTcpFramer dnsFramer;
        /** The SSH identification line being read. */
        private byte[] line;
        private int lineLength;

        Direction(boolean fromClient) {
            this.fromClient = fromClient;
        }

        StreamReassembler stream() {
            if (stream == null) {
                InspectionConfig c = inspector.config();
                stream = new StreamReassembler(this, inspector.budget(), c.depthBytes(), c.maxPendingBytes());
            }
            return stream;
        }

        void end() {
            if (stream != null) {
                stream.end();
            }
        }

        void datagram(ByteBuffer b, int off, int len) {
            if (layer.srcPort == DNS_PORT || layer.dstPort == DNS_PORT) {
                byte[] raw = new byte[len];
                b.get(off, raw);
                dns(DnsParser.parse(ByteBuffer.wrap(raw), 0, len), "udp", raw);
            }
        }

        @Override
        public void data(ByteBuffer b, int off, int len) {
            if (finished) {
                return;
            }
            if (protocol == null) {
                // Probe the first bytes of the direction, kept (bounded) only while undecided.
                if (head == null) {
                    head = new byte[ProtocolProbe.MAX_PROBE_BYTES];
                }
                int n = Math.min(len, head.length - headLength);
                b.get(off, head, headLength, n);
                headLength += n;
                String p = ProtocolProbe.identify(ByteBuffer.wrap(head), 0, headLength, tcp);
                if (ProtocolProbe.NEED_MORE.equals(p) && headLength < head.length) {
                    return;
                }
                byte[] kept = head;
                int keptLength = headLength;
                head = null;
                if (p == null || ProtocolProbe.NEED_MORE.equals(p)) {
                    finished = true;
                    return;
                }
                protocol = p;
                identified(p);
                parse(ByteBuffer.wrap(kept), 0, keptLength);
                if (n < len) {
                    parse(b, off + n, len - n);
                }
                return;
            }
            parse(b, off, len);
        }

        @Override
        public void gap(long bytes) {
            inspector.countGap();
            if (dnsFramer != null) {
                dnsFramer.gap();
            }
        }

        private void parse(ByteBuffer b, int off, int len) {
            switch (protocol) {
                case ProtocolProbe.SSH -> sshBanner(b, off, len);
                case ProtocolProbe.DNS -> {
                    if (serverPort != DNS_PORT) {
                        // Named by its look only: not reported as DNS messages.
                        finished = true;
                        return;
                    }
                    if (dnsFramer == null) {
                        dnsFramer = new DnsTcpFramer();
                    }
                    for (DnsResult r : dnsFramer.feed(b, off, len)) {
                        dns(r, "tcp", null);
                    }
                }
                default -> finished = true;
            }
        }

        /** Accumulates the identification line (it may span segments) up to its end or its cap. */
        private void sshBanner(ByteBuffer b, int off, int len) {
            if (line == null) {
                line = new byte[MAX_SSH_BANNER];
            }
            for (int i = 0; i < len; i++) {
                byte c = b.get(off + i);
                if (c == '\r' || c == '\n' || lineLength == line.length) {
                    sshLineDone();
                    return;
                }
                line[lineLength++] = c;
            }
        }

        private void sshLineDone() {
            String version = new String(line, 0, lineLength, StandardCharsets.ISO_8859_1);
            line = null;
            if (fromClient) {
                sshClient = version;
            } else {
                sshServer = version;
            }
            inspector.emit(new InspectionEvent.Ssh(flowId, nowNanos, Inspector.endpoints(layer, "tcp"), fromClient,
                    version));
            finished = true;
        }
    }
}
