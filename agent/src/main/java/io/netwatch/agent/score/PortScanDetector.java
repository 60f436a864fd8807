package io.netwatch.agent.score;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.netwatch.agent.flow.FlowSink;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Explanation;
import io.netwatch.proto.anomaly.v1.Observation;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.TcpState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A first, deliberately simple vertical port-scan detector: one source probing many TCP ports
 * of one destination, most of them unanswered or refused. It works on finished flow records,
 * on the capture thread, and reports each scan once, when the scanner goes quiet.
 *
 * <p>Issue "detection" replaces it with a sequential test (Threshold Random Walk). It must
 * never grow without bound: pairs past {@link PortScanConfig#maxTrackedPairs()} are counted,
 * not tracked.
 */
public final class PortScanDetector implements FlowSink {
    public static final String TYPE = "port_scan";
    /** MITRE ATT&CK: Network Service Discovery. */
    public static final String TECHNIQUE = "T1046";
    private static final int TCP = 6;
    private static final int RST = 0x04;
    /** Most distinct ports remembered per pair: enough to tell any scan, bounded memory. */
    private static final int MAX_PORTS_PER_PAIR = 4096;

    private final PortScanConfig config;
    private final AnomalySink sink;
    private final String nodeName;
    private final Map<Pair, ScanState> pairs = new HashMap<>();
    private long nextId = 1;
    private long lastTickNanos = Long.MIN_VALUE;
    /** Latest time the detector has seen, from packets, ticks and records; capture time. */
    private long clockNanos = Long.MIN_VALUE;
    /** Pending scans are checked at most this often (capture time): a tick walks every pair. */
    private static final long TICK_INTERVAL_NANOS = 1_000_000_000L;
    private final AtomicLong raised = new AtomicLong();
    private final AtomicLong untrackedPairs = new AtomicLong();

    public PortScanDetector(PortScanConfig config, AnomalySink sink, String nodeName) {
        this.config = config;
        this.sink = sink;
        this.nodeName = nodeName;
    }

    private record Pair(String source, String destination) {
    }

    /** Mutable per-pair accumulator; lives only in this detector's map. */
    private static final class ScanState {
        final Set<Integer> ports = new HashSet<>();
        final Set<Integer> failedPorts = new HashSet<>();
        final List<Long> evidence = new ArrayList<>();
        long firstNanos = Long.MAX_VALUE;
        long lastNanos = Long.MIN_VALUE;
        /**
         * When the pair was last active as the detector saw it: the later of its last packet
         * and the detector's clock when a record arrived. A flow record leaves the flow table
         * up to its idle timeout after its last packet, so quiet is measured from here.
         */
        long lastActivityNanos = Long.MIN_VALUE;
    }

    @Override
    public void onFlow(Flow flow) {
        if (flow.getIpProtocol() != TCP || flow.getInterim()) {
            return;
        }
        Pair pair = new Pair(flow.getSource().getIp(), flow.getDestination().getIp());
        ScanState s = pairs.get(pair);
        if (s == null) {
            if (pairs.size() >= config.maxTrackedPairs()) {
                untrackedPairs.incrementAndGet();
                return;
            }
            s = new ScanState();
            pairs.put(pair, s);
        }
        int port = flow.getDestination().getPort();
        boolean failed = failed(flow);
        if (s.ports.size() < MAX_PORTS_PER_PAIR) {
            s.ports.add(port);
            if (failed) {
                s.failedPorts.add(port);
            }
        }
        if (failed) {
            // Evidence and the scan's time window are the failed probes, not the pair's
            // ordinary conversations.
            if (s.evidence.size() < config.maxEvidence()) {
                s.evidence.add(flow.getFlowId());
            }
            s.firstNanos = Math.min(s.firstNanos, nanos(flow.getFirstSeen()));
        }
        s.lastNanos = Math.max(s.lastNanos, nanos(flow.getLastSeen()));
        clockNanos = Math.max(clockNanos, s.lastNanos);
        s.lastActivityNanos = clockNanos;
        advance(clockNanos);
    }

    /**
     * Moves the detector's clock (capture time) and reports quiet scans at most once per
     * {@link #TICK_INTERVAL_NANOS}. Cheap enough to call for every packet.
     */
    public void advance(long nowNanos) {
        // lastTickNanos starts at MIN_VALUE, where the subtraction would overflow: tick first.
        if (lastTickNanos == Long.MIN_VALUE || nowNanos - lastTickNanos >= TICK_INTERVAL_NANOS) {
            tick(nowNanos);
        }
    }

    /** A probe that got nothing back, or only a refusal, and carried no conversation. */
    private static boolean failed(Flow flow) {
        boolean noReply = flow.getToClient().getPackets() == 0;
        boolean refused = (flow.getTcp().getFlagsToClient() & RST) != 0
                && flow.getTcp().getState() != TcpState.TCP_STATE_ESTABLISHED
                && flow.getToClient().getPackets() <= 2;
        return noReply || refused;
    }

    /** Reports scans whose source went quiet or whose window is over, as of {@code nowNanos}. */
    public void tick(long nowNanos) {
        lastTickNanos = nowNanos;
        clockNanos = Math.max(clockNanos, nowNanos);
        long quiet = config.quietPeriod().toNanos();
        long window = config.maxWindow().toNanos();
        Iterator<Map.Entry<Pair, ScanState>> it = pairs.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Pair, ScanState> e = it.next();
            ScanState s = e.getValue();
            if (nowNanos - s.lastActivityNanos >= quiet || (s.firstNanos != Long.MAX_VALUE && s.lastNanos - s.firstNanos >= window)) {
                it.remove();
                report(e.getKey(), s);
            }
        }
    }

    /** Reports every pending scan (end of capture). */
    public void flush() {
        for (Map.Entry<Pair, ScanState> e : pairs.entrySet()) {
            report(e.getKey(), e.getValue());
        }
        pairs.clear();
    }

    private void report(Pair pair, ScanState s) {
        int ports = s.ports.size();
        int failed = s.failedPorts.size();
        double ratio = ports == 0 ? 0 : (double) failed / ports;
        if (ports < config.minPorts() || ratio < config.minFailedRatio()) {
            return;
        }
        long start = s.firstNanos == Long.MAX_VALUE ? s.lastNanos : s.firstNanos;
        double seconds = (s.lastNanos - start) / 1e9;
        String summary = String.format(Locale.ROOT,
                "%s probed %d distinct TCP ports on %s in %.1f s; %d of them (%.0f%%) went unanswered or were refused",
                pair.source(), ports, pair.destination(), seconds, failed, ratio * 100);
        Anomaly anomaly = Anomaly.newBuilder()
                .setId(nodeName + "-scan-" + nextId++)
                .setAnomalyType(TYPE)
                .setSeverity(ports >= 100 ? Severity.SEVERITY_HIGH : Severity.SEVERITY_MEDIUM)
                .setScore(Math.min(1.0, ports / (5.0 * config.minPorts())))
                .setSource(Endpoint.newBuilder().setIp(pair.source()))
                .setDestination(Endpoint.newBuilder().setIp(pair.destination()))
                .setStart(timestamp(start))
                .setEnd(timestamp(s.lastNanos))
                .setExplanation(Explanation.newBuilder()
                        .setSummary(summary)
                        .addObservations(Observation.newBuilder().setName("distinct_destination_ports")
                                .setObserved(ports).setExpected(config.minPorts()).setUnit("ports"))
                        .addObservations(Observation.newBuilder().setName("failed_probe_ratio")
                                .setObserved(ratio).setExpected(config.minFailedRatio()).setUnit("ratio")))
                .addAllEvidenceFlowIds(s.evidence)
                .setAttackTechnique(TECHNIQUE)
                .setNodeName(nodeName)
                .setDetector("agent.port_scan")
                .build();
        raised.incrementAndGet();
        sink.onAnomaly(anomaly);
    }

    private static long nanos(Timestamp t) {
        return Timestamps.toNanos(t);
    }

    private static Timestamp timestamp(long nanos) {
        return Timestamps.fromNanos(nanos);
    }

    public long anomaliesRaised() {
        return raised.get();
    }

    public long untrackedPairs() {
        return untrackedPairs.get();
    }
}
