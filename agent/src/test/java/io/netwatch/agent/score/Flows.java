package io.netwatch.agent.score;

import com.google.protobuf.util.Timestamps;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.TCP;
import io.netwatch.proto.flow.v1.TcpState;
import io.netwatch.proto.flow.v1.UDP;

/** Synthetic flow records for the detectors' tests: the shapes the flow table emits. */
final class Flows {
    static final long SECOND = 1_000_000_000L;
    /** Capture time of the first record: nanoseconds since the epoch (2023-11-14). */
    static final long T0 = 1_700_000_000L * SECOND;
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;

    private Flows() {
    }

    static Flow.Builder tcp(long id, String src, int sport, String dst, int dport, long first, long last) {
        return Flow.newBuilder()
                .setFlowId(id)
                .setNodeName("node-a")
                .setSource(Endpoint.newBuilder().setIp(src).setPort(sport))
                .setDestination(Endpoint.newBuilder().setIp(dst).setPort(dport))
                .setIpProtocol(6)
                .setIpVersion(4)
                .setFirstSeen(Timestamps.fromNanos(first))
                .setLastSeen(Timestamps.fromNanos(last));
    }

    /** {@code syns} SYNs that got nothing back. */
    static Flow unanswered(long id, String src, String dst, int dport, long at, int syns) {
        return tcp(id, src, 45000, dst, dport, at, at)
                .setToServer(Counters.newBuilder().setPackets(syns).setBytes(58L * syns))
                .setTcp(TCP.newBuilder().setFlagsToServer(SYN).setState(TcpState.TCP_STATE_SYN_SENT))
                .build();
    }

    static Flow unanswered(long id, String src, String dst, int dport, long at) {
        return unanswered(id, src, dst, dport, at, 1);
    }

    /** A SYN answered by RST,ACK: a closed port. */
    static Flow refused(long id, String src, String dst, int dport, long at) {
        return tcp(id, src, 45000, dst, dport, at, at + 1000)
                .setToServer(Counters.newBuilder().setPackets(1).setBytes(58))
                .setToClient(Counters.newBuilder().setPackets(1).setBytes(54))
                .setTcp(TCP.newBuilder().setFlagsToServer(SYN).setFlagsToClient(RST | ACK)
                        .setState(TcpState.TCP_STATE_RESET))
                .build();
    }

    /** A SYN answered by SYN,ACK, then reset by the client: an open port, as nmap -sS leaves it. */
    static Flow openPort(long id, String src, String dst, int dport, long at) {
        return tcp(id, src, 45000, dst, dport, at, at + 2000)
                .setToServer(Counters.newBuilder().setPackets(2).setBytes(112))
                .setToClient(Counters.newBuilder().setPackets(1).setBytes(58))
                .setTcp(TCP.newBuilder().setFlagsToServer(SYN | RST).setFlagsToClient(SYN | ACK)
                        .setState(TcpState.TCP_STATE_RESET))
                .build();
    }

    /** An ordinary conversation: handshake, data both ways, orderly close, {@code bytes} to the server. */
    static Flow conversation(long id, String src, String dst, int dport, long first, long last, long bytes) {
        return tcp(id, src, 45000, dst, dport, first, last)
                .setToServer(Counters.newBuilder().setPackets(6).setBytes(bytes))
                .setToClient(Counters.newBuilder().setPackets(5).setBytes(4000))
                .setTcp(TCP.newBuilder().setFlagsToServer(SYN | ACK | PSH | FIN)
                        .setFlagsToClient(SYN | ACK | PSH | FIN).setState(TcpState.TCP_STATE_CLOSED))
                .build();
    }

    /** UDP: {@code sent} datagrams to the server, {@code answers} back. */
    static Flow udp(long id, String src, int sport, String dst, int dport, long at, int sent, int answers) {
        return Flow.newBuilder().setFlowId(id)
                .setSource(Endpoint.newBuilder().setIp(src).setPort(sport))
                .setDestination(Endpoint.newBuilder().setIp(dst).setPort(dport))
                .setIpProtocol(17).setIpVersion(4)
                .setToServer(Counters.newBuilder().setPackets(sent).setBytes(60L * sent))
                .setToClient(Counters.newBuilder().setPackets(answers).setBytes(60L * answers))
                .setFirstSeen(Timestamps.fromNanos(at)).setLastSeen(Timestamps.fromNanos(at))
                .setUdp(UDP.getDefaultInstance())
                .build();
    }
}
