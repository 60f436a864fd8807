package io.netwatch.agent.score;

import io.netwatch.agent.flow.FlowOutcome;
import io.netwatch.agent.flow.FlowSink;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Port scans and address sweeps by Threshold Random Walk (see {@link ScanConfig} for the
 * maths): each source's first contacts with new destinations ({@code ip_sweep}) and each
 * source's first contacts with new ports of one destination ({@code port_scan}) drive a
 * sequential likelihood-ratio test that needs only a handful of failed contacts to call a
 * scanner and forgives a source whose contacts mostly succeed.
 *
 * <p>Works on the flow table's decisions ({@link io.netwatch.agent.flow.FlowTable#decide}) on
 * the capture thread, one per flow as soon as its outcome is known. A contact succeeds when the responder
 * answered (TCP: a SYN-ACK; UDP: any datagram back); flows picked up mid-stream, ICMP, UDP
 * to multicast or broadcast addresses, and UDP from a privileged source port (a DNS or NTP
 * server's reply, as in a reflection attack) are not contacts. Bounded: walks and remembered
 * contacts live in fixed-capacity tables whose evictions are counted.
 */
public final class ScanDetector implements FlowSink {
    public static final String PORT_SCAN = "port_scan";
    public static final String IP_SWEEP = "ip_sweep";
    /** MITRE ATT&CK: Network Service Discovery. */
    public static final String TECHNIQUE = "T1046";
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    /** UDP from a port below this is a service answering (or reflecting), not a scanner probing. */
    private static final int FIRST_UNPRIVILEGED_PORT = 1024;

    private final ScanConfig config;
    private final AnomalySink sink;
    private final String nodeName;
    /** Walks by a hash of their source (and destination, for a port-scan walk); see {@link Walk#source}. */
    private final RecentTable<Walk> walks;
    /**
     * First contacts already counted, as hashes of (source, destination, protocol, port), port
     * -1 for the sweep walk: every decided flow is looked up here, so no strings and no map
     * entries (a repeated contact costs no address formatting at all).
     */
    private final RecentTable<Void> contacts;
    /**
     * Sources seen completing a TCP handshake (their ACK after the responder's SYN-ACK), as
     * hashes of their address: a spoofer never sees the SYN-ACK, so this says the scanner
     * really holds its address.
     */
    private final RecentTable<Void> handshakers;
    private long nextId = 1;
    private final AtomicLong portScans = new AtomicLong();
    private final AtomicLong sweeps = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();

    public ScanDetector(ScanConfig config, AnomalySink sink, String nodeName) {
        this.config = config;
        this.sink = sink;
        this.nodeName = nodeName;
        this.walks = RecentTable.map(config.maxWalks());
        this.contacts = RecentTable.set(config.maxContacts());
        this.handshakers = RecentTable.set(config.maxWalks());
    }

    /** A walk's key: the source, and the destination for a port-scan walk ("" for the sweep walk). */


    /** One sequential test's state; mutable, lives only in {@link #walks}. */
    private static final class Walk {
        /** ln Λ, in nats. */
        double llr;
        int failures;
        int successes;
        long firstNanos = Long.MAX_VALUE;
        long lastNanos = Long.MIN_VALUE;
        long[] evidence;
        int evidenceCount;
        long reportedAtNanos = Long.MIN_VALUE;
        /** The source's address hash, for {@link #handshakers}. */
        long sourceKey;
        /** The source's address, and the destination's for a port-scan walk ("" for the sweep walk). */
        String source;
        String destination;

        void restart() {
            llr = 0;
            failures = 0;
            successes = 0;
            firstNanos = Long.MAX_VALUE;
            lastNanos = Long.MIN_VALUE;
            evidenceCount = 0;
        }
    }

    /** A flow record: judged as its outcome (replays and tests; the agent hands outcomes to {@link #onOutcome}). */
    @Override
    public void onFlow(Flow flow) {
        onOutcome(FlowOutcome.of(flow));
    }

    /** One TCP or UDP flow's outcome ({@link io.netwatch.agent.flow.FlowTable#decide}). */
    public void onOutcome(FlowOutcome flow) {
        int protocol = flow.ipProtocol();
        boolean success;
        if (protocol == TCP) {
            if ((flow.flagsToServer() & SYN) == 0) {
                return; // picked up mid-stream: not a connection attempt we saw
            }
            success = (flow.flagsToClient() & (SYN | ACK)) == (SYN | ACK);
        } else if (protocol == UDP) {
            if (flow.sourcePort() < FIRST_UNPRIVILEGED_PORT || notUnicast(flow.destinationIp())) {
                return; // broadcast chatter, or a server's reply (DNS or NTP reflection), not a probe
            }
            success = flow.packetsToClient() > 0;
        } else {
            return;
        }
        long srcHi = flow.sourceHi();
        long srcLo = flow.sourceLo();
        long sourceKey = RecentTable.hash(srcHi, srcLo, 0, 0, 0);
        if (protocol == TCP && success && (flow.flagsToServer() & ACK) != 0) {
            handshakers.add(sourceKey);
        }
        boolean newDestination = contacts.add(
                RecentTable.hash(srcHi, srcLo, flow.destinationHi(), flow.destinationLo(), -1));
        boolean newPort = contacts.add(RecentTable.hash(srcHi, srcLo, flow.destinationHi(), flow.destinationLo(),
                protocol << 16 | flow.destinationPort()));
        if (!newDestination && !newPort) {
            return; // a contact made before: the usual case, decided without formatting an address
        }
        long at = flow.firstNanos();
        if (newDestination) {
            Walk w = walk(RecentTable.hash(srcHi, srcLo, 0, 0, 1), sourceKey, flow, false);
            step(w, success, flow.flowId(), at, IP_SWEEP);
        }
        if (newPort) {
            Walk w = walk(RecentTable.hash(srcHi, srcLo, flow.destinationHi(), flow.destinationLo(), 2), sourceKey,
                    flow, true);
            step(w, success, flow.flowId(), at, PORT_SCAN);
        }
    }

    /** The walk of {@code key}, started (its addresses formatted once) when there is none. */
    private Walk walk(long key, long sourceKey, FlowOutcome flow, boolean perDestination) {
        Walk w = walks.get(key);
        if (w == null) {
            w = new Walk();
            w.sourceKey = sourceKey;
            w.source = flow.sourceIp();
            w.destination = perDestination ? flow.destinationIp() : "";
            walks.put(key, w);
        }
        return w;
    }

    private void step(Walk w, boolean success, long flowId, long atNanos, String type) {
        if (w.reportedAtNanos != Long.MIN_VALUE && atNanos < w.reportedAtNanos) {
            // The capture clock went back (files concatenated, a clock stepped): the cooldown
            // counts from the step, not from a report whose time the clock will not reach
            // again for as long as it went back (as the flood detector's does).
            w.reportedAtNanos = atNanos;
        }
        if (success) {
            w.llr += config.successStep();
            w.successes++;
        } else {
            w.llr += config.failureStep();
            w.failures++;
            if (config.maxEvidence() > 0) {
                if (w.evidence == null) {
                    w.evidence = new long[config.maxEvidence()];
                }
                if (w.evidenceCount < w.evidence.length) {
                    w.evidence[w.evidenceCount++] = flowId;
                }
            }
        }
        w.firstNanos = Math.min(w.firstNanos, atNanos);
        w.lastNanos = Math.max(w.lastNanos, atNanos);
        if (w.llr <= config.lowerThreshold()) {
            w.restart(); // benign for now: the test starts over
        } else if (w.llr >= config.upperThreshold()) {
            boolean cooling = w.reportedAtNanos != Long.MIN_VALUE
                    && w.lastNanos - w.reportedAtNanos < config.cooldown().toNanos();
            if (cooling) {
                suppressed.incrementAndGet();
            } else {
                report(w, type);
                w.reportedAtNanos = w.lastNanos;
            }
            w.restart();
        }
    }

    private void report(Walk w, String type) {
        boolean sweep = type.equals(IP_SWEEP);
        String what = sweep ? "new destinations" : "new ports on " + w.destination;
        int contacts = w.failures + w.successes;
        String summary = String.format(Locale.ROOT,
                "%s made %d first contacts with %s in %.1f s: %d failed, %d answered; Threshold Random Walk "
                        + "log-likelihood ratio %.2f reached the scanner threshold ln(PD/PF) = %.2f",
                w.source, contacts, what, (w.lastNanos - w.firstNanos) / 1e9, w.failures, w.successes, w.llr,
                config.upperThreshold());
        Endpoint destination = sweep ? Endpoint.getDefaultInstance() : Anomalies.endpoint(w.destination);
        Anomaly.Builder a = Anomalies.start(nodeName + "-" + type + "-" + nextId++, type, "scan", TECHNIQUE, nodeName,
                        Severity.SEVERITY_MEDIUM, w.llr / config.upperThreshold(), Anomalies.endpoint(w.source),
                        destination, w.firstNanos, w.lastNanos, summary);
        a.getExplanationBuilder()
                .addObservations(Anomalies.observation("trw_log_likelihood_ratio", w.llr, config.upperThreshold(), "nats"))
                .addObservations(Anomalies.observation("failed_first_contacts", w.failures,
                        config.failuresToDetect(), "contacts"))
                .addObservations(Anomalies.observation("answered_first_contacts", w.successes, 0, "contacts"));
        for (int i = 0; i < w.evidenceCount; i++) {
            a.addEvidenceFlowIds(w.evidence[i]);
        }
        a.setSourceHandshakeCompleted(handshakers.contains(w.sourceKey));
        if (sweep) {
            sweeps.incrementAndGet();
        } else {
            portScans.incrementAndGet();
        }
        sink.onAnomaly(a.build());
    }

    /** Multicast, limited broadcast, or (a heuristic: no netmask is known) an IPv4 address ending in .255. */
    static boolean notUnicast(String ip) {
        if (ip.indexOf(':') >= 0) {
            return ip.regionMatches(true, 0, "ff", 0, 2);
        }
        int dot = ip.indexOf('.');
        if (dot > 0) {
            int first = 0;
            for (int i = 0; i < dot; i++) {
                first = first * 10 + (ip.charAt(i) - '0');
            }
            if (first >= 224) {
                return true;
            }
        }
        return ip.endsWith(".255");
    }

    public long portScansRaised() {
        return portScans.get();
    }

    public long sweepsRaised() {
        return sweeps.get();
    }

    /** Scans detected again within the cooldown, not reported. */
    public long suppressed() {
        return suppressed.get();
    }

    /** Walks forgotten because {@link ScanConfig#maxWalks()} were tracked. */
    public long walkEvictions() {
        return walks.evictions();
    }

    /** First contacts forgotten because {@link ScanConfig#maxContacts()} were remembered. */
    public long contactEvictions() {
        return contacts.evictions();
    }
}
