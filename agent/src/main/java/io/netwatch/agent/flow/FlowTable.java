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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tracks bidirectional flows from decoded packets and emits a {@link Flow} record when a flow
 * ends, times out, is evicted, or outlives the active timeout (an interim record).
 *
 * <p>Single-threaded: only the capture thread calls it. Time is capture time, so replaying a
 * file behaves as the live traffic did. Flows live in {@link FlowSlots}: primitive arrays,
 * no object per flow, nothing allocated per packet. Memory is bounded by
 * {@link FlowTableConfig#maxFlows()}: when full, a flow is evicted, emitted and counted. The
 * victim is chosen among a few sampled flows, spent ones first (unanswered, or closed or
 * reset) and then the one its idle timeout would end soonest, a single exchange's timeout
 * counted as it is and a longer flow's as at least an established connection's, so a flood of
 * one-packet flows from random sources, of SYNs to closed ports, or of answered datagrams
 * evicts its own flows rather than the established conversations, and a flood of completed
 * handshakes its own rather than busy datagram or ICMP exchanges.
 */
public final class FlowTable {
    private static final int FIN = 0x01;
    private static final int SYN = 0x02;
    private static final int RST = 0x04;
    private static final int ACK = 0x10;
    /** Expiry scans run at most this often, capture time. */
    private static final long EXPIRY_INTERVAL_NANOS = 1_000_000_000L;
    /** Least time between two sweeps asked for by idle capture threads ({@link #tick}). */
    private static final long TICK_INTERVAL_NANOS = 250_000_000L;
    /** Capacity of the ring of flows waiting for their decision (1 MiB of arrays). */
    private static final int MAX_PENDING_DECISIONS = 1 << 16;
    /** Flows sampled to choose an eviction victim. */
    private static final int EVICTION_SAMPLE = 32;
    /**
     * Packets of a single exchange, a packet each way: a flow with no more is ranked for
     * eviction by its own timeout, a longer one by at least an established connection's.
     */
    private static final int SINGLE_EXCHANGE_PACKETS = 2;
    /**
     * The interface index field holds 0-254; 255 means "not recorded": flows on interfaces past
     * the 255th (a pcapng file may declare 65,536) have no interface name.
     */
    private static final int NO_INTERFACE = 255;
    private static final TcpState[] STATES = {TcpState.TCP_STATE_UNKNOWN, TcpState.TCP_STATE_SYN_SENT,
        TcpState.TCP_STATE_SYN_RECEIVED, TcpState.TCP_STATE_ESTABLISHED, TcpState.TCP_STATE_CLOSING,
        TcpState.TCP_STATE_CLOSED, TcpState.TCP_STATE_RESET};
    private static final int UNKNOWN = 0;
    private static final int SYN_SENT = 1;
    private static final int SYN_RECEIVED = 2;
    private static final int ESTABLISHED = 3;
    private static final int CLOSING = 4;
    private static final int CLOSED = 5;
    private static final int RESET = 6;

    private final FlowTableConfig config;
    private final FlowSink sink;
    private final String nodeName;
    /** Asked at each record; replaced only while wiring ({@link #interfaceNames(InterfaceNames)}). */
    private InterfaceNames interfaceNames;
    private final CommunityId communityId = new CommunityId(0);
    private FlowObserver observer = FlowObserver.NONE;
    private final FlowSlots slots;
    private final Defragmenter defrag;
    /** Tunnels around tunnelled flows, by slot: kept aside so untunnelled flows pay nothing. */
    private final Map<Integer, List<Tunnel>> tunnels = new HashMap<>();
    private final long flowIdBase;
    private final long activeTimeoutNanos;
    private long nextFlowSequence = 1;
    private long lastExpiryNanos = Long.MIN_VALUE;
    /** xorshift state for eviction sampling; fixed seed, so runs repeat. */
    private long evictionRandom = 0x9E3779B97F4A7C15L;

    // Canonical key of the packet being accounted (the flow table's only scratch state).
    private long kaHi;
    private long kaLo;
    private long kbHi;
    private long kbLo;
    private int kPorts;

    // Read by metrics from other threads; written only by the capture thread, by release stores.
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong emitted = new AtomicLong();
    private final AtomicLong decided = new AtomicLong();
    private FlowOutcome.Sink decisions;
    /** The one view of a slot handed to the decision sink. */
    private final SlotOutcome outcome = new SlotOutcome();
    private long decisionDelayNanos;
    private FlowOutcome.Repeats repeats;
    private FlowSink closes;
    /**
     * TCP and UDP flows waiting for their decision, oldest first (slot, low 32 bits of the
     * flow's sequence, first packet time): a ring of up to 65,536, so an unanswered
     * attempt is decided when its delay is up, not at the next sweep of the table. Entries of
     * flows decided or gone meanwhile are skipped as they come up; when the ring is full the
     * newest flow waits for the sweep instead (counted as nothing lost: the sweep decides it).
     */
    private int[] pendingSlot;
    private int[] pendingId;
    private long[] pendingFirst;
    private int pendingHead;
    private int pendingSize;
    private final AtomicLong evicted = new AtomicLong();
    /** Fragmented datagrams counted in their flows without their payload (see {@link #datagramsUninspected}). */
    private final AtomicLong uninspectedDatagrams = new AtomicLong();
    /** ICMP errors: they quote another packet and count in no flow (see {@link #icmpErrors}). */
    private final AtomicLong icmpErrors = new AtomicLong();
    /**
     * Flows in the table, for the metrics thread. Only the capture thread writes it, on every
     * flow made or ended: a release store, which orders what came before it without the
     * fence a volatile store costs on each of them.
     */
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
        this.interfaceNames = InterfaceNames.of(interfaceNames);
        this.flowIdBase = flowIdBase;
        this.slots = new FlowSlots(config.maxFlows());
        this.activeTimeoutNanos = config.activeTimeout().toNanos();
    }

    /**
     * Names the flows' interfaces by asking {@code names} at each record instead of the list
     * given when the table was built. Call it while wiring, before the first packet.
     */
    public FlowTable interfaceNames(InterfaceNames names) {
        this.interfaceNames = Objects.requireNonNull(names, "names");
        return this;
    }

    /** Installs the stage that inspects the flows' packets (payload inspection). */
    public FlowTable observe(FlowObserver observer) {
        this.observer = observer;
        return this;
    }

    /**
     * Also reports each TCP and UDP flow's outcome as soon as it is known, long before the
     * flow's record: the detectors that judge connection attempts (scans, floods) act on it,
     * so an attack is seen within a second or two, not after a flow timeout. A TCP attempt
     * is decided when the initiator completes the handshake, when either side resets, or
     * when {@code delay} has passed since its first packet (unanswered, or half-open); a UDP
     * flow at the responder's first datagram, or after {@code delay} (unanswered). Each flow
     * is decided once; a flow that ends first is decided just before its final record. The
     * decision is a view of the table's state ({@link FlowOutcome}), built into no record:
     * addresses, ports, flags, counters and times, not the L7 fields.
     * TCP flows picked up mid-stream (no SYN from the initiator) are not attempts and are not
     * reported, nor are flows that carry a tunnel (VXLAN, Geneve), whose every underlay flow
     * looks unanswered by design: the flows inside them are.
     */
    public FlowTable decide(FlowOutcome.Sink sink, java.time.Duration delay) {
        this.decisions = sink;
        this.decisionDelayNanos = delay.toNanos();
        // New flows per decision delay that wait here; more than this wait for the sweep.
        int capacity = Math.min(config.maxFlows(), MAX_PENDING_DECISIONS);
        this.pendingSlot = new int[capacity];
        this.pendingId = new int[capacity];
        this.pendingFirst = new long[capacity];
        return this;
    }

    /**
     * Also reports, at each sweep of the table (once a second of capture time), what the
     * initiator of each flow decided unanswered sent since: its packets since the decision or
     * the last such report, as long as nobody answers (a UDP flow with no datagram back, a TCP
     * attempt whose initiator never acknowledged). A flood that keeps to one 5-tuple is one
     * flow, and its decision, half a second in, tells only its first half second; the flood
     * detector counts the rest from these. Costs nothing per packet: the sweep already reads
     * every flow's flags, and answered flows (nearly all) are never reported. A flow that ends
     * is reported a last time just before its final record. Needs {@link #decide}.
     */
    public FlowTable repeats(FlowOutcome.Repeats sink) {
        this.repeats = sink;
        return this;
    }

    /** Decides the flows whose delay is up at {@code nowNanos}; a comparison when none is. */
    private void decideDue(long nowNanos) {
        while (pendingSize > 0 && nowNanos - pendingFirst[pendingHead] >= decisionDelayNanos) {
            int slot = pendingSlot[pendingHead];
            int id = pendingId[pendingHead];
            pendingHead = pendingHead + 1 == pendingSlot.length ? 0 : pendingHead + 1;
            pendingSize--;
            int pg = FlowSlots.page(slot);
            int at = FlowSlots.at(slot);
            long meta = slots.meta[pg][at];
            if ((meta & FlowSlots.IN_USE) != 0 && slots.idLow[pg][at] == id && decidable(meta)) {
                decideNow(slot, meta);
            }
        }
    }

    /**
     * Also reports each TCP flow once when it closes (both FINs, or a reset), with what
     * inspection learnt so far, instead of waiting out the closed timeout (10 s) that keeps
     * its slot for trailing packets: a password guess is judged when its connection ends. A
     * TCP flow that leaves the table without closing is reported just before its final record.
     */
    public FlowTable closes(FlowSink sink) {
        this.closes = sink;
        return this;
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
        if (pendingSize > 0) {
            decideDue(nowNanos);
        }
        long vlans = packVlans(p);
        for (int i = 0; i < p.layerCount; i++) {
            IpLayer l = p.layers[i];
            if (l.fragment) {
                Defragmenter.Datagram d = defrag.add(l, frame, nowNanos, wireLength, interfaceIndex);
                if (d != null) {
                    release(d, p, vlans);
                }
            } else if (l.icmpError && l.transport) {
                // It quotes another packet's header: counted, in no flow (as tshark's conversations).
                icmpErrors.lazySet(icmpErrors.get() + 1);
            } else if (l.flowable()) {
                // A layer that carries a tunnel (VXLAN, Geneve, GRE, IP-in-IP) has no application
                // payload of its own: its bytes are the next layer, counted in that layer's flow
                // (or, for a frame that is not IP, such as ARP between pods, in no flow at all).
                boolean carrier = i < p.layerCount - 1 || l.carriesTunnel;
                account(l, p, carrier ? null : frame, vlans, nowNanos, wireLength, interfaceIndex, true, carrier);
            }
        }
    }

    /** Counts every fragment of a completed datagram in its flow, each with its own time and length. */
    private void release(Defragmenter.Datagram d, DecodedPacket p, long vlans) {
        try {
            IpLayer h = d.header;
            ByteBuffer payload = null;
            if (d.dataComplete()) {
                // The whole datagram: inspection sees it as one packet, its first fragment.
                payload = ByteBuffer.wrap(d.data, 0, d.total);
                h.fragment = false;
                h.transport = false;
                if (!PacketDecoder.readTransport(payload, 0, d.total, h)) {
                    return;
                }
            } else {
                uninspectedDatagrams.lazySet(uninspectedDatagrams.get() + 1);
                if (!Defragmenter.readTransport(d)) {
                    return;
                }
            }
            if (h.icmpError) {
                icmpErrors.lazySet(icmpErrors.get() + 1);
                return;
            }
            for (int i = 0; i < d.count; i++) {
                boolean first = d.start[i] == 0;
                account(h, p, first ? payload : null, vlans, d.nanos[i], d.wireLength[i], d.interfaceIndex[i], first,
                        false);
            }
        } finally {
            // Whatever the datagram turned out to be, its payload memory goes back to the budget.
            defrag.releaseData(d);
        }
    }

    /** Sets the canonical key; returns true when the packet's source is endpoint A. */
    private boolean canonical(IpLayer l, int srcPort, int dstPort) {
        int c = Long.compareUnsigned(l.srcHi, l.dstHi);
        if (c == 0) {
            c = Long.compareUnsigned(l.srcLo, l.dstLo);
        }
        if (c == 0) {
            c = Integer.compare(srcPort, dstPort);
        }
        boolean srcIsA = c <= 0;
        if (srcIsA) {
            kaHi = l.srcHi;
            kaLo = l.srcLo;
            kbHi = l.dstHi;
            kbLo = l.dstLo;
            kPorts = srcPort << 16 | dstPort;
        } else {
            kaHi = l.dstHi;
            kaLo = l.dstLo;
            kbHi = l.srcHi;
            kbLo = l.srcLo;
            kPorts = dstPort << 16 | srcPort;
        }
        return srcIsA;
    }

    private void account(IpLayer l, DecodedPacket p, ByteBuffer frame, long vlans, long nowNanos, int wireLength,
                         int interfaceIndex, boolean headerPacket, boolean carrier) {
        boolean icmp = l.protocol == PacketDecoder.PROTO_ICMP || l.protocol == PacketDecoder.PROTO_ICMPV6;
        boolean srcIsA = canonical(l, icmp ? 0 : l.srcPort, icmp ? 0 : l.dstPort);
        int hash = slots.hash(l.protocol, kaHi, kaLo, kbHi, kbLo, kPorts, vlans, l.tunnelContext);
        int slot = slots.find(hash, l.protocol, kaHi, kaLo, kbHi, kbLo, kPorts, vlans, l.tunnelContext);
        boolean tcp = l.protocol == PacketDecoder.PROTO_TCP;
        int flags = headerPacket ? l.tcpFlags : 0;
        if (slot >= 0 && tcp && (flags & (SYN | ACK)) == SYN && reusesPort(slot, srcIsA, l.tcpSeq)) {
            // A SYN with a new initial sequence number: a new connection on a reused 5-tuple.
            finish(slot, FlowEndReason.FLOW_END_REASON_END_OF_FLOW);
            slot = -1;
        }
        if (slot < 0) {
            slot = create(l, p, hash, vlans, srcIsA, tcp && (flags & (SYN | ACK)) == (SYN | ACK), icmp, nowNanos,
                    interfaceIndex);
        }
        int pg = FlowSlots.page(slot);
        int at = FlowSlots.at(slot);
        long meta = slots.meta[pg][at];
        boolean fromInitiator = srcIsA == ((meta & FlowSlots.A_IS_INITIATOR) != 0);
        if (carrier && (tcp || l.protocol == PacketDecoder.PROTO_UDP)) {
            meta |= FlowSlots.CARRIER;
        }
        if (fromInitiator) {
            slots.pktsToServer[pg][at]++;
            slots.bytesToServer[pg][at] += wireLength;
            meta |= (long) flags << FlowSlots.FLAGS_TO_SERVER_SHIFT;
        } else {
            slots.pktsToClient[pg][at]++;
            slots.bytesToClient[pg][at] += wireLength;
            meta |= (long) flags << FlowSlots.FLAGS_TO_CLIENT_SHIFT;
        }
        if (nowNanos > slots.last[pg][at]) {
            slots.last[pg][at] = nowNanos;
        }
        if (tcp && headerPacket) {
            if (fromInitiator && (meta & FlowSlots.ISN_SET) == 0) {
                // As tshark: the first segment's sequence number, minus one unless it is a SYN.
                slots.isn[pg][at] = (flags & SYN) != 0 ? l.tcpSeq : l.tcpSeq - 1;
                meta |= FlowSlots.ISN_SET;
            }
            meta = advanceTcp(meta, flags, fromInitiator);
        }
        if (decisions != null && (meta & FlowSlots.DECIDED) == 0 && outcomeKnown(meta, flags, fromInitiator)) {
            meta = decideNow(slot, meta);
        }
        if (closes != null && tcp && (meta & FlowSlots.CLOSE_REPORTED) == 0) {
            int state = (int) (meta >>> FlowSlots.STATE_SHIFT) & 0xF;
            if (state == CLOSED || state == RESET) {
                meta |= FlowSlots.CLOSE_REPORTED;
                slots.meta[pg][at] = meta;
                reportClose(slot);
            }
        }
        if (!tcp && (meta & 0xFF) != PacketDecoder.PROTO_UDP) {
            observer.onPacket(slot, flowId(slot), fromInitiator, l, headerPacket ? frame : null, nowNanos);
        } else {
            long unobserved = fromInitiator ? FlowSlots.UNOBSERVED_TO_SERVER : FlowSlots.UNOBSERVED_TO_CLIENT;
            // A reset is passed on even from a direction the stage is done with: it ends the
            // other direction too, whose stage may still hold bytes behind a hole.
            if (((meta & unobserved) == 0 || tcp && (flags & RST) != 0)
                    && !observer.onPacket(slot, flowId(slot), fromInitiator, l, headerPacket ? frame : null, nowNanos)) {
                meta |= unobserved;
            }
        }
        slots.meta[pg][at] = meta;
        int reports = (int) (meta >>> FlowSlots.REPORTS_SHIFT) & 0xFF;
        if (reports < 0xFF && nowNanos - slots.first[pg][at] >= (reports + 1) * activeTimeoutNanos) {
            slots.meta[pg][at] = meta + (1L << FlowSlots.REPORTS_SHIFT);
            emit(slot, FlowEndReason.FLOW_END_REASON_ACTIVE_TIMEOUT, true);
        }
    }

    /** Whether the packet just counted settles the flow's outcome (see {@link #decide}). */
    private static boolean outcomeKnown(long meta, int flags, boolean fromInitiator) {
        return switch ((int) (meta & 0xFF)) {
            case PacketDecoder.PROTO_TCP -> (flags & RST) != 0 || fromInitiator && (flags & ACK) != 0
                    && ((meta >>> FlowSlots.FLAGS_TO_CLIENT_SHIFT) & (SYN | ACK)) == (SYN | ACK);
            case PacketDecoder.PROTO_UDP -> !fromInitiator;
            default -> false;
        };
    }

    private static boolean decidable(long meta) {
        int protocol = (int) (meta & 0xFF);
        return (meta & FlowSlots.DECIDED) == 0
                && (protocol == PacketDecoder.PROTO_TCP || protocol == PacketDecoder.PROTO_UDP);
    }

    /**
     * Marks the flow decided (before the sink runs, so a sink that throws cannot make it be
     * decided twice) and reports its outcome; returns the flow's new meta word.
     */
    private long decideNow(int slot, long meta) {
        long decidedMeta = meta | FlowSlots.DECIDED;
        int pg = FlowSlots.page(slot);
        int at = FlowSlots.at(slot);
        if (repeats != null && reportable(decidedMeta) && unanswered(decidedMeta, pg, at)) {
            decidedMeta |= FlowSlots.REPEATS;
            slots.counted[pg][at] = (int) slots.pktsToServer[pg][at];
        }
        slots.meta[pg][at] = decidedMeta;
        report(slot);
        return decidedMeta;
    }

    /**
     * Whether a flow is still an attempt nobody answered: a UDP flow with no datagram back, a
     * TCP attempt whose initiator never acknowledged anything (half-open, or refused).
     */
    private boolean unanswered(long meta, int pg, int at) {
        return (meta & 0xFF) == PacketDecoder.PROTO_UDP ? slots.pktsToClient[pg][at] == 0
                : ((meta >>> FlowSlots.FLAGS_TO_SERVER_SHIFT) & ACK) == 0;
    }

    /**
     * Whether a flow is marked {@link FlowSlots#REPEATS}: a TCP or UDP flow's flag, in the
     * bits where an ICMP flow keeps its type (found in review: an ICMP flow of a type with
     * bit 5 set, 37 to 43 or any a sender writes, went to the repeat sink at every sweep).
     */
    private static boolean repeating(long meta) {
        int protocol = (int) (meta & 0xFF);
        return (meta & FlowSlots.REPEATS) != 0
                && (protocol == PacketDecoder.PROTO_TCP || protocol == PacketDecoder.PROTO_UDP);
    }

    /**
     * Hands the repeat sink what the initiator of a flow decided unanswered sent since it was
     * last counted ({@link #repeats}); a flow answered meanwhile is no longer followed.
     * Returns the flow's meta word.
     */
    private long repeat(int slot, long meta, long sinceNanos) {
        int pg = FlowSlots.page(slot);
        int at = FlowSlots.at(slot);
        if (!unanswered(meta, pg, at)) {
            meta &= ~FlowSlots.REPEATS;
            slots.meta[pg][at] = meta;
            return meta;
        }
        int sent = (int) slots.pktsToServer[pg][at];
        // Low 32 bits on both sides: a difference past 4 billion packets in a second cannot occur.
        long more = (sent - slots.counted[pg][at]) & 0xFFFF_FFFFL;
        if (more != 0) {
            // Counted before the sink runs, so a sink that throws cannot have them counted twice.
            slots.counted[pg][at] = sent;
            outcome.slot = slot;
            // None was sent before the decision: for a flow decided when its delay was up, not
            // by a reset, that is its first packet and the delay. Found in review: the first
            // repeat said the sweep before, up to a second earlier, and the flood detector took
            // half a second's packets for a whole second's, under its rate floor.
            int state = (int) (meta >>> FlowSlots.STATE_SHIFT) & 0xF;
            long first = slots.first[pg][at];
            long decided = (meta & 0xFF) == PacketDecoder.PROTO_TCP && state == RESET ? first
                    : first + decisionDelayNanos;
            repeats.onRepeat(outcome, more, Math.max(sinceNanos, decided));
        }
        return meta;
    }

    /**
     * Hands a flow's outcome to the decision sink. Left out: TCP flows without the initiator's
     * SYN, and flows that carry a tunnel. An overlay network (VXLAN, Geneve) sends each
     * direction of a pod's flow in an underlay flow of its own between two nodes, so every
     * underlay flow looks unanswered, and a node with pods on many nodes would look like a
     * sweep and its tunnel port like a flood target. The flows inside are decided instead.
     */
    private void report(int slot) {
        if (!reportable(slots.meta[FlowSlots.page(slot)][FlowSlots.at(slot)])) {
            return;
        }
        decided.lazySet(decided.get() + 1);
        outcome.slot = slot;
        decisions.onOutcome(outcome);
    }

    /** Whether a TCP or UDP flow's outcome goes to the sink: not a TCP flow without its SYN, nor a tunnel's carrier. */
    private static boolean reportable(long meta) {
        return ((meta & 0xFF) != PacketDecoder.PROTO_TCP || ((meta >>> FlowSlots.FLAGS_TO_SERVER_SHIFT) & SYN) != 0)
                && (meta & FlowSlots.CARRIER) == 0;
    }

    /** Hands a TCP flow's close, with its L7 fields so far, to the close sink. */
    private void reportClose(int slot) {
        Flow.Builder f = decision(slot);
        observer.onRecord(slot, f, false);
        closes.onFlow(f.build());
    }

    /** True when a SYN from the initiator carries another sequence number than its first packet. */
    private boolean reusesPort(int slot, boolean srcIsA, int seq) {
        long meta = slots.meta[FlowSlots.page(slot)][FlowSlots.at(slot)];
        boolean fromInitiator = srcIsA == ((meta & FlowSlots.A_IS_INITIATOR) != 0);
        return fromInitiator && (meta & FlowSlots.ISN_SET) != 0 && slots.isn[FlowSlots.page(slot)][FlowSlots.at(slot)] != seq;
    }

    private int create(IpLayer l, DecodedPacket p, int hash, long vlans, boolean srcIsA, boolean synAck, boolean icmp,
                       long nowNanos, int interfaceIndex) {
        if (slots.full()) {
            evictOne();
        }
        int slot = slots.insert(hash, l.protocol, kaHi, kaLo, kbHi, kbLo, kPorts, vlans, l.tunnelContext);
        int pg = FlowSlots.page(slot);
        int at = FlowSlots.at(slot);
        // A SYN-ACK first means we missed the SYN: its receiver initiated the connection.
        boolean aIsInitiator = synAck != srcIsA;
        long meta = slots.meta[pg][at];
        if (aIsInitiator) {
            meta |= FlowSlots.A_IS_INITIATOR;
        }
        if (l.ipVersion == 6) {
            meta |= FlowSlots.IPV6;
        }
        if (icmp) {
            meta |= (long) (l.srcPort & 0xFF) << FlowSlots.ICMP_TYPE_SHIFT | (long) (l.dstPort & 0xFF) << FlowSlots.ICMP_CODE_SHIFT;
        }
        long ifIndex = interfaceIndex >= 0 && interfaceIndex < NO_INTERFACE ? interfaceIndex : NO_INTERFACE;
        meta |= ifIndex << FlowSlots.INTERFACE_SHIFT;
        slots.meta[pg][at] = meta;
        slots.first[pg][at] = nowNanos;
        slots.last[pg][at] = nowNanos;
        slots.idLow[pg][at] = (int) nextFlowSequence++;
        if (decisions != null && (l.protocol == PacketDecoder.PROTO_TCP || l.protocol == PacketDecoder.PROTO_UDP)
                && pendingSize < pendingSlot.length) {
            int tail = pendingHead + pendingSize;
            tail = tail >= pendingSlot.length ? tail - pendingSlot.length : tail;
            pendingSlot[tail] = slot;
            pendingId[tail] = slots.idLow[pg][at];
            pendingFirst[tail] = nowNanos;
            pendingSize++;
        }
        if (l.depth > 0) {
            tunnels.put(slot, tunnelsOf(p, l.depth));
        }
        created.lazySet(created.get() + 1);
        active.setRelease(slots.used());
        return slot;
    }

    /**
     * Makes room: among flows sampled at random positions, evicts a spent one if there is one,
     * else the one its idle timeout would end soonest. Spent: unanswered (a flood's or a
     * scan's), or a TCP connection already closed or reset, which lingers only for its stray
     * last packets (a sweep of closed ports, each SYN answered by a reset, would else evict
     * every conversation quiet for longer than the sweep took). By its timeout, not by its
     * last packet: an established connection quiet for a minute has four more to live, a
     * datagram exchange seconds old less than one, so an answered UDP flood evicts its own
     * flows (by last packet alone it evicted every conversation quieter than the flood was
     * old). But only a single exchange (a packet each way: an answered datagram, a ping, a SYN
     * and its SYN-ACK) is held to its own short timeout: a flow past it counts as if it had an
     * established connection's, for its timeout tells when it would end if it went quiet, and
     * a busy flow is not going quiet. Else a fresh established connection, which anyone makes
     * by completing handshakes (to a port of its own), would outrank every datagram or ICMP
     * exchange, however busy, and a flood of handshakes evicted them at each sampling. An
     * attacker who makes its datagram flows longer than one exchange so gets only what the
     * flood of handshakes gets: the order of last packets, as before timeouts counted. Random
     * positions keep a run of neighbouring established flows from being the only candidates.
     */
    private void evictOne() {
        int victim = -1;
        boolean victimSpent = false;
        long victimDeadline = Long.MAX_VALUE;
        int high = slots.highWater();
        for (int seen = 0, tried = 0; seen < EVICTION_SAMPLE && tried < 4 * EVICTION_SAMPLE; tried++) {
            evictionRandom ^= evictionRandom << 13;
            evictionRandom ^= evictionRandom >>> 7;
            evictionRandom ^= evictionRandom << 17;
            int slot = (int) Math.floorMod(evictionRandom, (long) high);
            if (!slots.inUse(slot)) {
                continue;
            }
            seen++;
            int pg = FlowSlots.page(slot);
            int at = FlowSlots.at(slot);
            long meta = slots.meta[pg][at];
            boolean spent = slots.pktsToClient[pg][at] == 0 || ended(meta);
            long timeout = timeoutNanos(meta);
            if (!spent && slots.pktsToServer[pg][at] + slots.pktsToClient[pg][at] > SINGLE_EXCHANGE_PACKETS) {
                timeout = Math.max(timeout, config.tcpEstablishedTimeout().toNanos());
            }
            long deadline = slots.last[pg][at] + timeout;
            if (victim < 0 || (spent && !victimSpent) || (spent == victimSpent && deadline < victimDeadline)) {
                victim = slot;
                victimSpent = spent;
                victimDeadline = deadline;
            }
        }
        if (victim < 0) {
            // Only reachable with a table of tiny bound: take the first used slot.
            victim = 0;
            while (!slots.inUse(victim)) {
                victim++;
            }
        }
        evicted.lazySet(evicted.get() + 1);
        finish(victim, FlowEndReason.FLOW_END_REASON_EVICTED);
    }

    /** A TCP flow closed by both FINs or reset: over, its slot kept only for stray packets. */
    private static boolean ended(long meta) {
        int state = (int) (meta >>> FlowSlots.STATE_SHIFT) & 0xF;
        return (meta & 0xFF) == PacketDecoder.PROTO_TCP && (state == CLOSED || state == RESET);
    }

    /** The tunnels around layer {@code depth} of this packet, outermost first. */
    private static List<Tunnel> tunnelsOf(DecodedPacket p, int depth) {
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

    private static long advanceTcp(long meta, int flags, boolean fromInitiator) {
        if (flags == 0) {
            return meta;
        }
        int state = (int) (meta >>> FlowSlots.STATE_SHIFT) & 0xF;
        if ((flags & RST) != 0) {
            state = RESET;
        } else {
            switch (state) {
                case UNKNOWN -> {
                    if ((flags & (SYN | ACK)) == SYN) {
                        state = SYN_SENT;
                    } else if ((flags & (SYN | ACK)) == (SYN | ACK)) {
                        state = SYN_RECEIVED;
                    } else {
                        state = ESTABLISHED; // picked up mid-stream
                    }
                }
                case SYN_SENT -> {
                    if (!fromInitiator && (flags & (SYN | ACK)) == (SYN | ACK)) {
                        state = SYN_RECEIVED;
                    } else if (fromInitiator && (flags & (SYN | ACK)) == ACK) {
                        // A SYN-SENT endpoint acknowledges nothing before the SYN-ACK: that one
                        // came and the capture missed it. Else the flow would idle out by the
                        // handshake's timeout in the middle of its conversation.
                        state = ESTABLISHED;
                    }
                }
                case SYN_RECEIVED -> {
                    if (fromInitiator && (flags & ACK) != 0 && (flags & SYN) == 0) {
                        state = ESTABLISHED;
                    }
                }
                default -> {
                }
            }
            if ((flags & FIN) != 0) {
                long all = meta | (long) flags << (fromInitiator ? FlowSlots.FLAGS_TO_SERVER_SHIFT
                        : FlowSlots.FLAGS_TO_CLIENT_SHIFT);
                boolean bothFin = (all >>> FlowSlots.FLAGS_TO_SERVER_SHIFT & FIN) != 0
                        && (all >>> FlowSlots.FLAGS_TO_CLIENT_SHIFT & FIN) != 0;
                state = bothFin ? CLOSED : CLOSING;
            }
        }
        return (meta & ~(0xFL << FlowSlots.STATE_SHIFT)) | ((long) state << FlowSlots.STATE_SHIFT);
    }

    /**
     * Emits and removes every flow idle past its timeout at {@code nowNanos} (capture or wall
     * time), and drops fragments past theirs. Called by {@link #update} as capture time
     * advances, and by the capture loop when the interface is idle. Walks every slot: at most
     * once per second, a few milliseconds for a million flows.
     */
    public void expire(long nowNanos) {
        expireNow(nowNanos);
    }

    /**
     * Expires as {@link #expire} does, unless the table was swept less than a quarter of a
     * second ago: the capture threads call it on every idle wake-up (ten a second per
     * interface), and one sweep serves them all.
     */
    public void tick(long nowNanos) {
        if (pendingSize > 0) {
            decideDue(nowNanos);
        }
        if (lastExpiryNanos == Long.MIN_VALUE || nowNanos - lastExpiryNanos >= TICK_INTERVAL_NANOS) {
            expireNow(nowNanos);
        }
    }

    private void expireNow(long nowNanos) {
        long sweptBefore = lastExpiryNanos;
        lastExpiryNanos = nowNanos;
        defrag.expire(nowNanos);
        int high = slots.highWater();
        for (int slot = 0; slot < high; slot++) {
            int pg = FlowSlots.page(slot);
            int at = FlowSlots.at(slot);
            long meta = slots.meta[pg][at];
            if ((meta & FlowSlots.IN_USE) == 0) {
                continue;
            }
            if (decisions != null && decidable(meta) && nowNanos - slots.first[pg][at] >= decisionDelayNanos) {
                meta = decideNow(slot, meta);
            }
            if (repeating(meta)) {
                meta = repeat(slot, meta, sweptBefore);
            }
            if (nowNanos - slots.last[pg][at] >= timeoutNanos(meta)) {
                finish(slot, ended(meta) ? FlowEndReason.FLOW_END_REASON_END_OF_FLOW
                        : FlowEndReason.FLOW_END_REASON_IDLE_TIMEOUT);
            }
        }
        active.setRelease(slots.used());
    }

    /**
     * Emits every tracked flow with the given reason and empties the table. A sink that throws
     * stops the flush with the flows after it still tracked, and the table consistent: calling
     * this again emits the rest.
     */
    public void flushAll(FlowEndReason reason) {
        defrag.clear();
        int high = slots.highWater();
        try {
            for (int slot = 0; slot < high; slot++) {
                if (slots.inUse(slot)) {
                    finish(slot, reason, true);
                }
            }
        } finally {
            // The index is rebuilt once, not shifted at each of the removals that empty it.
            slots.reindex();
            active.setRelease(slots.used());
        }
    }

    private long timeoutNanos(long meta) {
        return switch ((int) (meta & 0xFF)) {
            case PacketDecoder.PROTO_TCP -> switch ((int) (meta >>> FlowSlots.STATE_SHIFT) & 0xF) {
                case ESTABLISHED, CLOSING -> config.tcpEstablishedTimeout().toNanos();
                case CLOSED, RESET -> config.tcpClosedTimeout().toNanos();
                default -> config.tcpSynTimeout().toNanos();
            };
            case PacketDecoder.PROTO_UDP -> config.udpTimeout().toNanos();
            default -> config.otherTimeout().toNanos();
        };
    }

    /**
     * Frees a flow's slot and emits its final record. The slot is freed first, so a sink that
     * throws loses that one record but never leaves the table inconsistent.
     */
    private void finish(int slot, FlowEndReason reason) {
        finish(slot, reason, false);
    }

    /** As {@link #finish(int, FlowEndReason)}; when emptying, the slot leaves the index later (see {@link #flushAll}). */
    private void finish(int slot, FlowEndReason reason, boolean emptying) {
        long meta = slots.meta[FlowSlots.page(slot)][FlowSlots.at(slot)];
        if (decisions != null && decidable(meta)) {
            meta = decideNow(slot, meta);
        }
        if (repeating(meta)) {
            meta = repeat(slot, meta, lastExpiryNanos);
        }
        if (closes != null && (meta & 0xFF) == PacketDecoder.PROTO_TCP && (meta & FlowSlots.CLOSE_REPORTED) == 0) {
            slots.meta[FlowSlots.page(slot)][FlowSlots.at(slot)] = meta | FlowSlots.CLOSE_REPORTED;
            reportClose(slot);
        }
        Flow record;
        try {
            record = freeze(slot, reason, false);
        } finally {
            tunnels.remove(slot);
            if (emptying) {
                slots.releaseUnindexed(slot);
            } else {
                slots.remove(slot);
                active.setRelease(slots.used());
            }
        }
        emitted.lazySet(emitted.get() + 1);
        sink.onFlow(record);
    }

    private void emit(int slot, FlowEndReason reason, boolean interim) {
        emitted.lazySet(emitted.get() + 1);
        sink.onFlow(freeze(slot, reason, interim));
    }

    /** The flow id of a slot: the base plus its creation sequence, rebuilt from its low 32 bits. */
    private long flowId(int slot) {
        long low = slots.idLow[FlowSlots.page(slot)][FlowSlots.at(slot)] & 0xFFFF_FFFFL;
        long sequence = ((nextFlowSequence - 1) & ~0xFFFF_FFFFL) | low;
        if (sequence > nextFlowSequence - 1) {
            sequence -= 1L << 32;
        }
        return flowIdBase + sequence;
    }

    /** A slot's outcome, read from the table's arrays when asked (see {@link #decide}). */
    private final class SlotOutcome implements FlowOutcome {
        int slot;

        /** This slot's entry of one of the table's columns. */
        private long read(long[][] column) {
            return column[FlowSlots.page(slot)][FlowSlots.at(slot)];
        }

        private long meta() {
            return read(slots.meta);
        }

        private boolean aInit() {
            return (meta() & FlowSlots.A_IS_INITIATOR) != 0;
        }

        private int ports() {
            return slots.ports[FlowSlots.page(slot)][FlowSlots.at(slot)];
        }

        private String format(long hi, long lo) {
            return IpAddressFormat.format((meta() & FlowSlots.IPV6) != 0 ? 6 : 4, hi, lo);
        }

        @Override
        public long flowId() {
            return FlowTable.this.flowId(slot);
        }

        @Override
        public int ipProtocol() {
            return (int) (meta() & 0xFF);
        }

        @Override
        public String sourceIp() {
            return format(sourceHi(), sourceLo());
        }

        @Override
        public int sourcePort() {
            return aInit() ? ports() >>> 16 : ports() & 0xFFFF;
        }

        @Override
        public String destinationIp() {
            return format(destinationHi(), destinationLo());
        }

        @Override
        public int destinationPort() {
            return aInit() ? ports() & 0xFFFF : ports() >>> 16;
        }

        @Override
        public long sourceHi() {
            return read(aInit() ? slots.aHi : slots.bHi);
        }

        @Override
        public long sourceLo() {
            return read(aInit() ? slots.aLo : slots.bLo);
        }

        @Override
        public long destinationHi() {
            return read(aInit() ? slots.bHi : slots.aHi);
        }

        @Override
        public long destinationLo() {
            return read(aInit() ? slots.bLo : slots.aLo);
        }

        @Override
        public int flagsToServer() {
            return ipProtocol() == PacketDecoder.PROTO_TCP ? (int) (meta() >>> FlowSlots.FLAGS_TO_SERVER_SHIFT) & 0xFF : 0;
        }

        @Override
        public int flagsToClient() {
            return ipProtocol() == PacketDecoder.PROTO_TCP ? (int) (meta() >>> FlowSlots.FLAGS_TO_CLIENT_SHIFT) & 0xFF : 0;
        }

        @Override
        public long packetsToServer() {
            return read(slots.pktsToServer);
        }

        @Override
        public long packetsToClient() {
            return read(slots.pktsToClient);
        }

        @Override
        public long bytesToServer() {
            return read(slots.bytesToServer);
        }

        @Override
        public long bytesToClient() {
            return read(slots.bytesToClient);
        }

        @Override
        public long firstNanos() {
            return read(slots.first);
        }

        @Override
        public long lastNanos() {
            return read(slots.last);
        }
    }

    /** A TCP flow's state so far as a record: endpoints, flags, counters and times (its close report). */
    private Flow.Builder decision(int slot) {
        long meta = slots.meta[FlowSlots.page(slot)][FlowSlots.at(slot)];
        Flow.Builder f = record(slot, meta).setInterim(true);
        if ((meta & 0xFF) == PacketDecoder.PROTO_TCP) {
            f.setTcp(tcp(meta));
        } else {
            f.setUdp(UDP.getDefaultInstance());
        }
        return f;
    }

    /**
     * What every record of a slot says: its flow id and node, its endpoints (the initiator's
     * first), protocol, IP version, counters and times.
     */
    private Flow.Builder record(int slot, long meta) {
        int pg = FlowSlots.page(slot);
        int at = FlowSlots.at(slot);
        boolean aInit = (meta & FlowSlots.A_IS_INITIATOR) != 0;
        int ipVersion = (meta & FlowSlots.IPV6) != 0 ? 6 : 4;
        int ports = slots.ports[pg][at];
        return Flow.newBuilder()
                .setFlowId(flowId(slot))
                .setNodeName(nodeName)
                .setSource(Endpoint.newBuilder().setIp(IpAddressFormat.format(ipVersion,
                        aInit ? slots.aHi[pg][at] : slots.bHi[pg][at], aInit ? slots.aLo[pg][at] : slots.bLo[pg][at]))
                        .setPort(aInit ? ports >>> 16 : ports & 0xFFFF))
                .setDestination(Endpoint.newBuilder().setIp(IpAddressFormat.format(ipVersion,
                        aInit ? slots.bHi[pg][at] : slots.aHi[pg][at], aInit ? slots.bLo[pg][at] : slots.aLo[pg][at]))
                        .setPort(aInit ? ports & 0xFFFF : ports >>> 16))
                .setIpProtocol((int) (meta & 0xFF))
                .setIpVersion(ipVersion)
                .setToServer(Counters.newBuilder().setPackets(slots.pktsToServer[pg][at])
                        .setBytes(slots.bytesToServer[pg][at]))
                .setToClient(Counters.newBuilder().setPackets(slots.pktsToClient[pg][at])
                        .setBytes(slots.bytesToClient[pg][at]))
                .setFirstSeen(timestamp(slots.first[pg][at]))
                .setLastSeen(timestamp(slots.last[pg][at]));
    }

    private static TCP.Builder tcp(long meta) {
        return TCP.newBuilder().setFlagsToServer((int) (meta >>> FlowSlots.FLAGS_TO_SERVER_SHIFT) & 0xFF)
                .setFlagsToClient((int) (meta >>> FlowSlots.FLAGS_TO_CLIENT_SHIFT) & 0xFF)
                .setState(STATES[(int) (meta >>> FlowSlots.STATE_SHIFT) & 0xF]);
    }

    private Flow freeze(int slot, FlowEndReason reason, boolean interim) {
        int pg = FlowSlots.page(slot);
        int at = FlowSlots.at(slot);
        long meta = slots.meta[pg][at];
        boolean aInit = (meta & FlowSlots.A_IS_INITIATOR) != 0;
        int ipVersion = (meta & FlowSlots.IPV6) != 0 ? 6 : 4;
        int protocol = (int) (meta & 0xFF);
        Flow.Builder f = record(slot, meta).setEndReason(reason).setInterim(interim);
        List<Tunnel> around = tunnels.get(slot);
        if (around != null) {
            f.addAllTunnels(around);
        }
        for (long v = slots.vlans[pg][at]; v != 0; v >>>= 16) {
            f.addVlanIds((int) (v & 0xFFFF) - 1);
        }
        int ifIndex = (int) (meta >>> FlowSlots.INTERFACE_SHIFT) & 0xFF;
        // Not interface 255's name for a flow on interface 300, which the field cannot hold.
        String iface = ifIndex == NO_INTERFACE ? null : interfaceNames.name(ifIndex);
        if (iface != null) {
            f.setInterface(iface);
        }
        int ports = slots.ports[pg][at];
        int iPort = aInit ? ports >>> 16 : ports & 0xFFFF;
        int rPort = aInit ? ports & 0xFFFF : ports >>> 16;
        byte[] src = IpAddressFormat.bytes(ipVersion, aInit ? slots.aHi[pg][at] : slots.bHi[pg][at],
                aInit ? slots.aLo[pg][at] : slots.bLo[pg][at]);
        byte[] dst = IpAddressFormat.bytes(ipVersion, aInit ? slots.bHi[pg][at] : slots.aHi[pg][at],
                aInit ? slots.bLo[pg][at] : slots.aLo[pg][at]);
        switch (protocol) {
            case PacketDecoder.PROTO_TCP -> {
                f.setTcp(tcp(meta));
                f.setCommunityId(communityId.compute(src, iPort, dst, rPort, protocol));
            }
            case PacketDecoder.PROTO_UDP -> {
                f.setUdp(UDP.getDefaultInstance());
                f.setCommunityId(communityId.compute(src, iPort, dst, rPort, protocol));
            }
            case PacketDecoder.PROTO_SCTP -> {
                f.setSctp(SCTP.getDefaultInstance());
                f.setCommunityId(communityId.compute(src, iPort, dst, rPort, protocol));
            }
            case PacketDecoder.PROTO_ICMP, PacketDecoder.PROTO_ICMPV6 -> {
                int type = (int) (meta >>> FlowSlots.ICMP_TYPE_SHIFT) & 0xFF;
                int code = (int) (meta >>> FlowSlots.ICMP_CODE_SHIFT) & 0xFF;
                f.setIcmp(ICMP.newBuilder().setType(type).setCode(code));
                f.setCommunityId(communityId.compute(src, type, dst, code, protocol));
            }
            default -> f.setCommunityId(communityId.compute(src, 0, dst, 0, protocol));
        }
        observer.onRecord(slot, f, !interim);
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

    /** Outcomes handed to the decision sink ({@link #decide}). */
    public long flowsDecided() {
        return decided.get();
    }

    public long recordsEmitted() {
        return emitted.get();
    }

    public long flowsEvicted() {
        return evicted.get();
    }

    /**
     * ICMP errors seen (destination unreachable, time exceeded, ...): each quotes the header of
     * a packet it answers and is counted here, in no flow, so that nothing read goes uncounted.
     */
    public long icmpErrors() {
        return icmpErrors.get();
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

    /**
     * Fragmented datagrams completed whose payload was not kept whole (cut by the snap length,
     * or no room left for it): counted in their flows, their payload never inspected.
     */
    public long datagramsUninspected() {
        return uninspectedDatagrams.get();
    }

    /** Fragment frames of the incomplete datagrams. */
    public long fragmentsUncounted() {
        return defrag.droppedFragments();
    }
}
