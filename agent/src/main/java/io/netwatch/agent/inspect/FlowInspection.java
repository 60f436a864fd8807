package io.netwatch.agent.inspect;

import io.netwatch.agent.decode.IpLayer;
import io.netwatch.agent.inspect.dns.DnsMessage;
import io.netwatch.agent.inspect.dns.DnsParser;
import io.netwatch.agent.inspect.dns.DnsRecord;
import io.netwatch.agent.inspect.dns.DnsResult;
import io.netwatch.agent.inspect.dns.DnsTcpFramer;
import io.netwatch.agent.inspect.quic.QuicHandshakes;
import io.netwatch.agent.inspect.quic.QuicInitial;
import io.netwatch.agent.inspect.tls.ClientHello;
import io.netwatch.agent.inspect.tls.ClientHelloResult;
import io.netwatch.agent.inspect.tls.HandshakeMessage;
import io.netwatch.agent.inspect.tls.TlsFingerprints;
import io.netwatch.agent.inspect.tls.ServerHello;
import io.netwatch.agent.inspect.tls.ServerHelloResult;
import io.netwatch.agent.inspect.tls.TlsHelloParser;
import io.netwatch.agent.inspect.tls.TlsRecordReader;
import io.netwatch.agent.inspect.tls.TlsRecordResult;
import io.netwatch.agent.inspect.tls.TlsVersions;
import io.netwatch.agent.inspect.http.HttpParser;
import io.netwatch.agent.inspect.http.HttpRequest;
import io.netwatch.agent.inspect.http.HttpResponse;
import io.netwatch.agent.inspect.http.HttpStream;
import io.netwatch.agent.inspect.http.HttpTransaction;
import io.netwatch.agent.inspect.signature.AlertListener;
import io.netwatch.agent.inspect.signature.Buffer;
import io.netwatch.agent.inspect.signature.FieldSource;
import io.netwatch.agent.inspect.signature.FlowSignatures;
import io.netwatch.agent.inspect.signature.MatchContext;
import io.netwatch.agent.inspect.signature.Rule;
import io.netwatch.agent.inspect.signature.RuleSet;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.inspect.signature.Threshold;
import io.netwatch.proto.flow.v1.DNS;
import io.netwatch.proto.flow.v1.HTTP;
import io.netwatch.proto.flow.v1.TLS;
import io.netwatch.proto.flow.v1.DnsAnswer;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.InspectionLimit;
import io.netwatch.proto.flow.v1.SSH;
import io.netwatch.proto.flow.v1.SignatureAlert;
import java.util.ArrayList;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * Mutable inspection state of one flow: its two stream directions, the protocol each one
 * speaks, and what was learnt for the flow record. Lives in the {@link Inspector}'s map while
 * the flow is inspected; single-threaded.
 */
final class FlowInspection extends ReassemblyBudget.Holder implements AlertListener, Supplier<FlowSignatures> {
    /** Longest SSH identification string kept, bytes (RFC 4253 allows 255). */
    static final int MAX_SSH_BANNER = 255;
    static final int DNS_PORT = 53;
    static final int QUIC_PORT = 443;

    private final Inspector inspector;
    private final long flowId;
    private final boolean tcp;
    /** The responder's port, for the protocol the port suggests. */
    private final int serverPort;
    /** The two directions; both null once both are done (see {@link #shed}): only the record's fields are left. */
    private Direction toServer;
    private Direction toClient;
    String appProto = "";
    private String sshClient = "";
    private String sshServer = "";
    private boolean mismatchCounted;
    /**
     * The flow's DNS summary for its record, the first response, else the first query, kept
     * as fields and the message's answers rather than the parsed message: a flow's summary
     * lives as long as the flow, and the collector copies every object it is made of. The
     * record field is built when a record first needs it; once it holds a response's answers,
     * the parsed ones go (see {@link #dnsRecord}).
     */
    private boolean dns;
    /** The summary is a response: it never changes after that. */
    private boolean dnsFinal;
    /** The summary's response came from the initiator: who answered decides whether its answers name addresses. */
    private boolean dnsFromClient;
    private int dnsId;
    private int dnsRcode;
    /** The question's name and type; null and 0 for a message without a question. */
    private String dnsQuery;
    private int dnsQtype;
    private List<DnsRecord> dnsAnswers = List.of();
    /** The DNS fields as built for the last record; null until built, and again when they change. */
    private DNS dnsBuilt;
    /** A UDP flow whose datagrams are read as DNS messages (by its port): see {@link #packet}. */
    private boolean udpDns;
    /**
     * Most DNS messages reported per flow (a tunnel can carry thousands); the rest are counted,
     * and the detectors see every one.
     */
    static final int MAX_DNS_MESSAGES_PER_FLOW = 10_000;
    private int dnsMessages;
    /** The flow's TLS summary, made at its first hello: most flows (DNS's above all) have none. */
    private TlsSummary tlsSummary;
    /** Most TLS stream bytes read to find the hellos, per direction. */
    static final int MAX_TLS_PREFIX = 32 * 1024;
    /**
     * Initials opened or tried in a row in a QUIC direction without a message read: at this the
     * direction ends (counted given up). Those that cannot be opened count as those that can: a
     * sender makes either as cheaply (Initial keys are public), and each costs a decryption and
     * maybe a key derivation. A client's hello comes in its first Initials, two or three with a
     * post-quantum key share. Each message read starts the count again, so a direction is read
     * for as long as the flow lasts: another connection may start on the same 5-tuple at any
     * time (see {@link QuicHandshakes}), a decoy's hello first. Initials of a connection already
     * read cost a header compare and do not count, nor do datagrams that are no Initial (a byte
     * read each).
     */
    static final int MAX_QUIC_INITIALS = 16;
    /** The QUIC connections of the flow, from its first client Initial; null before, and once both directions are done. */
    private QuicHandshakes quicHandshakes;
    /** HTTP pairing of the two directions, once either was named HTTP. */
    private HttpTransaction http;
    /**
     * Whose bytes are being parsed: the initiator's (the client's) or the responder's. Set by
     * the packet and by the direction that reads, so that what is made of them names its own
     * flow's sender and receiver whenever it is read: on a packet of the flow, on the peer's
     * (kept bytes replayed when a direction adopts HTTP), or at the flow's end (bytes read past
     * a hole never filled), when the last packet decoded is another flow's.
     */
    private boolean sendingFromClient;
    /** Whether the first request and the first response came: their fields are in {@link #httpRecord}. */
    private boolean firstRequest;
    private boolean firstResponse;
    /** Most HTTP messages reported per flow (a keep-alive connection can carry many); the rest are counted. */
    static final int MAX_HTTP_MESSAGES_PER_FLOW = 10_000;
    /** Stream bytes followed per direction of an HTTP connection: keep-alive connections carry many messages. */
    static final long HTTP_DEPTH = 256L << 20;
    private int httpMessages;
    /** The HTTP field of the flow's records, built as its first messages come (they are not kept). */
    private HTTP httpRecord;
    /** Capture time of the flow's packet being handled, or of its last one: the time of the events it completes. */
    private long nowNanos;
    /** Signature matching state; null without rules, before it is needed (see {@link #rules}) and once released. */
    private FlowSignatures signatures;
    /**
     * The rules in force when the flow started, null when none or once both directions are
     * done. A UDP flow no payload rule reaches makes its {@link #signatures} only when a
     * field rule's pattern is found (see {@link #get}): a DNS flow rarely needs them.
     */
    private RuleSet rules;
    /** Rules that matched, for the flow record (at most {@link #MAX_ALERTS_PER_RECORD}). */
    private List<Rule> alerts = List.of();
    static final int MAX_ALERTS_PER_RECORD = 16;
    /** The initiator's and the responder's address and port, for rules on stream bytes. */
    private final long clientHi;
    private final long clientLo;
    private final int clientPort;
    private final long serverHi;
    private final long serverLo;
    private final int ipVersion;
    /** Bytes this flow's parsers and rules keep, as reserved in the inspection budget ({@link #account}). */
    private int keptBytes;
    /** A packet reached the parsers or rules, or let a direction go, since {@link #account} last looked. */
    private boolean keptMayChange;
    /** The flow has directions, so holds one of the places of {@link InspectionConfig#maxInspectedFlows()}. */
    private boolean holdsPlace;
    /** The responder sent a packet that reached inspection. */
    private boolean answered;
    /** Stream bytes the directions wanted and never got (their gaps), for the record's missed_bytes. */
    private long missedBytes;
    /** The bound that cut this flow's inspection short, for its record; NONE while none did. */
    private InspectionLimit limit = InspectionLimit.INSPECTION_LIMIT_NONE;

    FlowInspection(Inspector inspector, long flowId, boolean tcp, boolean fromInitiator, IpLayer first) {
        this.inspector = inspector;
        this.flowId = flowId;
        this.tcp = tcp;
        this.serverPort = fromInitiator ? first.dstPort : first.srcPort;
        this.clientPort = fromInitiator ? first.srcPort : first.dstPort;
        this.clientHi = fromInitiator ? first.srcHi : first.dstHi;
        this.clientLo = fromInitiator ? first.srcLo : first.dstLo;
        this.serverHi = fromInitiator ? first.dstHi : first.srcHi;
        this.serverLo = fromInitiator ? first.dstLo : first.srcLo;
        this.ipVersion = first.ipVersion;
        RuleSet current = inspector.signatures().current();
        this.rules = current.size() == 0 ? null : current;
        if (rules != null && (tcp || rules.payloadReach(false, true) > 0 || rules.payloadReach(false, false) > 0)) {
            // Payload rules read this flow's bytes from the first ones.
            get();
        }
        if (!tcp && signatures == null && onDnsPort() && !(serverPort == QUIC_PORT && inspector.parses(MessageKind.QUIC))
                && inspector.parses(MessageKind.DNS)) {
            // DNS over UDP by its port, and no payload rule reads its datagrams: every message
            // is parsed without direction state (two objects fewer for each DNS flow, most of
            // the flows a node sees). Not to QUIC's port, whose directions are read as QUIC
            // (parseDatagram) as with payload rules: a client on source port 53, which any pod
            // may bind, was read as DNS only, and its QUIC hello and SNI never (found in review).
            udpDns = true;
        } else {
            this.toServer = new Direction(true);
            this.toClient = new Direction(false);
            holdsPlace = true;
            inspector.takePlace();
        }
    }

    /**
     * The flow's directions go: from now on only its summary is kept, for its record, and it
     * no longer holds one of the places of {@link InspectionConfig#maxInspectedFlows()}.
     */
    private void leavePlace() {
        toServer = null;
        toClient = null;
        if (holdsPlace) {
            holdsPlace = false;
            inspector.leavePlace();
        }
    }

    /** True while the flow holds a place among the flows inspected at once (it has directions). */
    boolean holdsPlace() {
        return holdsPlace;
    }

    /** True once the responder sent a packet that reached inspection. */
    boolean answered() {
        return answered;
    }

    /** Capture time of the flow's last packet that reached inspection. */
    long lastNanos() {
        return nowNanos;
    }

    /**
     * Makes way for a new flow when {@link InspectionConfig#maxInspectedFlows()} are inspected
     * (see {@link Inspector}): what is kept or held goes unread, as in {@link #giveBack}, and
     * the directions with it; the summary stays for the record, and the flow's later packets
     * are not inspected.
     */
    void evict() {
        limit = InspectionLimit.INSPECTION_LIMIT_EVICTED;
        if (toServer != null) {
            toServer.discard();
            toClient.discard();
        }
        http = null;
        quicHandshakes = null;
        if (signatures != null) {
            signatures.release();
            signatures = null;
        }
        rules = null;
        inspector.budget().release(this, keptBytes);
        keptBytes = 0;
        udpDns = false;
        leavePlace();
    }

    /** The flow's QUIC connections, for tests and fuzzers: null before its first client Initial, and once it let them go. */
    QuicHandshakes quicHandshakes() {
        return quicHandshakes;
    }

    /**
     * One direction's state, for tests and fuzzers: null once the directions went (a holder of
     * it reads on what it was when they went).
     */
    Direction direction(boolean fromClient) {
        return fromClient ? toServer : toClient;
    }

    /** Either side of the flow is on DNS's port. */
    private boolean onDnsPort() {
        return serverPort == DNS_PORT || clientPort == DNS_PORT;
    }

    /** True when the flow's datagrams are read as DNS without direction state (see the constructor). */
    boolean readsDnsWithoutDirections() {
        return udpDns && toServer == null;
    }

    /** Handles one packet of the flow; false when its direction has nothing more to give (see {@link #done}). */
    boolean packet(boolean fromInitiator, IpLayer l, ByteBuffer frame, long now) {
        this.nowNanos = now;
        this.sendingFromClient = fromInitiator;
        answered |= !fromInitiator;
        if (udpDns && toServer == null) {
            // DNS over UDP past its first message: reading the next ones needs no direction state.
            if (l.payloadLength > 0) {
                dnsDatagram(frame, l.payloadOffset, l.payloadLength);
            }
            return true;
        }
        Direction d = fromInitiator ? toServer : toClient;
        if (d == null) {
            return false;
        }
        if (done(d)) {
            // Nothing more to learn from this direction: no reassembly, no copies.
            Direction other = d == toServer ? toClient : toServer;
            shed(d);
            keptMayChange = true;
            if (tcp && (l.tcpFlags & 0x04) != 0 && other != null && !done(other)) {
                if (!d.acceptsReset(l.tcpSeq)) {
                    // Out of its receiver's window: the connection goes on (see below).
                    inspector.countIgnoredReset();
                } else {
                    // A reset: no byte follows in the other direction either, which may still
                    // wait behind a hole (the flow table passes resets on for this).
                    other.close();
                    if (signatures != null) {
                        signatures.stopPayload(!fromInitiator);
                    }
                    if (done(other)) {
                        shed(other);
                    }
                }
            }
            return false;
        }
        if (tcp) {
            if (d.passedOver(l)) {
                // A segment of a body passed over: the reassembler would only look at it.
                return true;
            }
            keptMayChange = true;
            int flags = l.tcpFlags;
            if ((flags & 0x04) != 0 && !d.acceptsReset(l.tcpSeq)) {
                // Out of its receiver's window: dropped there, so the connection goes on (RFC 5961),
                // and inspection with it; else one such reset would blind it to the rest.
                flags &= ~0x04;
                inspector.countIgnoredReset();
            }
            d.stream().segment(l.tcpSeq, (flags & 0x02) != 0, frame, l.payloadOffset, l.payloadLength);
            if ((flags & 0x05) == 0x01) {
                int finSeq = l.tcpSeq + ((flags & 0x02) != 0 ? 1 : 0) + l.payloadLength;
                if (!d.stream().reached(finSeq)) {
                    // The FIN overtook bytes before it: the direction ends when they come (as its
                    // receiver waits for them), or with the flow.
                    d.finSeq = finSeq;
                    d.finWaits = true;
                    d.stream().finAt(finSeq);
                    flags &= ~0x01;
                }
            } else if (d.finWaits && (flags & 0x04) == 0 && d.stream().reached(d.finSeq)) {
                d.finWaits = false;
                flags |= 0x01; // the hole before the FIN is filled
            }
            if ((flags & 0x05) != 0) {
                // No byte follows a FIN in its direction, none at all a reset.
                d.close();
                if ((flags & 0x04) != 0) {
                    (d == toServer ? toClient : toServer).close();
                }
                if (signatures != null) {
                    // No byte follows a FIN in its direction, none at all a reset: the arrays go back.
                    signatures.stopPayload(fromInitiator);
                    if ((flags & 0x04) != 0) {
                        signatures.stopPayload(!fromInitiator);
                    }
                }
            }
        } else if (l.payloadLength > 0) {
            if (d.passesOverQuic(frame, l.payloadOffset, l.payloadLength)) {
                // A QUIC connection's datagrams after its handshake: a byte read each, nothing kept changes.
                return true;
            }
            keptMayChange = true;
            d.datagram(frame, l.payloadOffset, l.payloadLength);
            if (udpDns && toServer.rulesDone() && toClient.rulesDone()) {
                // Named DNS by its port, and no payload rule reads its datagrams: the next
                // messages are parsed without the directions (two objects fewer for each DNS
                // flow the table holds). A flow so named stays DNS.
                leavePlace();
                return true;
            }
        }
        if (done(d)) {
            shed(d);
            return false;
        }
        return true;
    }

    /**
     * Drops what a finished direction no longer needs, and the rule state once both are:
     * the flow's state then is its summary for the record, kept until the flow ends (a
     * closed flow lingers in the table for its last packets), so that the collector does
     * not carry reassemblers and match state across its young collections.
     */
    private void shed(Direction d) {
        d.shed();
        Direction other = d == toServer ? toClient : toServer;
        if (done(other)) {
            other.shed();
            if (signatures != null) {
                signatures.release();
                signatures = null;
            }
            rules = null;
            // Both directions are done for good: the pairing and the directions themselves go
            // (the record keeps the first messages' fields), two objects fewer for each flow
            // that lingers in the table after its close.
            http = null;
            quicHandshakes = null;
            leavePlace();
        }
    }

    /**
     * True when a direction's parser has finished and the payload rules have seen all they
     * look at: for good, since neither ever starts again.
     */
    private boolean done(Direction d) {
        return d.finished && d.rulesDone();
    }

    void end() {
        try {
            if (toServer != null) {
                try {
                    toServer.end();
                } finally {
                    // Its reassembler gives back what it holds even if the first one's parser threw.
                    toClient.end();
                }
            }
        } finally {
            if (signatures != null) {
                signatures.release();
            }
            inspector.budget().release(this, keptBytes);
            keptBytes = 0;
            if (holdsPlace) {
                holdsPlace = false;
                inspector.leavePlace();
            }
        }
    }

    /**
     * Brings this flow's share of the inspection budget in line with the bytes its parsers and
     * rules keep now, after a packet. When more would pass the budget, the flow's inspection
     * stops (counted): its kept bytes go, and it is left with what it learnt so far. One
     * packet can take a flow past the budget by at most its own bounds, never by more.
     *
     * @return false when the flow was stopped
     */
    boolean account() {
        if (!keptMayChange) {
            return true; // a bare acknowledgement, a body passed over, a DNS datagram read in place
        }
        keptMayChange = false;
        int now = keptNow();
        int delta = now - keptBytes;
        if (delta == 0) {
            return true;
        }
        ReassemblyBudget budget = inspector.budget();
        if (delta < 0) {
            budget.release(this, -delta);
        } else if (!budget.reserveKept(this, delta)) {
            stop();
            int left = keptNow();
            budget.release(this, keptBytes - left); // what was reserved, less what stays (none)
            keptBytes = left;
            return false;
        }
        keptBytes = now;
        return true;
    }

    /** Array bytes kept by the flow's parsers and rules (out-of-order segments are the reassemblers' own). */
    private int keptNow() {
        int n = 0;
        if (toServer != null) {
            n += toServer.keptBytes() + toClient.keptBytes();
        }
        if (http != null) {
            n += http.keptBytes();
        }
        if (quicHandshakes != null) {
            n += quicHandshakes.keptBytes();
        }
        if (signatures != null) {
            n += signatures.keptBytes();
        }
        return n;
    }

    /** Ends inspection of the flow for want of memory: every kept array goes; the record keeps what was learnt. */
    private void stop() {
        if (toServer != null) {
            toServer.drop();
            toClient.drop();
        }
        stopForMemory();
    }

    /**
     * What a flow cut short for memory lets go besides its directions (which {@link #stop}
     * reads to the end and {@link #giveBack} discards first, since their parsers may still use
     * the pairing): the HTTP pairing, the QUIC handshakes and the rules' payload, and its
     * record says why.
     */
    private void stopForMemory() {
        limit = InspectionLimit.INSPECTION_LIMIT_MEMORY;
        http = null;
        quicHandshakes = null;
        if (signatures != null) {
            signatures.stopPayload(true);
            signatures.stopPayload(false);
        }
    }

    /**
     * Another flow needs room in the inspection budget, and this one holds more: every kept
     * array goes now, unread (the packet being handled is the other flow's: no parser or rule
     * of this one may run), with the directions' held segments, and its inspection stops
     * (counted). The record keeps what was learnt.
     */
    @Override
    void giveBack() {
        if (toServer != null) {
            toServer.discard();
            toClient.discard();
        }
        stopForMemory();
        ReassemblyBudget budget = inspector.budget();
        budget.release(this, keptBytes);
        keptBytes = 0;
        budget.countStop();
    }

    void decorate(Flow.Builder record) {
        if (!appProto.isEmpty()) {
            record.setAppProto(appProto);
        }
        if (missedBytes > 0) {
            record.setMissedBytes(missedBytes);
        }
        if (limit != InspectionLimit.INSPECTION_LIMIT_NONE) {
            record.setInspectionLimit(limit);
        }
        for (Rule r : alerts) {
            record.addAlerts(SignatureAlert.newBuilder().setSid(r.sid()).setRev(r.rev()).setMsg(r.msg())
                    .setClasstype(r.classtype()).setSeverity(r.severity()));
        }
        if (httpRecord != null) {
            record.setHttp(httpRecord);
        } else if (tlsSummary != null) {
            record.setTls(tlsSummary.record());
        } else if (dns) {
            record.setDns(dnsRecord());
        } else if (!sshClient.isEmpty() || !sshServer.isEmpty()) {
            record.setSsh(SSH.newBuilder().setClientVersion(sshClient).setServerVersion(sshServer));
        }
    }

    /** The record's HTTP fields with the flow's first request's: its version wins over the response's. */
    private void firstRequest(HttpRequest r) {
        firstRequest = true;
        httpRecord = (httpRecord == null ? HTTP.newBuilder() : httpRecord.toBuilder()).setMethod(nz(r.method()))
                .setHost(nz(r.host())).setUri(nz(r.uri())).setUserAgent(nz(r.userAgent())).setVersion(nz(r.version()))
                .build();
    }

    private void firstResponse(HttpResponse r) {
        firstResponse = true;
        HTTP.Builder h = (httpRecord == null ? HTTP.newBuilder() : httpRecord.toBuilder()).setStatus(r.status())
                .setContentType(nz(r.contentType()));
        if (!firstRequest) {
            h.setVersion(nz(r.version()));
        }
        httpRecord = h.build();
    }

    /**
     * A flow's TLS summary from its (last) ClientHello and ServerHello, as the few fields its
     * records give rather than the hellos or a built record field (fewer objects for the
     * collector to copy while the flow lasts).
     */
    private static final class TlsSummary {
        boolean client;
        String sni;
        int offered;
        List<String> alpn;
        int[] versions;
        String ja4;
        String ja3;
        /** From the (last) ServerHello: whether one came, its cipher suite (-1: none) and selected version. */
        boolean server;
        int serverCipher = -1;
        int serverVersion;
        /** The TLS fields as built for the last record; null until built, and again when a hello changes them. */
        TLS built;

        /** The flow's TLS fields, built once for its decision record and its close record alike. */
        TLS record() {
            if (built != null) {
                return built;
            }
            TLS.Builder tls = TLS.newBuilder();
            if (client) {
                tls.setSni(sni).setVersion(TlsVersions.name(offered)).addAllAlpn(alpn).setJa4(ja4).setJa3(ja3);
                for (int v : versions) {
                    tls.addSupportedVersions(TlsVersions.name(v));
                }
            }
            if (server) {
                if (serverCipher >= 0) {
                    tls.setCipherSuite(TlsVersions.hex16(serverCipher));
                }
                if (!client) {
                    tls.setVersion(TlsVersions.name(serverVersion));
                }
            }
            built = tls.build();
            return built;
        }
    }

    private TlsSummary tlsSummary() {
        if (tlsSummary == null) {
            tlsSummary = new TlsSummary();
        }
        return tlsSummary;
    }

    /** The flow's DNS fields, built once for its decision record and its close record alike. */
    private DNS dnsRecord() {
        if (dnsBuilt != null) {
            return dnsBuilt;
        }
        DNS.Builder dns = DNS.newBuilder().setId(dnsId).setResponse(dnsFinal).setRcode(dnsRcode)
                .setResponseFromSource(dnsFromClient);
        if (dnsQuery != null) {
            dns.setQuery(dnsQuery).setQtype(dnsQtype);
        }
        for (DnsRecord r : dnsAnswers) {
            dns.addAnswers(DnsAnswer.newBuilder().setName(r.name()).setType(r.type()).setTtl((int) r.ttl())
                    .setData(r.data()));
        }
        dnsBuilt = dns.build();
        if (dnsFinal) {
            // A response's summary never changes: its answers live on in the built field only.
            dnsAnswers = List.of();
        }
        return dnsBuilt;
    }

    /**
     * A rule matched: an event for the sink and the detectors, and a line in the flow record;
     * nothing when a suppression in force covers it (counted), and the rule is then not fired:
     * a suppression by address may cover one side of the flow and not the other, whose match
     * Suricata would raise (each match suppressed is counted). A match no suppression covers
     * counts toward the rule's threshold, if one is in force, which may hold its alert back
     * (counted): the rule has then fired for the flow, unraised, so that a flow counts once.
     */
    @Override
    public boolean alert(Rule rule, Buffer buffer) {
        MatchContext m = inspector.matchContext();
        Signatures inForce = inspector.signatures();
        if (inForce.suppress(rule, m)) {
            return false;
        }
        Threshold threshold = inForce.thresholds().forRule(rule);
        if (threshold != null && !inspector.thresholds().admits(threshold, rule.sid(), m, nowNanos)) {
            return true;
        }
        if (alerts.size() < MAX_ALERTS_PER_RECORD) {
            if (alerts.isEmpty()) {
                alerts = new ArrayList<>(2);
            }
            alerts.add(rule);
        }
        inspector.alert(new InspectionEvent.Alert(flowId, nowNanos, inspector.endpoints(m, tcp ? "tcp" : "udp"), rule,
                buffer.keyword(), appProto));
        return true;
    }

    /** The flow's rule state, made now if it was not (a field rule's pattern was found): see {@link #rules}. */
    @Override
    public FlowSignatures get() {
        if (signatures == null) {
            signatures = new FlowSignatures(rules, inspector.signatures().payloadDepth(), tcp, inspector.payloadBuffers());
        }
        return signatures;
    }

    /** The match context for bytes one direction sent: sender and receiver from the flow's two sides. */
    private MatchContext streamContext(boolean fromClient) {
        MatchContext m = inspector.matchContext();
        m.endpoints(clientHi, clientLo, clientPort, serverHi, serverLo, serverPort, !fromClient);
        m.ipVersion = ipVersion;
        m.tcp = tcp;
        m.toServer = fromClient;
        m.appProto = appProto;
        return m;
    }

    /** Matches the rules on one parsed message's fields; {@code toServer}: the message goes to the server. */
    private void fields(Buffer.Group group, FieldSource fields, boolean toServer) {
        if (rules == null || !rules.hasRulesFor(group)) {
            return;
        }
        MatchContext m = streamContext(sendingFromClient);
        m.toServer = toServer;
        rules.matchFields(group, fields, m, this, this);
    }

    /** Parses one DNS datagram's message. */
    private void dnsDatagram(ByteBuffer b, int off, int len) {
        if (!inspector.keepsMessages()) {
            // Nobody keeps the message's bytes: parse them where they are.
            dns(DnsParser.parse(b, off, len), "udp", null);
            return;
        }
        byte[] raw = new byte[len];
        b.get(off, raw);
        dns(DnsParser.parse(ByteBuffer.wrap(raw), 0, len), "udp", raw);
    }

    /** Reports a DNS message and keeps the flow's summary. */
    private void dns(DnsResult result, String transport, byte[] raw) {
        DnsMessage m = switch (result) {
            case DnsResult.Ok ok -> ok.message();
            case DnsResult.Incomplete partial -> partial.partial();
            case DnsResult.Malformed malformed -> {
                inspector.countMalformed(MessageKind.DNS);
                yield null;
            }
        };
        if (m == null) {
            return;
        }
        identified(ProtocolProbe.DNS);
        if (!dnsFinal && (m.response() || !dns)) {
            dns = true;
            dnsFinal = m.response();
            dnsFromClient = m.response() && sendingFromClient;
            dnsId = m.id();
            dnsRcode = m.rcode();
            boolean question = !m.questions().isEmpty();
            dnsQuery = question ? m.qname() : null;
            dnsQtype = question ? m.qtype() : 0;
            dnsAnswers = m.answers();
            dnsBuilt = null;
        }
        // The bound is on the messages reported, never on what the detectors see: a tunnel
        // from one socket (iodine's way) is one flow, and past the bound it went unseen.
        boolean reported = dnsMessages < MAX_DNS_MESSAGES_PER_FLOW;
        if (reported) {
            dnsMessages++;
        }
        boolean keep = inspector.message(MessageKind.DNS) && reported;
        inspector.countDns(m);
        if (keep || inspector.detectsDns(m.response())) {
            inspector.dns(new InspectionEvent.Dns(flowId, nowNanos, endpoints(transport), m, raw), keep);
        }
        fields(Buffer.Group.DNS, SignatureFields.dns(m), !m.response());
    }

    /** The sender and receiver of what is being parsed (see {@link #sendingFromClient}). */
    private InspectionEvent.Endpoints endpoints(String transport) {
        return sendingFromClient
                ? inspector.endpoints(ipVersion, clientHi, clientLo, clientPort, serverHi, serverLo, serverPort, transport)
                : inspector.endpoints(ipVersion, serverHi, serverLo, serverPort, clientHi, clientLo, clientPort, transport);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /** The flow's HTTP pairing, made when a direction is first named HTTP. */
    private HttpTransaction http() {
        if (http == null) {
            http = new HttpTransaction(new HttpTransaction.Sink() {
                @Override
                public void request(HttpRequest request) {
                    if (!firstRequest) {
                        firstRequest(request);
                    }
                    inspector.countHttpRequest(request);
                    if (reportHttp()) {
                        inspector.emit(new InspectionEvent.Http(flowId, nowNanos, endpoints("tcp"), request, null));
                    }
                    fields(Buffer.Group.HTTP_REQUEST, SignatureFields.http(request, null), true);
                }

                @Override
                public void response(HttpRequest request, HttpResponse response) {
                    if (!firstResponse) {
                        firstResponse(response);
                    }
                    inspector.countHttpResponse(response);
                    if (reportHttp()) {
                        inspector.emit(new InspectionEvent.Http(flowId, nowNanos, endpoints("tcp"), request, response));
                    }
                    fields(Buffer.Group.HTTP_RESPONSE, SignatureFields.http(request, response), false);
                }
            });
        }
        return http;
    }

    /**
     * Counts one HTTP message; true when it is to be built and reported. The bound is on the
     * messages reported, never on those counted, as for DNS: {@code
     * netwatch_inspect_messages_total} must not fall short of the requests and responses counted
     * by method and status on a long keep-alive connection.
     */
    private boolean reportHttp() {
        boolean reported = httpMessages < MAX_HTTP_MESSAGES_PER_FLOW;
        if (reported) {
            httpMessages++;
        }
        return inspector.message(MessageKind.HTTP) && reported;
    }

    /** Reports the hellos found in a TLS handshake message stream (TCP records, or QUIC CRYPTO data). */
    private void tlsMessage(HandshakeMessage m, String transport) {
        if (m.isClientHello()) {
            if (TlsHelloParser.parseClientHello(m) instanceof ClientHelloResult.Ok ok) {
                clientHello(ok.hello(), transport);
            } else {
                inspector.countMalformed(MessageKind.TLS);
            }
        } else if (m.isServerHello()) {
            if (TlsHelloParser.parseServerHello(m) instanceof ServerHelloResult.Ok ok) {
                serverHello(ok.hello(), transport);
            } else {
                inspector.countMalformed(MessageKind.TLS);
            }
        }
    }

    private void clientHello(ClientHello hello, String transport) {
        identified(transport.equals("quic") ? ProtocolProbe.QUIC : ProtocolProbe.TLS);
        TlsFingerprints.Pair fingerprints = inspector.fingerprints().of(hello, transport.equals("quic"));
        String ja4 = fingerprints.ja4();
        String ja3 = fingerprints.ja3();
        TlsSummary t = tlsSummary();
        t.client = true;
        t.sni = hello.sni() == null ? "" : hello.sni();
        t.offered = TlsVersions.highestOffered(hello);
        t.alpn = hello.alpn();
        List<Integer> versions = hello.supportedVersions();
        t.versions = new int[versions.size()];
        for (int i = 0; i < t.versions.length; i++) {
            t.versions[i] = versions.get(i);
        }
        t.ja4 = ja4;
        t.ja3 = ja3;
        t.built = null;
        if (inspector.message(tlsKind(transport))) {
            inspector.emit(new InspectionEvent.Tls(flowId, nowNanos, endpoints(transport),
                    "client_hello", hello, null, ja4, ja3));
        }
        fields(Buffer.Group.TLS, SignatureFields.tls(hello, ja3, ja4), true);
    }

    private static MessageKind tlsKind(String transport) {
        return transport.equals("quic") ? MessageKind.QUIC : MessageKind.TLS;
    }

    private void serverHello(ServerHello hello, String transport) {
        identified(transport.equals("quic") ? ProtocolProbe.QUIC : ProtocolProbe.TLS);
        TlsSummary t = tlsSummary();
        t.server = true;
        t.serverCipher = hello.cipherSuite();
        t.serverVersion = TlsVersions.selected(hello);
        t.built = null;
        inspector.countServerHello(tlsKind(transport), hello);
        if (!inspector.message(tlsKind(transport))) {
            return;
        }
        inspector.emit(new InspectionEvent.Tls(flowId, nowNanos, endpoints(transport),
                hello.helloRetryRequest() ? "hello_retry_request" : "server_hello", null, hello, "", ""));
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
    final class Direction implements StreamReassembler.Consumer {
        private final boolean fromClient;
        private StreamReassembler stream;
        private String protocol;
        /** First bytes kept while the protocol is not known yet (bounded by the probe). */
        private byte[] head;
        private int headLength;
        private boolean finished;
        /** {@link #end} ran: no byte follows. */
        private boolean ended;
        /** See {@link #rulesDone()}. */
        private boolean rulesDone;
        private DnsTcpFramer dnsFramer;
        /** For HTTP: whether this direction carries the server's responses. */
        private boolean httpServer;
        /** The TLS stream's first bytes, read again as they grow until the hellos are found. */
        private byte[] tls;
        private int tlsLength;
        private int tlsNeed;
        private int tlsReported;
        /** Handshake messages reported in all, read in place or from the kept bytes. */
        private int tlsMessages;
        /** Stream bytes read in place so far (bounded like the kept bytes, by {@link #MAX_TLS_PREFIX}). */
        private int tlsInPlaceBytes;
        /**
         * Where the TLS stream is encrypted from (the record after the handshake's plaintext,
         * as a stream offset), -1 until known: the payload rules read the bytes before it only.
         */
        private long tlsCiphertextFrom = -1;
        /** One of the datagrams was a QUIC Initial, opened or not: the direction is read as QUIC from then on. */
        private boolean quicSeen;
        /** Initials opened or tried since the last message read (see {@link #MAX_QUIC_INITIALS}). */
        private int quicTries;
        /** This direction was counted in {@link Inspector#quicDirectionsGivenUp()}: once at most. */
        private boolean quicGaveUp;
        /** The SSH identification line being read. */
        private byte[] line;
        private int lineLength;
        /**
         * The sequence numbers of the HTTP body last passed over ({@link #skipHttpBody}), kept
         * here so that its segments are let go without loading the reassembler; equal when none.
         */
        private int passedFromSeq;
        private int passedToSeq;
        /** A FIN came ahead of a hole ({@link #finSeq} its sequence number): the direction ends when the stream reaches it. */
        private boolean finWaits;
        private int finSeq;
        /** Kept from the reassembler when it goes ({@link #shed}): see {@link #acceptsReset}. */
        private int resetFloorSeq;
        private boolean resetFloorKnown;

        Direction(boolean fromClient) {
            this.fromClient = fromClient;
        }

        // What a test or fuzzer reads of the QUIC parser (the fields stay the direction's own).

        /** Its parser still reads: not finished. */
        boolean reading() {
            return !finished;
        }

        /** Named QUIC by a datagram that opened (see {@link #quic}). */
        boolean namedQuic() {
            return ProtocolProbe.QUIC.equals(protocol);
        }

        /** Counted in {@link Inspector#quicDirectionsGivenUp()}. */
        boolean quicGaveUp() {
            return quicGaveUp;
        }

        /** Initials opened or tried since the last message read (see {@link #MAX_QUIC_INITIALS}). */
        int quicTries() {
            return quicTries;
        }

        /** True when all of this segment's bytes lie in the body last passed over, and it starts or ends nothing. */
        boolean passedOver(IpLayer l) {
            return passedFromSeq != passedToSeq && (l.tcpFlags & IpLayer.TCP_BOUNDARY_FLAGS) == 0 && l.payloadLength > 0
                    && l.tcpSeq - passedFromSeq >= 0 && l.tcpSeq + l.payloadLength - passedToSeq <= 0;
        }

        /** Bytes of the arrays this direction keeps (see {@link #account}). */
        int keptBytes() {
            return (head == null ? 0 : head.length) + (tls == null ? 0 : tls.length) + (line == null ? 0 : line.length)
                    + (dnsFramer == null ? 0 : dnsFramer.keptBytes());
        }

        /** Stops this direction's parsing for want of memory: finished, and nothing kept. */
        void drop() {
            finish();
            head = null;
        }

        /**
         * As {@link #drop}, for another flow's sake (see {@link FlowInspection#giveBack}): what
         * is kept or held goes unread, and no parser runs.
         */
        void discard() {
            finished = true;
            head = null;
            headLength = 0;
            tls = null;
            line = null;
            dnsFramer = null;
            if (stream != null) {
                stream.giveBack();
            }
        }

        StreamReassembler stream() {
            if (stream == null) {
                InspectionConfig c = inspector.config();
                stream = new StreamReassembler(this, inspector.budget(), FlowInspection.this, c.depthBytes(),
                        c.maxPendingBytes());
            }
            return stream;
        }

        /**
         * True once the payload rules have seen all they look at in this direction (for good:
         * see {@link FlowSignatures#payloadDone}); remembered here, so that the packets after
         * that do not read the rule state at all.
         */
        boolean rulesDone() {
            if (!rulesDone && (signatures == null || signatures.payloadDone(fromClient))) {
                rulesDone = true;
            }
            return rulesDone;
        }

        /**
         * Whether a reset from this direction would be taken by its receiver ({@link
         * StreamReassembler#acceptsReset}); once the reassembler is gone, only one behind the
         * bytes it had seen is known not to be.
         */
        boolean acceptsReset(int seq) {
            if (stream != null) {
                return stream.acceptsReset(seq);
            }
            return !resetFloorKnown || seq - resetFloorSeq >= 0;
        }

        /** The parser is done with this direction: its reassembler (and what it holds) goes. */
        void shed() {
            if (stream != null) {
                if (stream.started()) {
                    resetFloorSeq = stream.resetFloorSeq();
                    resetFloorKnown = true;
                }
                stream.end();
                stream = null;
            }
        }

        /**
         * No byte follows in this direction (its FIN, or a reset): the reassembler delivers what it
         * holds, the parser reads it to the end, and is done. A direction still waiting to learn
         * its protocol from its peer (an odd first line kept) stays open: the peer may yet name it.
         */
        void close() {
            if (protocol == null && head != null) {
                // Its bytes so far stay kept for the peer to name; its end comes with the flow's.
                if (stream != null) {
                    stream.end();
                }
                return;
            }
            finish();
        }

        /** Ends the parsing: what is held is read to its end, then the parsers' buffers go. */
        private void finish() {
            end();
            finished = true;
            tls = null;
            line = null;
            dnsFramer = null;
        }

        void end() {
            if (ended) {
                return;
            }
            ended = true;
            sendingFromClient = fromClient;
            if (stream != null) {
                // Not done (else shed): a hole left at its end was wanted, and is missed.
                stream.endReading();
            }
            if (http != null && ProtocolProbe.HTTP.equals(protocol)) {
                if (httpServer) {
                    http.serverEnd();
                } else {
                    http.clientEnd();
                }
                inspector.countHttpEvents(httpServer ? http.serverStream() : http.clientStream());
            }
        }

        void datagram(ByteBuffer b, int off, int len) {
            parseDatagram(b, off, len);
            if (!rulesDone()) {
                signatures.datagram(b, off, len, streamContext(fromClient), FlowInspection.this);
            }
        }

        /**
         * True for a datagram that is no Initial in a QUIC direction with nothing else to do:
         * most of a QUIC flow's datagrams, passed over at the cost of a byte read. Only those
         * {@link #parseDatagram} would hand to {@link #quic} (which reads nothing more of them):
         * on port 443 every direction is watched for Initials for as long as the flow lasts; on
         * another port, a direction not named QUIC ends at its first datagram that is no Initial.
         */
        boolean passesOverQuic(ByteBuffer b, int off, int len) {
            return !finished && (serverPort == QUIC_PORT ? inspector.parses(MessageKind.QUIC) : quicSeen && protocol != null)
                    && !QuicInitial.startsLikeInitial(b, off, len) && rulesDone();
        }

        private void parseDatagram(ByteBuffer b, int off, int len) {
            if (finished) {
                return;
            }
            if (serverPort == QUIC_PORT || protocol != null || QuicInitial.probe(b, off, len)) {
                if (inspector.parses(MessageKind.QUIC)) {
                    quic(b, off, len);
                    return;
                }
                if (QuicInitial.probe(b, off, len)) {
                    // Not parsed: named by its look, as a stream protocol by its first bytes.
                    identified(ProtocolProbe.QUIC);
                    finished = true;
                    return;
                }
            }
            if (onDnsPort()) {
                if (inspector.parses(MessageKind.DNS)) {
                    dnsDatagram(b, off, len);
                    udpDns = true;
                    return;
                }
                if (ProtocolProbe.looksLikeDns(b, off, len)) {
                    identified(ProtocolProbe.DNS);
                }
            }
            // Neither QUIC (its first datagram is an Initial) nor DNS: no parser reads this flow.
            finished = true;
        }

        @Override
        public void data(ByteBuffer b, int off, int len) {
            sendingFromClient = fromClient;
            // The reassembler counts these bytes as delivered once this call returns.
            long start = stream.delivered();
            parseData(b, off, len);
            // After the parsers, so that a rule for an application protocol sees it named.
            if (!rulesDone()) {
                // Ciphertext after a TLS handshake is not matched: content rules could only
                // match it by chance (as Suricata's default encryption handling does).
                int plain = tlsCiphertextFrom < 0 ? len : (int) Math.max(0, Math.min(len, tlsCiphertextFrom - start));
                if (plain > 0) {
                    signatures.stream(b, off, plain, streamContext(fromClient), FlowInspection.this);
                }
                if (ProtocolProbe.TLS.equals(protocol) && inspector.parses(MessageKind.TLS)
                        && (finished || tlsMessages > 0)
                        || ProtocolProbe.SSH.equals(protocol) && inspector.parses(MessageKind.SSH) && finished) {
                    // Its hello or banner has been matched; what follows is (soon) ciphertext.
                    // (Without the parser, where the hello ends is not known: the rules read
                    // to their depth, as in a protocol no parser knows.)
                    signatures.stopPayload(fromClient);
                }
            }
            skipHttpBody();
        }

        /**
         * In an HTTP body that no rule looks at any more, the parser only counts bytes: the
         * reassembler passes them over instead, so a download's segments cost a sequence check
         * each, not a walk through the parsers. The next head is parsed as before.
         */
        private void skipHttpBody() {
            if (http == null || finished || !ProtocolProbe.HTTP.equals(protocol) || stream == null
                    || !rulesDone()) {
                return;
            }
            HttpStream s = httpServer ? http.serverStream() : http.clientStream();
            long body = s.skippable();
            if (body > 0) {
                s.skip(body);
                stream.skip(body);
                passedFromSeq = stream.passedFromSeq();
                passedToSeq = stream.passedToSeq();
            }
        }

        private void parseData(ByteBuffer b, int off, int len) {
            if (finished) {
                return;
            }
            if (protocol == null && http != null) {
                // The other direction speaks HTTP: so does this one, whatever its first bytes.
                protocol = ProtocolProbe.HTTP;
                speakHttp(b, off, len, true);
            }
            if (protocol == null && head == null) {
                // Most streams name themselves in their first segment: probe it in place, no copy.
                String p = ProtocolProbe.identify(b, off, len, tcp);
                if (p != null && !ProtocolProbe.NEED_MORE.equals(p)) {
                    decide(p, b, off, len);
                    parse(b, off, len);
                    return;
                }
                if (p == null && HttpParser.probeRequest(b, off, len) == HttpParser.Probe.NOT_HTTP
                        && (len >= ProtocolProbe.MAX_PROBE_BYTES
                                || !ProtocolProbe.HTTP.equals(ProtocolProbe.expectedForPort(serverPort, tcp)))) {
                    // No protocol, not even an odd request line, and no reason to wait: what the
                    // kept bytes below would conclude, without keeping them.
                    finished = true;
                    return;
                }
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
                if (p == null || ProtocolProbe.NEED_MORE.equals(p)) {
                    // Odd but real request lines ("OPTIONS\n", "CCM_POST / HTTP/1.1"), as tshark takes them.
                    HttpParser.Probe request = HttpParser.probeRequest(ByteBuffer.wrap(head), 0, headLength);
                    if (request == HttpParser.Probe.HTTP) {
                        p = ProtocolProbe.HTTP;
                    } else if (request == HttpParser.Probe.NEED_MORE && p == null) {
                        p = ProtocolProbe.NEED_MORE;
                    }
                }
                if (ProtocolProbe.NEED_MORE.equals(p) && headLength < head.length) {
                    return;
                }
                if (p == null && headLength < head.length
                        && ProtocolProbe.HTTP.equals(ProtocolProbe.expectedForPort(serverPort, tcp))) {
                    // On an HTTP port, keep the bytes a little longer: if the peer turns out to speak
                    // HTTP, this odd start is an HTTP message too (as tshark reads port 80).
                    return;
                }
                byte[] kept = head;
                int keptLength = headLength;
                head = null;
                if (p == null || ProtocolProbe.NEED_MORE.equals(p)) {
                    finished = true;
                    return;
                }
                decide(p, ByteBuffer.wrap(kept), 0, keptLength);
                parse(ByteBuffer.wrap(kept), 0, keptLength);
                if (n < len) {
                    parse(b, off + n, len - n);
                }
                return;
            }
            parse(b, off, len);
        }

        /** Names this direction's protocol, {@code first} being its first bytes. */
        private void decide(String p, ByteBuffer first, int off, int len) {
            protocol = p;
            identified(p);
            if (ProtocolProbe.HTTP.equals(p)) {
                if (inspector.parses(MessageKind.HTTP)) {
                    speakHttp(first, off, len, false);
                } else {
                    (fromClient ? toClient : toServer).namedHttpByPeer();
                }
            }
        }

        /**
         * The peer named HTTP and no parser reads it: a direction still waiting with its odd
         * first bytes kept, which an HTTP peer would have made HTTP, is named HTTP and done.
         */
        void namedHttpByPeer() {
            if (protocol == null && !finished && head != null) {
                protocol = ProtocolProbe.HTTP;
                head = null;
                headLength = 0;
                finished = true;
            }
        }

        /**
         * Sets this direction up for HTTP: the side that starts with a status line is the server,
         * whoever opened the flow; a direction that speaks HTTP only because its peer does, and
         * starts with neither kind of line, keeps its place in the flow. A direction that named
         * HTTP itself makes a still-undecided peer (an odd request line waiting for more) speak
         * it too, and that peer's bytes go first, so a request precedes its response.
         */
        private void speakHttp(ByteBuffer first, int off, int len, boolean becausePeerDoes) {
            httpServer = HttpParser.probeResponse(first, off, len) == HttpParser.Probe.HTTP
                    || (becausePeerDoes && HttpParser.probeRequest(first, off, len) != HttpParser.Probe.HTTP
                            && !fromClient);
            stream().extendDepth(HTTP_DEPTH);
            if (!becausePeerDoes) {
                (fromClient ? toClient : toServer).adoptHttp();
            }
        }

        /** Takes HTTP as this direction's protocol because its peer speaks it, replaying what was kept. */
        void adoptHttp() {
            if (protocol != null || finished || head == null || headLength == 0) {
                return;
            }
            protocol = ProtocolProbe.HTTP;
            ByteBuffer kept = ByteBuffer.wrap(head, 0, headLength);
            speakHttp(kept, 0, headLength, true);
            int n = headLength;
            head = null;
            headLength = 0;
            boolean packetSide = sendingFromClient;
            sendingFromClient = fromClient;
            try {
                parse(kept, 0, n);
            } finally {
                sendingFromClient = packetSide;
            }
        }

        @Override
        public void gap(long bytes) {
            inspector.countGap();
            missedBytes += bytes;
            if (dnsFramer != null) {
                dnsFramer.gap();
            }
            if (http != null && ProtocolProbe.HTTP.equals(protocol)) {
                if (httpServer) {
                    http.serverGap(bytes);
                } else {
                    http.clientGap(bytes);
                }
            }
        }

        private void parse(ByteBuffer b, int off, int len) {
            if (finished) {
                // The parser is done with this direction: later bytes must not start it again.
                return;
            }
            MessageKind kind = parserOf(protocol);
            if (kind == null || !inspector.parses(kind)) {
                // No parser for it, or its parser is off: the direction is named, and that is all.
                finished = true;
                return;
            }
            switch (protocol) {
                case ProtocolProbe.SSH -> sshBanner(b, off, len);
                case ProtocolProbe.TLS -> tlsStream(b, off, len);
                case ProtocolProbe.HTTP -> {
                    if (httpServer) {
                        http().server(b, off, len);
                    } else {
                        http().client(b, off, len);
                    }
                }
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
                default -> finished = true; // parserOf names no other protocol
            }
        }

        /** The parser that reads a stream protocol's messages; null for one named but never parsed (Stratum). */
        private static MessageKind parserOf(String protocol) {
            return switch (protocol) {
                case ProtocolProbe.SSH -> MessageKind.SSH;
                case ProtocolProbe.TLS -> MessageKind.TLS;
                case ProtocolProbe.HTTP -> MessageKind.HTTP;
                case ProtocolProbe.DNS -> MessageKind.DNS;
                default -> null;
            };
        }

        /** Keeps the stream's first bytes and reads the TLS records again once enough arrived. */
        private void tlsStream(ByteBuffer b, int off, int len) {
            if (tlsLength == 0 && tlsInPlace(b, off, len)) {
                return;
            }
            if (tls == null) {
                tls = new byte[Math.max(1024, Math.min(MAX_TLS_PREFIX, len * 2))];
            }
            int room = MAX_TLS_PREFIX - tlsInPlaceBytes - tlsLength;
            int n = Math.min(len, room);
            if (tlsLength + n > tls.length) {
                tls = java.util.Arrays.copyOf(tls, Math.min(MAX_TLS_PREFIX, Math.max(tls.length * 2, tlsLength + n)));
            }
            b.get(off, tls, tlsLength, n);
            tlsLength += n;
            if (tlsLength < tlsNeed && tlsInPlaceBytes + tlsLength < MAX_TLS_PREFIX) {
                return;
            }
            switch (readTls(ByteBuffer.wrap(tls), 0, tlsLength)) {
                case TlsRecordResult.Ok ok -> {
                    List<HandshakeMessage> messages = ok.messages();
                    for (int i = tlsReported; i < messages.size(); i++) {
                        tlsMessage(messages.get(i), "tcp");
                    }
                    tlsMessages += messages.size() - tlsReported;
                    tlsReported = messages.size();
                    if (ok.ciphertextAt() >= 0) {
                        // The kept bytes start where those read in place end.
                        tlsCiphertextFrom = tlsInPlaceBytes + ok.ciphertextAt();
                    }
                    if (ok.stop() != TlsRecordResult.Stop.PREFIX_END || tlsInPlaceBytes + tlsLength >= MAX_TLS_PREFIX) {
                        tlsDone();
                    } else {
                        tlsNeed = tlsLength + Math.max(1, ok.needAtLeast());
                    }
                }
                case TlsRecordResult.Incomplete more -> {
                    tlsNeed = tlsLength + more.needAtLeast();
                    if (tlsInPlaceBytes + tlsLength >= MAX_TLS_PREFIX) {
                        tlsDone();
                    }
                }
                case TlsRecordResult.Malformed bad -> {
                    inspector.countMalformed(MessageKind.TLS);
                    tlsDone();
                }
                default -> tlsDone();
            }
        }

        /**
         * Most hellos arrive whole in a segment of their own: reads them where they are, copying
         * nothing. True when that settled the segment: the direction's handshake is over, or the
         * segment ended right after a whole record, so the next one starts a record and is read
         * in place too. False when a record or message goes on past the segment: its bytes are
         * then kept and read as they grow.
         */
        private boolean tlsInPlace(ByteBuffer b, int off, int len) {
            if (!(readTls(b, off, len) instanceof TlsRecordResult.Ok ok)
                    || ok.stop() == TlsRecordResult.Stop.PREFIX_END && !ok.betweenRecords()) {
                return false;
            }
            // The messages are views of the capture buffer: parsed now, before it is reused.
            List<HandshakeMessage> messages = ok.messages();
            for (HandshakeMessage m : messages) {
                tlsMessage(m, "tcp");
            }
            tlsMessages += messages.size();
            if (ok.ciphertextAt() >= 0) {
                tlsCiphertextFrom = tlsInPlaceBytes + (ok.ciphertextAt() - off);
            }
            tlsInPlaceBytes += len;
            if (ok.stop() != TlsRecordResult.Stop.PREFIX_END || tlsInPlaceBytes >= MAX_TLS_PREFIX) {
                tlsDone();
            }
            return true;
        }

        /** The records from the direction's start, or after those already read in place. */
        private TlsRecordResult readTls(ByteBuffer b, int off, int len) {
            return tlsInPlaceBytes == 0 ? TlsRecordReader.read(b, off, len) : TlsRecordReader.readMore(b, off, len);
        }

        private void tlsDone() {
            tls = null;
            finished = true;
        }

        /**
         * Opens QUIC Initial packets and reads each connection's hellos from their CRYPTO frames
         * (see {@link QuicHandshakes}): every hello found is reported, as over TCP, so that a
         * decoy connection's hello ahead of the real one hides nothing, and after a
         * HelloRetryRequest the second ClientHello and the real ServerHello are read as over TCP.
         */
        private void quic(ByteBuffer b, int off, int len) {
            QuicHandshakes.Step step;
            if (!QuicInitial.startsLikeInitial(b, off, len)) {
                // Most datagrams of a QUIC flow: its short-header packets after the handshake.
                step = QuicHandshakes.Step.NOT_INITIAL;
            } else if (fromClient) {
                if (quicHandshakes == null) {
                    quicHandshakes = new QuicHandshakes();
                }
                int stalled = quicHandshakes.stalledConnectionsTaken();
                step = quicHandshakes.client(b, off, len);
                if (quicHandshakes.stalledConnectionsTaken() > stalled) {
                    inspector.countQuicStalledConnection();
                }
            } else {
                step = quicHandshakes == null ? QuicHandshakes.Step.NO_CONNECTION : quicHandshakes.server(b, off, len);
            }
            switch (step) {
                case NOT_INITIAL, NO_CONNECTION -> {
                }
                case MALFORMED -> {
                    inspector.countMalformed(MessageKind.QUIC);
                    quicSeen = true;
                    quicTries++;
                }
                case ALREADY_READ -> quicSeen = true;
                case TOO_MANY_CONNECTIONS -> {
                    // A fresh connection's Initial not opened: its hello goes unread, not silently.
                    quicSeen = true;
                    quicGiveUp();
                }
                case OPENED -> {
                    quicSeen = true;
                    protocol = ProtocolProbe.QUIC;
                    quicTries++;
                }
                case MESSAGE_TOO_LONG -> {
                    // This connection's hello can never be read; another connection's still can.
                    quicSeen = true;
                    protocol = ProtocolProbe.QUIC;
                    quicTries++;
                    quicGiveUp();
                }
                case MESSAGE -> {
                    quicSeen = true;
                    protocol = ProtocolProbe.QUIC;
                    quicTries = 0;
                    quicMessage(quicHandshakes.message(), quicHandshakes.messageLength());
                    if (quicHandshakes != null) {
                        // Read: its stream's arrays go now, not at the flow's next datagram (if any).
                        quicHandshakes.messageRead();
                    }
                }
            }
            if (quicTries == MAX_QUIC_INITIALS) {
                quicBound();
            }
        }

        /** A connection's first CRYPTO message in this direction, whole at the start of {@code stream}. */
        private void quicMessage(ByteBuffer stream, int length) {
            int type = stream.get(0) & 0xFF;
            if (type == HandshakeMessage.CLIENT_HELLO && fromClient) {
                if (TlsHelloParser.parseClientHello(stream, 4, length - 4, -1) instanceof ClientHelloResult.Ok hello) {
                    clientHello(hello.hello(), "quic");
                } else {
                    inspector.countMalformed(MessageKind.QUIC);
                }
            } else if (type == HandshakeMessage.SERVER_HELLO && !fromClient) {
                if (TlsHelloParser.parseServerHello(stream, 4, length - 4, -1) instanceof ServerHelloResult.Ok hello) {
                    serverHello(hello.hello(), "quic");
                    if (hello.hello().helloRetryRequest() && quicHandshakes != null
                            && quicHandshakes.helloRetryRequest() == QuicHandshakes.Step.MESSAGE) {
                        // The ServerHello came with it, in the same datagram. Once at most: a
                        // connection's second HelloRetryRequest reads nothing more.
                        quicMessage(quicHandshakes.message(), quicHandshakes.messageLength());
                    }
                } else {
                    inspector.countMalformed(MessageKind.QUIC);
                }
            } else {
                // The CRYPTO stream opens with the sender's hello (RFC 9001 §4.1.3); anything else
                // there leaves no hello to find on it.
                inspector.countMalformed(MessageKind.QUIC);
            }
        }

        /**
         * {@link #MAX_QUIC_INITIALS} Initials in a row gave no message: the direction is done, and
         * counted given up (a hello may lie behind them).
         */
        private void quicBound() {
            quicGiveUp();
            finished = true;
            if (quicHandshakes != null) {
                quicHandshakes.endSide(fromClient);
            }
        }

        /**
         * A bound left a hello unread in this direction: counted (once per direction), and the
         * flow named QUIC by its datagrams' look (as with the parser off).
         */
        private void quicGiveUp() {
            if (!quicGaveUp) {
                quicGaveUp = true;
                inspector.countQuicGiveUp();
            }
            identified(ProtocolProbe.QUIC);
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
            if (inspector.message(MessageKind.SSH)) {
                inspector.emit(new InspectionEvent.Ssh(flowId, nowNanos, endpoints("tcp"), fromClient,
                        version));
            }
            finished = true;
        }
    }
}
