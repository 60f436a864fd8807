package io.netwatch.agent.flow;

import com.google.protobuf.Timestamp;
import io.netwatch.agent.decode.DecodedPacket;
import io.netwatch.agent.decode.IpLayer;
import io.netwatch.agent.decode.PacketDecoder;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.FlowEndReason;
import io.netwatch.proto.flow.v1.ICMP;
import io.netwatch.proto.flow.v1.SCTP;
import io.netwatch.proto.flow.v1.TCP;
import io.netwatch.proto.flow.v1.TcpState;
import io.netwatch.proto.flow.v1.Tunnel;
import io.netwatch.proto.flow.v1.UDP;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tracks bidirectional flows from decoded packets and emits a {@link Flow} record when a flow
 * ends, times out, is evicted, or outlives the active timeout (an interim record).
 *
 * <p>Single-threaded: only the capture thread calls it. Time is capture time, so replaying a
 * file behaves as the live traffic did. Memory is bounded by {@link FlowTableConfig#maxFlows()}:
 * when full, the least recently active flow is evicted, emitted and counted. A packet lookup
 * reuses one probe key and allocates nothing; a new flow allocates its key and entry.
 */
public final class FlowTable {
    private static final int FIN = 0x01;
    private static final int SYN = 0x02;
    private static final int RST = 0x04;
    private static final int ACK = 0x10;
    /** Expiry scans run at most this often, capture time. */
    private static final long EXPIRY_INTERVAL_NANOS = 1_000_000_000L;

    private final FlowTableConfig config;
    private final FlowSink sink;
    private final String nodeName;
    private final List<String> interfaceNames;
    private final CommunityId communityId = new CommunityId(0);
    private final LinkedHashMap<FlowKey, FlowEntry> flows;
    private final FlowKey probe = new FlowKey();
    private final Defragmenter defrag;
    private final long flowIdBase;
    private long nextFlowId = 1;
    private long lastExpiryNanos = Long.MIN_VALUE;
    private final long minTimeoutNanos;

    // Read by metrics from other threads; written only by the capture thread.
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong emitted = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();
    private final AtomicLong active = new AtomicLong();

    /**
     * @param flowIdBase added to a per-table counter to make flow ids; choose it per agent
     *                   boot so ids do not repeat across restarts
     */
    public FlowTable(FlowTableConfig config, FlowSink sink, String nodeName, List<String> interfaceNames,
                     long flowIdBase) {
        this(config, DefragConfig.defaults(), sink, nodeName, interfaceNames, flowIdBase);
    }

    public FlowTable(FlowTableConfig config, DefragConfig defragConfig, FlowSink sink, String nodeName,
                     List<String> interfaceNames, long flowIdBase) {
        this.config = config;
        this.defrag = new Defragmenter(defragConfig);
        this.sink = sink;
        this.nodeName = nodeName;
        this.interfaceNames = List.copyOf(interfaceNames);
        this.flowIdBase = flowIdBase;
        this.flows = new LinkedHashMap<>(Math.min(config.maxFlows(), 1 << 16), 0.75f, true);
        this.minTimeoutNanos = Math.min(Math.min(config.tcpClosedTimeout().toNanos(), config.tcpSynTimeout().toNanos()),
                Math.min(config.udpTimeout().toNanos(), config.otherTimeout().toNanos()));
    }

    /**
     * Accounts one decoded packet: each IP layer that carries a transport counts in its own
     * flow (a tunnelled frame counts in the outer and the inner flow, with the whole frame's
     * length, as tshark does); fragments count once their datagram is complete.
     */
    public void update(DecodedPacket p, long nowNanos, int wireLength, int interfaceIndex) {
        update(p, null, nowNanos, wireLength, interfaceIndex);
    }

    /**
     * As {@link #update(DecodedPacket, long, int, int)}, with the frame the packet was decoded
     * from, so a fragmented datagram's transport header can be read once it is whole.
     */
    public void update(DecodedPacket p, ByteBuffer frame, long nowNanos, int wireLength, int interfaceIndex) {
        // lastExpiryNanos starts at MIN_VALUE, where the subtraction would overflow: expire first.
        if (lastExpiryNanos == Long.MIN_VALUE || nowNanos - lastExpiryNanos >= EXPIRY_INTERVAL_NANOS) {
            expire(nowNanos);
        }
        long vlans = packVlans(p);
        for (int i = 0; i < p.layerCount; i++) {
            IpLayer l = p.layers[i];
            if (l.fragment) {
                Defragmenter.Datagram d = defrag.add(l, frame, nowNanos, wireLength, interfaceIndex);
                if (d != null) {
                    release(d, p, vlans);
                }
            } else if (l.flowable()) {
                account(l, p, vlans, nowNanos, wireLength, interfaceIndex, true);
            }
        }
    }

    /** Counts every fragment of a completed datagram in its flow, each with its own time and length. */
    private void release(Defragmenter.Datagram d, DecodedPacket p, long vlans) {
        IpLayer h = d.header;
        if (!Defragmenter.readTransport(d) || h.icmpError) {
            return;
        }
        for (int i = 0; i < d.count; i++) {
            account(h, p, vlans, d.nanos[i], d.wireLength[i], d.interfaceIndex[i], d.start[i] == 0);
        }
    }

    private void account(IpLayer l, DecodedPacket p, long vlans, long nowNanos, int wireLength, int interfaceIndex,
                         boolean headerPacket) {
        boolean icmp = l.protocol == PacketDecoder.PROTO_ICMP || l.protocol == PacketDecoder.PROTO_ICMPV6;
        int srcPort = icmp ? 0 : l.srcPort;
        int dstPort = icmp ? 0 : l.dstPort;
        boolean srcIsA = probe.set(l.protocol, l.srcHi, l.srcLo, srcPort, l.dstHi, l.dstLo, dstPort, vlans, l.depth,
                l.tunnelContext);
        FlowEntry e = flows.get(probe);
        boolean tcp = l.protocol == PacketDecoder.PROTO_TCP;
        int flags = headerPacket ? l.tcpFlags : 0;
        if (e != null && tcp && (flags & (SYN | ACK)) == SYN && reusesPort(e, srcIsA, l.tcpSeq)) {
            // A SYN with a new initial sequence number: a new connection on a reused 5-tuple.
            flows.remove(e.key);
            finish(e, FlowEndReason.FLOW_END_REASON_END_OF_FLOW);
            e = null;
        }
        if (e == null) {
            e = create(l, p, srcIsA, tcp && (flags & (SYN | ACK)) == (SYN | ACK), icmp, nowNanos, interfaceIndex);
        }
        boolean fromInitiator = srcIsA == e.aIsInitiator;
        if (fromInitiator) {
            e.pktsToServer++;
            e.bytesToServer += wireLength;
            e.flagsToServer |= flags;
        } else {
            e.pktsToClient++;
            e.bytesToClient += wireLength;
            e.flagsToClient |= flags;
        }
        if (nowNanos > e.lastNanos) {
            e.lastNanos = nowNanos;
        }
        if (tcp && headerPacket) {
            recordBaseSeq(e, fromInitiator, l.tcpSeq, flags);
            advanceTcp(e, flags, fromInitiator);
        }
        if (nowNanos - e.lastReportNanos >= config.activeTimeout().toNanos()) {
            e.lastReportNanos = nowNanos;
            emit(e, FlowEndReason.FLOW_END_REASON_ACTIVE_TIMEOUT, true);
        }
    }

    /** True when a SYN from this side carries another sequence number than the side's first packet. */
    private static boolean reusesPort(FlowEntry e, boolean srcIsA, int seq) {
        boolean fromInitiator = srcIsA == e.aIsInitiator;
        return fromInitiator ? e.baseSeqToServerSet && e.baseSeqToServer != seq
                : e.baseSeqToClientSet && e.baseSeqToClient != seq;
    }

    private static void recordBaseSeq(FlowEntry e, boolean fromInitiator, int seq, int flags) {
        // As tshark: the first segment's sequence number, minus one unless it is a SYN.
        int base = (flags & SYN) != 0 ? seq : seq - 1;
        if (fromInitiator && !e.baseSeqToServerSet) {
            e.baseSeqToServer = base;
            e.baseSeqToServerSet = true;
        } else if (!fromInitiator && !e.baseSeqToClientSet) {
            e.baseSeqToClient = base;
            e.baseSeqToClientSet = true;
        }
    }

    private FlowEntry create(IpLayer l, DecodedPacket p, boolean srcIsA, boolean synAck, boolean icmp, long nowNanos,
                             int interfaceIndex) {
        if (flows.size() >= config.maxFlows()) {
            Iterator<FlowEntry> it = flows.values().iterator();
            FlowEntry victim = it.next();
            it.remove();
            evicted.incrementAndGet();
            finish(victim, FlowEndReason.FLOW_END_REASON_EVICTED);
        }
        // A SYN-ACK first means we missed the SYN: its receiver initiated the connection.
        boolean aIsInitiator = synAck != srcIsA;
        FlowEntry e = new FlowEntry(probe.copy(), flowIdBase + nextFlowId++, aIsInitiator, l.ipVersion,
                interfaceIndex, icmp ? l.srcPort : 0, icmp ? l.dstPort : 0, nowNanos);
        if (l.depth > 0) {
            e.tunnels = tunnels(p, l.depth);
        }
        flows.put(e.key, e);
        created.incrementAndGet();
        active.set(flows.size());
        return e;
    }

    /** The tunnels around layer {@code depth} of this packet, outermost first. */
    private static List<Tunnel> tunnels(DecodedPacket p, int depth) {
        List<Tunnel> out = new ArrayList<>(depth);
        for (int i = 1; i <= depth && i < p.layerCount; i++) {
            IpLayer outer = p.layers[i - 1];
            IpLayer inner = p.layers[i];
            out.add(Tunnel.newBuilder()
                    .setTypeValue(inner.tunnelType)
                    .setVni(inner.vni)
                    .setOuterSourceIp(IpAddressFormat.format(outer.ipVersion, outer.srcHi, outer.srcLo))
                    .setOuterDestinationIp(IpAddressFormat.format(outer.ipVersion, outer.dstHi, outer.dstLo))
                    .build());
        }
        return List.copyOf(out);
    }

    private static void advanceTcp(FlowEntry e, int flags, boolean fromInitiator) {
        if (flags == 0) {
            return;
        }
        if ((flags & RST) != 0) {
            e.tcpState = TcpState.TCP_STATE_RESET;
            return;
        }
        switch (e.tcpState) {
            case TCP_STATE_UNKNOWN -> {
                if ((flags & (SYN | ACK)) == SYN) {
                    e.tcpState = TcpState.TCP_STATE_SYN_SENT;
                } else if ((flags & (SYN | ACK)) == (SYN | ACK)) {
                    e.tcpState = TcpState.TCP_STATE_SYN_RECEIVED;
                } else {
                    // Picked up mid-stream.
                    e.tcpState = TcpState.TCP_STATE_ESTABLISHED;
                }
            }
            case TCP_STATE_SYN_SENT -> {
                if (!fromInitiator && (flags & (SYN | ACK)) == (SYN | ACK)) {
                    e.tcpState = TcpState.TCP_STATE_SYN_RECEIVED;
                }
            }
            case TCP_STATE_SYN_RECEIVED -> {
                if (fromInitiator && (flags & ACK) != 0 && (flags & SYN) == 0) {
                    e.tcpState = TcpState.TCP_STATE_ESTABLISHED;
                }
            }
            default -> {
            }
        }
        if ((flags & FIN) != 0) {
            boolean bothFin = (e.flagsToServer & FIN) != 0 && (e.flagsToClient & FIN) != 0;
            e.tcpState = bothFin ? TcpState.TCP_STATE_CLOSED : TcpState.TCP_STATE_CLOSING;
        }
    }

    /**
     * Emits and removes every flow idle past its timeout at {@code nowNanos} (capture or wall
     * time). Called by {@link #update} as capture time advances, and by the capture loop when
     * the interface is idle.
     */
    public void expire(long nowNanos) {
        lastExpiryNanos = nowNanos;
        defrag.expire(nowNanos);
        Iterator<FlowEntry> it = flows.values().iterator();
        while (it.hasNext()) {
            FlowEntry e = it.next();
            long idle = nowNanos - e.lastNanos;
            if (idle >= timeoutNanos(e)) {
                it.remove();
                boolean ended = e.tcpState == TcpState.TCP_STATE_CLOSED || e.tcpState == TcpState.TCP_STATE_RESET;
                finish(e, ended ? FlowEndReason.FLOW_END_REASON_END_OF_FLOW : FlowEndReason.FLOW_END_REASON_IDLE_TIMEOUT);
            } else if (idle < minTimeoutNanos) {
                // Access order: every later entry was active more recently.
                break;
            }
        }
        active.set(flows.size());
    }

    /** Emits every tracked flow with the given reason and empties the table. */
    public void flushAll(FlowEndReason reason) {
        defrag.clear();
        Iterator<FlowEntry> it = flows.values().iterator();
        while (it.hasNext()) {
            FlowEntry e = it.next();
            it.remove();
            finish(e, reason);
        }
        active.set(0);
    }

    private long timeoutNanos(FlowEntry e) {
        return switch (e.key.protocol) {
            case PacketDecoder.PROTO_TCP -> switch (e.tcpState) {
                case TCP_STATE_ESTABLISHED, TCP_STATE_CLOSING -> config.tcpEstablishedTimeout().toNanos();
                case TCP_STATE_CLOSED, TCP_STATE_RESET -> config.tcpClosedTimeout().toNanos();
                default -> config.tcpSynTimeout().toNanos();
            };
            case PacketDecoder.PROTO_UDP -> config.udpTimeout().toNanos();
            default -> config.otherTimeout().toNanos();
        };
    }

    private void finish(FlowEntry e, FlowEndReason reason) {
        emit(e, reason, false);
    }

    private void emit(FlowEntry e, FlowEndReason reason, boolean interim) {
        emitted.incrementAndGet();
        sink.onFlow(freeze(e, reason, interim));
    }

    private Flow freeze(FlowEntry e, FlowEndReason reason, boolean interim) {
        FlowKey k = e.key;
        long iHi = e.aIsInitiator ? k.aHi : k.bHi;
        long iLo = e.aIsInitiator ? k.aLo : k.bLo;
        long rHi = e.aIsInitiator ? k.bHi : k.aHi;
        long rLo = e.aIsInitiator ? k.bLo : k.aLo;
        int iPort = e.aIsInitiator ? k.aPort : k.bPort;
        int rPort = e.aIsInitiator ? k.bPort : k.aPort;
        Flow.Builder f = Flow.newBuilder()
                .setFlowId(e.flowId)
                .setNodeName(nodeName)
                .setSource(Endpoint.newBuilder().setIp(IpAddressFormat.format(e.ipVersion, iHi, iLo)).setPort(iPort))
                .setDestination(Endpoint.newBuilder().setIp(IpAddressFormat.format(e.ipVersion, rHi, rLo)).setPort(rPort))
                .setIpProtocol(k.protocol)
                .setIpVersion(e.ipVersion)
                .setToServer(Counters.newBuilder().setPackets(e.pktsToServer).setBytes(e.bytesToServer))
                .setToClient(Counters.newBuilder().setPackets(e.pktsToClient).setBytes(e.bytesToClient))
                .setFirstSeen(timestamp(e.firstNanos))
                .setLastSeen(timestamp(e.lastNanos))
                .setEndReason(reason)
                .setInterim(interim)
                .addAllTunnels(e.tunnels);
        for (long v = k.vlans; v != 0; v >>>= 16) {
            f.addVlanIds((int) (v & 0xFFFF) - 1);
        }
        if (e.interfaceIndex >= 0 && e.interfaceIndex < interfaceNames.size()) {
            f.setInterface(interfaceNames.get(e.interfaceIndex));
        }
        byte[] src = IpAddressFormat.bytes(e.ipVersion, iHi, iLo);
        byte[] dst = IpAddressFormat.bytes(e.ipVersion, rHi, rLo);
        switch (k.protocol) {
            case PacketDecoder.PROTO_TCP -> {
                f.setTcp(TCP.newBuilder().setFlagsToServer(e.flagsToServer).setFlagsToClient(e.flagsToClient)
                        .setState(e.tcpState));
                f.setCommunityId(communityId.compute(src, iPort, dst, rPort, k.protocol));
            }
            case PacketDecoder.PROTO_UDP -> {
                f.setUdp(UDP.getDefaultInstance());
                f.setCommunityId(communityId.compute(src, iPort, dst, rPort, k.protocol));
            }
            case PacketDecoder.PROTO_SCTP -> {
                f.setSctp(SCTP.getDefaultInstance());
                f.setCommunityId(communityId.compute(src, iPort, dst, rPort, k.protocol));
            }
            case PacketDecoder.PROTO_ICMP, PacketDecoder.PROTO_ICMPV6 -> {
                f.setIcmp(ICMP.newBuilder().setType(e.icmpType).setCode(e.icmpCode));
                f.setCommunityId(communityId.compute(src, e.icmpType, dst, e.icmpCode, k.protocol));
            }
            default -> f.setCommunityId(communityId.compute(src, 0, dst, 0, k.protocol));
        }
        return f.build();
    }

    /** Packs up to four VLAN ids (plus one, so id 0 is kept) 16 bits each, outermost lowest. */
    private static long packVlans(DecodedPacket p) {
        long v = 0;
        int n = Math.min(p.vlanCount, 4);
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 16) | ((p.vlanIds[i] + 1) & 0xFFFF);
        }
        return v;
    }

    static Timestamp timestamp(long nanos) {
        return Timestamp.newBuilder().setSeconds(Math.floorDiv(nanos, 1_000_000_000L))
                .setNanos((int) Math.floorMod(nanos, 1_000_000_000L)).build();
    }

    public long flowsCreated() {
        return created.get();
    }

    public long recordsEmitted() {
        return emitted.get();
    }

    public long flowsEvicted() {
        return evicted.get();
    }

    public long flowsActive() {
        return active.get();
    }

    /** Fragmented datagrams completed and counted in their flows. */
    public long datagramsReassembled() {
        return defrag.reassembled();
    }

    /** Fragmented datagrams that never completed: their fragments count in no flow. */
    public long datagramsIncomplete() {
        return defrag.dropped();
    }

    /** Fragment frames of the incomplete datagrams. */
    public long fragmentsUncounted() {
        return defrag.droppedFragments();
    }
}
