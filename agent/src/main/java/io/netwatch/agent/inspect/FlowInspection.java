package io.netwatch.agent.inspect;

import io.netwatch.agent.decode.IpLayer;
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
        if (!sshClient.isEmpty() || !sshServer.isEmpty()) {
            record.setSsh(SSH.newBuilder().setClientVersion(sshClient).setServerVersion(sshServer));
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
            // UDP protocols are wired in by the protocol parsers (DNS, QUIC).
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
        }

        private void parse(ByteBuffer b, int off, int len) {
            switch (protocol) {
                case ProtocolProbe.SSH -> sshBanner(b, off, len);
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
