package io.netwatch.agent.inspect;

import io.netwatch.agent.decode.IpLayer;
import io.netwatch.agent.decode.PacketDecoder;
import io.netwatch.agent.flow.FlowObserver;
import io.netwatch.agent.inspect.dns.DnsMessage;
import io.netwatch.agent.inspect.dns.DnsQueryType;
import io.netwatch.agent.inspect.dns.DnsResponseCode;
import io.netwatch.agent.inspect.http.HttpMethod;
import io.netwatch.agent.inspect.http.HttpRequest;
import io.netwatch.agent.inspect.http.HttpResponse;
import io.netwatch.agent.inspect.http.HttpStatusClass;
import io.netwatch.agent.inspect.http.HttpStream;
import io.netwatch.agent.inspect.signature.MatchContext;
import io.netwatch.agent.inspect.signature.PayloadBuffers;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.inspect.signature.ThresholdTable;
import io.netwatch.agent.inspect.tls.ServerHello;
import io.netwatch.agent.inspect.tls.TlsFingerprints;
import io.netwatch.agent.inspect.tls.TlsVersionClass;
import io.netwatch.agent.inspect.tls.TlsVersions;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.InspectionLimit;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The inspection stage: looks at the first bytes of each direction of each flow, names the
 * application protocol by its payload whatever the port, and hands the bytes to that
 * protocol's parser. Results go into the flow record (app_proto and the L7 field) and, as
 * {@link InspectionEvent}s, to the sink.
 *
 * <p>Runs on the capture thread as the flow table's {@link FlowObserver}. Bounded: per-flow
 * state only while a flow is being inspected, a cap on flows inspected at once, and the
 * reassembly budget; every bound reached is counted.
 */
public final class Inspector implements FlowObserver {
    private final InspectionConfig config;
    /** Whether each protocol's messages are parsed, by {@link MessageKind#ordinal()} (see {@link InspectionConfig#parsers}). */
    private final boolean[] parses = new boolean[MessageKind.values().length];
    private final InspectionSink sink;
    /** Receives alerts and DNS messages as well as {@link #sink}: the detectors. */
    private final InspectionSink detectors;
    /** False when nobody takes the messages: they are then not built at all (the agent's case). */
    private final boolean wantsMessages;
    private final ReassemblyBudget budget;
    private final SlotMap<FlowInspection> flows = new SlotMap<>();
    /** Flows turned away because too many were under inspection: counted once, never inspected mid-stream. */
    private final SlotMap<Boolean> refused = new SlotMap<>();
    /** Inspected flows sampled to choose one that makes way for a new flow ({@link #makeWay}). */
    private static final int EVICTION_SAMPLE = 16;
    /** Flows holding a place among those inspected at once: those with directions (see {@link FlowInspection#holdsPlace}). */
    private int places;
    /** xorshift state for {@link #makeWay}'s sample; fixed seed, so runs repeat. */
    private long evictionRandom = 0x9E3779B97F4A7C15L;

    // Read by metrics from other threads; written only by the capture thread, by release
    // stores (a locked increment fences on every flow and every message).
    private final AtomicLong inspectedFlows = new AtomicLong();
    private final AtomicLong uninspectedFlows = new AtomicLong();
    private final AtomicLong evictedFlows = new AtomicLong();
    /** Application-layer messages found, indexed by {@link MessageKind#ordinal()}. */
    private final AtomicLongArray events = new AtomicLongArray(MessageKind.values().length);
    /** Messages a parser refused as malformed, indexed by {@link MessageKind#ordinal()}. */
    private final AtomicLongArray malformed = new AtomicLongArray(MessageKind.values().length);
    private static final HttpStream.Event[] HTTP_EVENTS = HttpStream.Event.values();
    /** HTTP directions in which each {@link HttpStream.Event} happened, by its ordinal. */
    private final AtomicLongArray httpEvents = new AtomicLongArray(HTTP_EVENTS.length);
    // What the messages said, in bounded groups: every message parsed, those past a flow's
    // bound on the events it reports included, as the messages are counted in events.
    /** DNS queries by the type of their first question, indexed by {@link DnsQueryType#ordinal()}. */
    private final AtomicLongArray dnsQueries = new AtomicLongArray(DnsQueryType.values().length);
    /** DNS responses by their (extended) RCODE, indexed by {@link DnsResponseCode#ordinal()}. */
    private final AtomicLongArray dnsResponses = new AtomicLongArray(DnsResponseCode.values().length);
    /** HTTP requests by method, indexed by {@link HttpMethod#ordinal()}. */
    private final AtomicLongArray httpRequests = new AtomicLongArray(HttpMethod.values().length);
    /** HTTP responses (interim ones included) by status class, indexed by {@link HttpStatusClass#ordinal()}. */
    private final AtomicLongArray httpResponses = new AtomicLongArray(HttpStatusClass.values().length);
    private static final int TLS_VERSIONS = TlsVersionClass.values().length;
    /**
     * ServerHellos (not HelloRetryRequests) by the protocol that carried them ({@link
     * MessageKind#TLS} or {@link MessageKind#QUIC}) and the version selected: at {@code
     * kind.ordinal() * TLS_VERSIONS + version.ordinal()}.
     */
    private final AtomicLongArray serverHellos = new AtomicLongArray(MessageKind.values().length * TLS_VERSIONS);
    private final AtomicLong gaps = new AtomicLong();
    private final AtomicLong ignoredResets = new AtomicLong();
    private final AtomicLong mismatches = new AtomicLong();
    private final AtomicLong quicGiveUps = new AtomicLong();
    private final AtomicLong quicStalled = new AtomicLong();
    private final AtomicLong alerts = new AtomicLong();
    private final Signatures signatures;
    /** Reused for every match: the capture thread is the only one. */
    private final MatchContext matchContext = new MatchContext();
    /** The counts the rules' thresholds keep, across flows and rule reloads; asked only once a rule has matched. */
    private final ThresholdTable thresholds;
    private final TlsFingerprints fingerprints = new TlsFingerprints();
    /** Payload arrays for the rules, passed from flow to flow; replaced when a reload changes the depth. */
    private PayloadBuffers payloadBuffers;

    /** Inspection with the bundled rules. */
    public Inspector(InspectionConfig config, InspectionSink sink) {
        this(config, Signatures.bundled(), sink);
    }

    /**
     * @param signatures the rules in force; a reload takes effect for flows that start after it
     */
    public Inspector(InspectionConfig config, Signatures signatures, InspectionSink sink) {
        this(config, signatures, sink, InspectionSink.NONE);
    }

    /**
     * @param sink      the application-layer messages and alerts; {@link InspectionSink#NONE} to build no messages
     * @param detectors alerts and DNS messages, even when {@code sink} takes none (the agent's detectors)
     */
    public Inspector(InspectionConfig config, Signatures signatures, InspectionSink sink, InspectionSink detectors) {
        this.config = config;
        for (MessageKind k : config.parsers()) {
            parses[k.ordinal()] = true;
        }
        this.sink = sink;
        this.detectors = detectors;
        this.wantsMessages = sink != InspectionSink.NONE;
        this.signatures = signatures;
        this.thresholds = new ThresholdTable(signatures.thresholdEntries());
        this.budget = new ReassemblyBudget(config.budgetBytes());
    }

    /** False once both the parsers and the payload rules are done with this direction (see {@link FlowObserver}). */
    @Override
    public boolean onPacket(int slot, long flowId, boolean fromInitiator, IpLayer layer, ByteBuffer frame, long nowNanos) {
        if (frame == null) {
            // Rebuilt from fragments: nothing to read here, but later packets may have payload.
            return true;
        }
        boolean tcp = layer.protocol == PacketDecoder.PROTO_TCP;
        boolean udp = layer.protocol == PacketDecoder.PROTO_UDP;
        if (!tcp && !udp) {
            return true;
        }
        if (tcp && layer.payloadLength == 0 && (layer.tcpFlags & IpLayer.TCP_BOUNDARY_FLAGS) == 0) {
            // A bare acknowledgement: no byte, no start or end of a direction. Most TCP packets
            // of a download are these, and their flow's inspection state is not even loaded.
            return true;
        }
        FlowInspection f = flows.get(slot);
        if (f == null) {
            if (layer.payloadLength == 0 && !(tcp && (layer.tcpFlags & 0x02) != 0)) {
                return true;
            }
            if (refused.get(slot) != null) {
                return false;
            }
            if (places >= config.maxInspectedFlows() && !makeWay()) {
                refused.put(slot, Boolean.TRUE);
                uninspectedFlows.lazySet(uninspectedFlows.get() + 1);
                return false;
            }
            f = new FlowInspection(this, flowId, tcp, fromInitiator, layer);
            flows.put(slot, f);
            inspectedFlows.lazySet(inspectedFlows.get() + 1);
        }
        boolean more = f.packet(fromInitiator, layer, frame, nowNanos);
        return f.account() && more;
    }

    /**
     * At the bound of flows inspected at once, a new flow takes the place of one already
     * inspected, chosen among a few sampled at random: an unanswered one if there is one, else
     * the least recently active. Else one pod could fill the bound with a datagram of a byte
     * to each of 65,536 ports every minute (the UDP timeout), from a plain socket, and no flow
     * after them, its own attack or another pod's, would be inspected. The flow making way
     * keeps what it learnt for its record and is not inspected further (counted).
     *
     * @return false when no flow holding a place was found among the sample
     */
    private boolean makeWay() {
        FlowInspection victim = null;
        int span = flows.span();
        for (int seen = 0, tried = 0; seen < EVICTION_SAMPLE && tried < 8 * EVICTION_SAMPLE; tried++) {
            evictionRandom ^= evictionRandom << 13;
            evictionRandom ^= evictionRandom >>> 7;
            evictionRandom ^= evictionRandom << 17;
            FlowInspection f = flows.get((int) Math.floorMod(evictionRandom, (long) span));
            if (f == null || !f.holdsPlace()) {
                continue;
            }
            seen++;
            if (victim == null || !f.answered() && victim.answered()
                    || f.answered() == victim.answered() && f.lastNanos() < victim.lastNanos()) {
                victim = f;
            }
        }
        if (victim == null) {
            return false;
        }
        victim.evict();
        evictedFlows.lazySet(evictedFlows.get() + 1);
        return true;
    }

    /** A flow took a place among those inspected at once (it has directions). */
    void takePlace() {
        places++;
    }

    /** A flow gave its place back (its directions went, or it ended). */
    void leavePlace() {
        places--;
    }

    @Override
    public void onRecord(int slot, Flow.Builder record, boolean last) {
        FlowInspection f = flows.get(slot);
        if (f == null) {
            // Only a flow never inspected can have been turned away (onPacket asks before it
            // makes a flow's state), so the second table is read for those records alone.
            if (refused.get(slot) != null) {
                record.setInspectionLimit(InspectionLimit.INSPECTION_LIMIT_FLOWS);
                if (last) {
                    refused.remove(slot);
                }
            }
            return;
        }
        if (last) {
            try {
                f.end();
            } finally {
                // The slot is reused by the next flow: it must not inherit this state.
                flows.remove(slot);
            }
        }
        f.decorate(record);
    }

    /** The inspection state of the flow at {@code slot}, null when none: for tests and fuzzers. */
    FlowInspection inspection(int slot) {
        return flows.get(slot);
    }

    /** The bounds and parsers this inspection runs with. */
    public InspectionConfig config() {
        return config;
    }

    /** True when {@code kind}'s messages are parsed; else its flows are only named. */
    boolean parses(MessageKind kind) {
        return parses[kind.ordinal()];
    }

    ReassemblyBudget budget() {
        return budget;
    }

    void emit(InspectionEvent e) {
        sink.onEvent(e);
    }

    /** Counts one application-layer message found; true when it should be built and emitted. */
    boolean message(MessageKind kind) {
        events.lazySet(kind.ordinal(), events.get(kind.ordinal()) + 1);
        return wantsMessages;
    }

    void alert(InspectionEvent.Alert a) {
        alerts.lazySet(alerts.get() + 1);
        detectors.onEvent(a);
        emit(a);
    }

    /**
     * True when the detectors take this kind of DNS message (a response or a query): it is
     * then built although {@link #sink} takes none.
     */
    boolean detectsDns(boolean response) {
        return detectors != InspectionSink.NONE && (!response || detectors.takesDnsResponses());
    }

    /** A DNS message for the detectors and, when {@code keep}, for the sink. */
    void dns(InspectionEvent.Dns e, boolean keep) {
        detectors.onEvent(e);
        if (keep) {
            emit(e);
        }
    }

    /** True when someone takes application-layer messages; else callers need not build them. */
    boolean keepsMessages() {
        return wantsMessages;
    }

    Signatures signatures() {
        return signatures;
    }

    /** The counts of the rules' thresholds, and the alerts they held back. */
    public ThresholdTable thresholds() {
        return thresholds;
    }

    TlsFingerprints fingerprints() {
        return fingerprints;
    }

    PayloadBuffers payloadBuffers() {
        int depth = signatures.payloadDepth();
        if (payloadBuffers == null || payloadBuffers.depth() != depth) {
            payloadBuffers = new PayloadBuffers(depth);
        }
        return payloadBuffers;
    }

    MatchContext matchContext() {
        return matchContext;
    }

    /** One message of {@code kind} that its parser refused: not reported, but not lost silently either. */
    void countMalformed(MessageKind kind) {
        malformed.lazySet(kind.ordinal(), malformed.get(kind.ordinal()) + 1);
    }

    /** One DNS message parsed (whole or in part): a query by its question's type, a response by its code. */
    void countDns(DnsMessage m) {
        if (m.response()) {
            increment(dnsResponses, DnsResponseCode.of(m.extendedRcode()).ordinal());
        } else {
            increment(dnsQueries, DnsQueryType.of(m.qtype()).ordinal());
        }
    }

    void countHttpRequest(HttpRequest r) {
        increment(httpRequests, HttpMethod.of(r.method()).ordinal());
    }

    void countHttpResponse(HttpResponse r) {
        increment(httpResponses, HttpStatusClass.of(r.status()).ordinal());
    }

    /**
     * One ServerHello carried by {@code kind} (TLS or QUIC). A HelloRetryRequest is not counted:
     * it selects nothing for good, and the ServerHello that follows it is.
     */
    void countServerHello(MessageKind kind, ServerHello hello) {
        if (!hello.helloRetryRequest()) {
            increment(serverHellos, kind.ordinal() * TLS_VERSIONS
                    + TlsVersionClass.of(TlsVersions.selected(hello)).ordinal());
        }
    }

    /** Adds one by a release store: only the capture thread writes the counters. */
    private static void increment(AtomicLongArray counters, int i) {
        counters.lazySet(i, counters.get(i) + 1);
    }

    /** What happened in one HTTP direction, counted once each when the direction ends. */
    void countHttpEvents(HttpStream stream) {
        for (HttpStream.Event e : HTTP_EVENTS) {
            if (stream.has(e)) {
                httpEvents.lazySet(e.ordinal(), httpEvents.get(e.ordinal()) + 1);
            }
        }
    }

    void countGap() {
        gaps.lazySet(gaps.get() + 1);
    }

    void countIgnoredReset() {
        ignoredResets.lazySet(ignoredResets.get() + 1);
    }

    void countMismatch() {
        mismatches.lazySet(mismatches.get() + 1);
    }

    void countQuicGiveUp() {
        quicGiveUps.lazySet(quicGiveUps.get() + 1);
    }

    void countQuicStalledConnection() {
        quicStalled.lazySet(quicStalled.get() + 1);
    }

    /** A sender and receiver, addresses as {@link IpLayer} holds them. */
    InspectionEvent.Endpoints endpoints(int ipVersion, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo,
                                        int dstPort, String transport) {
        return InspectionEvent.Endpoints.of(ipVersion, srcHi, srcLo, srcPort, dstHi, dstLo, dstPort, transport);
    }

    InspectionEvent.Endpoints endpoints(MatchContext m, String transport) {
        return endpoints(m.ipVersion, m.srcHi, m.srcLo, m.srcPort, m.dstHi, m.dstLo, m.dstPort, transport);
    }

    /** Signature alerts raised (each rule at most once per flow). */
    public long alerts() {
        return alerts.get();
    }

    /** Flows whose payload was inspected. */
    public long inspectedFlows() {
        return inspectedFlows.get();
    }

    /** Flows whose inspection stopped to make way for a new flow at the bound of flows inspected at once. */
    public long evictedFlows() {
        return evictedFlows.get();
    }

    /** Flows not inspected because too many were being inspected at once. */
    public long uninspectedFlows() {
        return uninspectedFlows.get();
    }

    /** Application-layer messages found, of every kind. */
    public long events() {
        long sum = 0;
        for (int i = 0; i < events.length(); i++) {
            sum += events.get(i);
        }
        return sum;
    }

    /** Application-layer messages of one kind found. */
    public long events(MessageKind kind) {
        return events.get(kind.ordinal());
    }

    /**
     * Messages of one kind that its parser refused: DNS messages, TLS records and hellos, QUIC
     * Initials that could not be opened or whose hello could not be read. (HTTP heads that
     * cannot be parsed are {@link HttpStream.Event#MALFORMED_HEAD}, see {@link #httpStreamEvents}.)
     */
    public long malformedMessages(MessageKind kind) {
        return malformed.get(kind.ordinal());
    }

    /** DNS queries (whole or in part) whose first question is of {@code type}; a query without one is {@link DnsQueryType#OTHER}. */
    public long dnsQueries(DnsQueryType type) {
        return dnsQueries.get(type.ordinal());
    }

    /** DNS responses (whole or in part) whose extended RCODE is {@code code}. */
    public long dnsResponses(DnsResponseCode code) {
        return dnsResponses.get(code.ordinal());
    }

    /** HTTP requests whose method is {@code method}. */
    public long httpRequests(HttpMethod method) {
        return httpRequests.get(method.ordinal());
    }

    /** HTTP responses, interim ones included, whose status is of class {@code status}. */
    public long httpResponses(HttpStatusClass status) {
        return httpResponses.get(status.ordinal());
    }

    /** ServerHellos over {@code kind} ({@link MessageKind#TLS} or {@link MessageKind#QUIC}) that selected {@code version}. */
    public long serverHellos(MessageKind kind, TlsVersionClass version) {
        return serverHellos.get(kind.ordinal() * TLS_VERSIONS + version.ordinal());
    }

    /** HTTP directions in which {@code event} happened (a lost place, a bad chunk, a head refused, ...). */
    public long httpStreamEvents(HttpStream.Event event) {
        return httpEvents.get(event.ordinal());
    }

    /** Holes in TCP streams that inspection skipped. */
    public long streamGaps() {
        return gaps.get();
    }

    /** TCP resets that did not end inspection: their sequence number lay outside their receiver's window. */
    public long ignoredResets() {
        return ignoredResets.get();
    }

    /** Flows whose payload protocol is not the one their port suggests. */
    public long protocolMismatches() {
        return mismatches.get();
    }

    /**
     * QUIC directions in which a bound left a hello unread, each counted once: {@link
     * FlowInspection#MAX_QUIC_INITIALS} Initials in a row (opened or not) without a message
     * (the flow is named QUIC, with no TLS fields if none came before), a connection's message
     * announced longer than the CRYPTO data kept, or an Initial for a new connection while
     * {@link io.netwatch.agent.inspect.quic.QuicHandshakes#MAX_CONNECTIONS} are followed, none
     * of them read or stalled.
     */
    public long quicDirectionsGivenUp() {
        return quicGiveUps.get();
    }

    /**
     * QUIC connections whose place a new connection on their flow took because they were
     * stalled: their client's CRYPTO stream had not grown over {@link
     * io.netwatch.agent.inspect.quic.QuicHandshakes#STALL_INITIALS} client Initials, its hello
     * unread (a decoy with no hello, or one that never finishes it).
     */
    public long quicStalledConnections() {
        return quicStalled.get();
    }

    /** Out-of-order segments not held because the reassembly budget was spent. */
    public long budgetRefusals() {
        return budget.refused();
    }

    /**
     * Flows whose inspection stopped for want of memory: the bytes their parsers and rules keep
     * would have passed the budget, or went to a flow that held less.
     */
    public long memoryStops() {
        return budget.keptRefused();
    }

    /**
     * Times the largest holder of the inspection budget (a direction's held segments, a flow's
     * kept bytes) gave it all back so that a flow holding less could have room.
     */
    public long memoryReclaims() {
        return budget.reclaims();
    }

    /** Bytes inspection holds now, across flows: out-of-order segments and the bytes parsers and rules keep. */
    public long heldBytes() {
        return budget.held();
    }
}
