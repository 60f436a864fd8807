package io.netwatch.agent.score;

import io.netwatch.agent.flow.FlowOutcome;
import io.netwatch.agent.flow.FlowSink;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Flow;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * SYN and UDP floods toward a destination, by CUSUM change detection (see
 * {@link FloodConfig}) on half-open TCP attempts and unanswered UDP datagrams. Counts are
 * aggregated by destination (address, port, protocol), never by source, so spoofed and
 * randomised sources add up instead of spreading thin; a port scan, one or two probes per
 * port, stays far below a flood.
 *
 * <p>Works on the flow table's decisions ({@link io.netwatch.agent.flow.FlowTable#decide}) on
 * the capture thread: one per flow, as soon as its outcome is known (a half-open attempt
 * within the decision delay), so a flood is seen within a second or two; and on the repeats
 * of flows decided unanswered ({@link io.netwatch.agent.flow.FlowTable#repeats}), once a
 * second while their initiator goes on sending, so a flood that keeps to one 5-tuple (one
 * flow) counts whole, not only its first half second. Bounded: destinations in a
 * fixed-capacity table of 64-bit hashes whose evictions are counted (a destination seen
 * before costs a lookup in primitive arrays and formats no address); distinct sources
 * estimated in a fixed 1024-bit linear-counting sketch per destination.
 */
public final class FloodDetector implements FlowSink {
    public static final String SYN_FLOOD = "syn_flood";
    public static final String UDP_FLOOD = "udp_flood";
    /** MITRE ATT&CK: Network Denial of Service: Direct Network Flood. */
    public static final String TECHNIQUE = "T1498.001";
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int SKETCH_BITS = 1024;
    /**
     * A decision whose last packet is this much older than the newest one seen means the
     * capture clock went back: decisions come within the decision delay and the table's
     * once-a-second sweep of their last packet.
     */
    static final long CLOCK_STEP_BACK_NANOS = 10_000_000_000L;

    private final FloodConfig config;
    private final AnomalySink sink;
    private final String nodeName;
    private final RecentTable<Target> targets;
    /**
     * Keys {@link #targets}: found in review, with the public hash alone an address could be
     * computed whose key is a chosen destination's, and one datagram to it (a multicast one,
     * never counted) hid that destination's floods.
     */
    private final long seed = RecentTable.newSeed();
    private long clockNanos = Long.MIN_VALUE;
    private long nextId = 1;
    private final AtomicLong synFloods = new AtomicLong();
    private final AtomicLong udpFloods = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();

    public FloodDetector(FloodConfig config, AnomalySink sink, String nodeName) {
        this.config = config;
        this.sink = sink;
        this.nodeName = nodeName;
        this.targets = RecentTable.map(config.maxDestinations());
    }

    /** Mutable per-destination (address, port, protocol) state; lives only in {@link #targets}. */
    private static final class Target {
        final String ip;
        final int port;
        final int protocol;
        /** Broadcast or multicast UDP: chatter nobody answers by design, never counted. */
        final boolean ignored;
        final Cusum cusum;
        final long[] sources = new long[SKETCH_BITS / 64];
        long[] evidence;
        int evidenceCount;
        long firstNanos = Long.MAX_VALUE;
        long lastNanos = Long.MIN_VALUE;
        long packets;
        long reportedAtNanos = Long.MIN_VALUE;

        Target(FloodConfig c, String ip, int port, int protocol) {
            this.ip = ip;
            this.port = port;
            this.protocol = protocol;
            this.ignored = protocol == UDP && ScanDetector.notUnicast(ip);
            cusum = new Cusum(c.interval().toNanos(), c.allowance(), c.meanWeight());
        }
    }

    /** A flow record: judged as its outcome (replays and tests; the agent hands outcomes to {@link #onOutcome}). */
    @Override
    public void onFlow(Flow flow) {
        onOutcome(FlowOutcome.of(flow));
    }

    /** One TCP or UDP flow's outcome ({@link io.netwatch.agent.flow.FlowTable#decide}). */
    public void onOutcome(FlowOutcome flow) {
        if (attempt(flow)) {
            count(flow, flow.packetsToServer(), flow.packetsToServer(), flow.firstNanos());
        }
    }

    /**
     * What the initiator of a flow decided unanswered went on sending
     * ({@link io.netwatch.agent.flow.FlowTable#repeats}): counted as more attempts toward its
     * destination while nobody answers, as its first packets were.
     */
    public void onRepeat(FlowOutcome flow, long packets, long sinceNanos) {
        if (!attempt(flow)) {
            return;
        }
        long span = flow.lastNanos() - sinceNanos;
        double perInterval = packets * ((double) config.interval().toNanos() / Math.max(span, 1));
        // Only at a rate that alone passes h within an interval (k + h: 150 a second by
        // default). A one-way stream on one socket (StatsD, syslog, a tracing agent's port,
        // flow export) is a flood on the wire; slower than that it stays what its decision saw.
        if (perInterval < config.allowance() + config.threshold()) {
            return;
        }
        // A repeat carries a sweep's worth of packets (about a second): an interval shorter
        // than that takes them at their rate, not all at once, which would multiply the rate
        // by the number of intervals the sweep spans.
        count(flow, packets, Math.min(packets, perInterval), sinceNanos);
    }

    /** A half-open TCP attempt (the initiator's SYN, never its ACK) or a UDP flow nobody answered. */
    private static boolean attempt(FlowOutcome flow) {
        int protocol = flow.ipProtocol();
        if (protocol == TCP) {
            int flags = flow.flagsToServer();
            return (flags & SYN) != 0 && (flags & ACK) == 0; // else not an attempt, or the handshake completed
        }
        return protocol == UDP && flow.packetsToClient() == 0;
    }

    /**
     * Counts {@code packets} of {@code flow} toward its destination, {@code x} of them in the
     * CUSUM's open interval, the earliest of them sent at {@code fromNanos}.
     */
    private void count(FlowOutcome flow, long packets, double x, long fromNanos) {
        int protocol = flow.ipProtocol();
        long key = RecentTable.keyedHash(seed, flow.destinationHi(), flow.destinationLo(), 0, 0,
                protocol << 16 | flow.destinationPort());
        Target s = targets.get(key);
        if (s == null) {
            s = new Target(config, flow.destinationIp(), flow.destinationPort(), protocol);
            targets.put(key, s);
        }
        if (s.ignored) {
            return;
        }
        long last = flow.lastNanos();
        if (last < clockNanos - CLOCK_STEP_BACK_NANOS) {
            // The capture clock went back (files concatenated, a clock stepped): time starts
            // again from here. Held at its old maximum, it would stand still until it caught up,
            // and every count meanwhile would pile into one interval, a flood out of a trickle.
            clockNanos = last;
        } else {
            clockNanos = Math.max(clockNanos, last);
        }
        s.cusum.advance(clockNanos);
        if (s.cusum.atRest()) {
            // S is 0 and the open interval empty: what came before is no part of what comes now.
            // The anomaly's counts, window, sources and evidence are of the excursion that
            // raised it, not of every stray attempt since the destination was first seen.
            s.packets = 0;
            s.evidenceCount = 0;
            s.firstNanos = Long.MAX_VALUE;
            java.util.Arrays.fill(s.sources, 0);
        }
        if (s.reportedAtNanos != Long.MIN_VALUE && s.reportedAtNanos > clockNanos) {
            s.reportedAtNanos = clockNanos; // reported before the clock went back: cool down from now
        }
        // From the raw address, not its text: a repeat formats nothing. Not keyed, so the
        // estimate is the same on every run: sources made to share a bit only lower it.
        int bit = (int) (RecentTable.hash(flow.sourceHi(), flow.sourceLo(), 0, 0, 0) >>> 54);
        s.sources[bit >>> 6] |= 1L << (bit & 63);
        s.firstNanos = Math.min(s.firstNanos, fromNanos);
        s.lastNanos = Math.max(s.lastNanos, last);
        s.packets += packets;
        if (config.maxEvidence() > 0) {
            if (s.evidence == null) {
                s.evidence = new long[config.maxEvidence()];
            }
            addEvidence(s, flow.flowId());
        }
        double statistic = s.cusum.add(clockNanos, x);
        if (statistic >= config.threshold()) {
            if (s.reportedAtNanos != Long.MIN_VALUE && clockNanos - s.reportedAtNanos < config.cooldown().toNanos()) {
                suppressed.incrementAndGet();
            } else {
                report(s, statistic);
                s.reportedAtNanos = clockNanos;
            }
            s.cusum.reset();
            s.packets = 0;
            s.evidenceCount = 0;
            s.firstNanos = Long.MAX_VALUE;
            java.util.Arrays.fill(s.sources, 0);
        }
    }

    /** Adds a flow to the evidence once: a flow that repeats is one piece of evidence. */
    private static void addEvidence(Target s, long flowId) {
        for (int i = 0; i < s.evidenceCount; i++) {
            if (s.evidence[i] == flowId) {
                return;
            }
        }
        if (s.evidenceCount < s.evidence.length) {
            s.evidence[s.evidenceCount++] = flowId;
        }
    }

    private void report(Target s, double statistic) {
        boolean syn = s.protocol == TCP;
        String type = syn ? SYN_FLOOD : UDP_FLOOD;
        double sources = distinctSources(s.sources);
        double seconds = Math.max(0, s.lastNanos - s.firstNanos) / 1e9;
        String summary = String.format(Locale.ROOT,
                "%s:%d/%s received %d %s in %.1f s from about %.0f sources; CUSUM %.0f reached its threshold %.0f "
                        + "(running mean %.1f per %.1f s, allowance %.0f)",
                s.ip, s.port, syn ? "tcp" : "udp", s.packets,
                syn ? "SYNs that never completed a handshake" : "UDP datagrams that got no answer", seconds, sources,
                statistic, config.threshold(), s.cusum.mean(), config.interval().toNanos() / 1e9, config.allowance());
        Anomaly.Builder a = Anomalies.start(nodeName + "-" + type + "-" + nextId++, type, "flood", TECHNIQUE, nodeName,
                statistic >= 10 * config.threshold() ? Severity.SEVERITY_CRITICAL : Severity.SEVERITY_HIGH,
                statistic / (10 * config.threshold()), io.netwatch.proto.flow.v1.Endpoint.getDefaultInstance(),
                Anomalies.endpoint(s.ip, s.port), s.firstNanos, s.lastNanos, summary);
        a.getExplanationBuilder()
                .addObservations(Anomalies.observation("cusum", statistic, config.threshold(), "packets"))
                .addObservations(Anomalies.observation(syn ? "half_open_syns" : "unanswered_datagrams", s.packets,
                        s.cusum.mean() + config.allowance(), "packets"))
                .addObservations(Anomalies.observation("distinct_sources_estimate", sources, 0, "sources"));
        for (int i = 0; i < s.evidenceCount; i++) {
            a.addEvidenceFlowIds(s.evidence[i]);
        }
        if (syn) {
            synFloods.incrementAndGet();
        } else {
            udpFloods.incrementAndGet();
        }
        sink.onAnomaly(a.build());
    }

    /** Linear counting: n ≈ −m ln(V), V the share of bits still 0. */
    static double distinctSources(long[] bits) {
        int set = 0;
        for (long w : bits) {
            set += Long.bitCount(w);
        }
        int zero = SKETCH_BITS - set;
        return zero == 0 ? SKETCH_BITS * Math.log(SKETCH_BITS) : -SKETCH_BITS * Math.log((double) zero / SKETCH_BITS);
    }

    public long synFloodsRaised() {
        return synFloods.get();
    }

    public long udpFloodsRaised() {
        return udpFloods.get();
    }

    /** Floods detected again within the cooldown, not reported. */
    public long suppressed() {
        return suppressed.get();
    }

    /** Destinations forgotten because {@link FloodConfig#maxDestinations()} were tracked. */
    public long evictions() {
        return targets.evictions();
    }
}
