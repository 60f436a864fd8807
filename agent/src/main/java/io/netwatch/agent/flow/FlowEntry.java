package io.netwatch.agent.flow;

import io.netwatch.proto.flow.v1.TcpState;
import io.netwatch.proto.flow.v1.Tunnel;
import java.util.List;

/**
 * The mutable accumulator of one tracked flow. Lives only inside {@link FlowTable}, touched
 * only by the capture thread, and frozen into a {@code Flow} message when it leaves.
 */
final class FlowEntry {
    final FlowKey key;
    final long flowId;
    /** True when endpoint A of the key is the initiator. */
    final boolean aIsInitiator;
    final int ipVersion;
    final int interfaceIndex;
    /** ICMP type and code of the initiator's first message. */
    final int icmpType;
    final int icmpCode;

    /** Capture time of the first and last packet, nanoseconds since the epoch. */
    long firstNanos;
    long lastNanos;
    /** When the last record (interim) was emitted; starts at firstNanos. */
    long lastReportNanos;
    long pktsToServer;
    long bytesToServer;
    long pktsToClient;
    long bytesToClient;
    int flagsToServer;
    int flagsToClient;
    TcpState tcpState = TcpState.TCP_STATE_UNKNOWN;
    /** First sequence number seen from each side (the ISN when it was a SYN), for port reuse. */
    int baseSeqToServer;
    int baseSeqToClient;
    boolean baseSeqToServerSet;
    boolean baseSeqToClientSet;
    /** The tunnels around the flow, outermost first; empty at depth 0. */
    List<Tunnel> tunnels = List.of();

    FlowEntry(FlowKey key, long flowId, boolean aIsInitiator, int ipVersion, int interfaceIndex,
              int icmpType, int icmpCode, long nowNanos) {
        this.key = key;
        this.flowId = flowId;
        this.aIsInitiator = aIsInitiator;
        this.ipVersion = ipVersion;
        this.interfaceIndex = interfaceIndex;
        this.icmpType = icmpType;
        this.icmpCode = icmpCode;
        this.firstNanos = nowNanos;
        this.lastNanos = nowNanos;
        this.lastReportNanos = nowNanos;
    }
}
