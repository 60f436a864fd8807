package io.netwatch.agent.score;

import io.netwatch.agent.flow.FlowSink;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Flow;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code volume_spike}: one workload edge carrying far more bytes in a minute than its
 * baseline, learned by the aggregator and pushed to the agent ({@link EdgeBaselines}). Counts
 * the bytes of final flow records per edge and capture-time minute (interim records repeat
 * their counters in the final one) and raises once per edge and minute, as soon as the minute's
 * bytes pass {@code mean + k * stddev} and the minimum.
 *
 * <p>Runs per flow record on the capture thread, never per packet. Without baselines it costs
 * one lookup that returns at once. Bounded: edges in a fixed-capacity table whose evictions
 * are counted.
 */
public final class VolumeSpikeDetector implements FlowSink {
    public static final String TYPE = "volume_spike";
    /** MITRE ATT&CK: Exfiltration Over Alternative Protocol, the usual cause of an edge moving far more data. */
    public static final String TECHNIQUE = "T1048";
    private static final long MINUTE_NANOS = 60_000_000_000L;
    /**
     * A final record ending up to this many minutes before its edge's current minute left the
     * flow table late (an idle flow's record leaves it after its idle timeout, 5 minutes by
     * default, behind records that ended later) and counts in the current minute, as the
     * aggregator, which learns by receipt, counted it. One ending further back means the
     * capture clock went back (a replayed file): the edge's count starts again.
     */
    static final long LATE_MINUTES = 10;
    /**
     * The standard deviation taken is at least this share of the mean: an edge that carried
     * the same bytes every minute has a deviation near 0, and mean + k × 0 would make one byte
     * more a spike. With k = 4, a spike is then at least twice the mean.
     */
    static final double MIN_RELATIVE_STDDEV = 0.25;

    private final VolumeSpikeConfig config;
    private final EdgeBaselines baselines;
    private final AnomalySink sink;
    private final String nodeName;
    private final LruTable<String, Minute> edges;
    private long nextId = 1;
    private final AtomicLong raised = new AtomicLong();

    /** One edge's current minute; mutable, lives only in {@link #edges}. */
    private static final class Minute {
        long minute = Long.MIN_VALUE;
        long startNanos;
        long endNanos;
        long bytes;
        int flows;
        boolean reported;
        long[] evidence;
        int evidenceCount;
    }

    public VolumeSpikeDetector(VolumeSpikeConfig config, EdgeBaselines baselines, AnomalySink sink, String nodeName) {
        this.config = config;
        this.baselines = baselines;
        this.sink = sink;
        this.nodeName = nodeName;
        this.edges = new LruTable<>(config.maxEdges());
    }

    @Override
    public void onFlow(Flow flow) {
        if (flow.getInterim()) {
            return;
        }
        EdgeBaselines.Expected e = baselines.expected(flow);
        if (e == null) {
            return;
        }
        long end = Anomalies.nanos(flow.getLastSeen());
        long minute = Math.floorDiv(end, MINUTE_NANOS);
        Minute m = edges.get(e.edge());
        if (m == null) {
            m = new Minute();
            edges.put(e.edge(), m);
        }
        long start = Anomalies.nanos(flow.getFirstSeen());
        boolean late = m.minute != Long.MIN_VALUE && minute < m.minute && m.minute - minute <= LATE_MINUTES;
        if (m.minute != minute && !late) {
            m.minute = minute;
            m.startNanos = start;
            m.endNanos = end;
            m.bytes = 0;
            m.flows = 0;
            m.reported = false;
            m.evidenceCount = 0;
        }
        m.startNanos = Math.min(m.startNanos, start);
        m.bytes += flow.getToServer().getBytes() + flow.getToClient().getBytes();
        m.flows++;
        m.endNanos = Math.max(m.endNanos, end);
        if (config.maxEvidence() > 0) {
            if (m.evidence == null) {
                m.evidence = new long[config.maxEvidence()];
            }
            if (m.evidenceCount < m.evidence.length) {
                m.evidence[m.evidenceCount++] = flow.getFlowId();
            }
        }
        double spread = Math.max(e.bytesStddev(), MIN_RELATIVE_STDDEV * e.bytesMean());
        double threshold = Math.max(config.minBytes(), e.bytesMean() + config.k() * spread);
        if (!m.reported && e.minutes() >= config.minMinutes() && m.bytes >= threshold) {
            m.reported = true;
            report(flow, e, m, spread, threshold);
        }
    }

    private void report(Flow flow, EdgeBaselines.Expected e, Minute m, double spread, double threshold) {
        String summary = String.format(Locale.ROOT,
                "edge %s carried %d bytes in %d flows this minute against %.0f ± %.0f bytes per minute learned over "
                        + "%d minutes (a spike is above %.0f: mean + %.1f standard deviations, each at least a "
                        + "quarter of the mean, and at least %d)",
                e.edge(), m.bytes, m.flows, e.bytesMean(), e.bytesStddev(), e.minutes(), threshold, config.k(),
                config.minBytes());
        double over = spread > 0 ? (m.bytes - e.bytesMean()) / spread / (2 * config.k()) : m.bytes / (2 * threshold);
        var b = Anomalies.start(nodeName + "-volume-" + nextId++, TYPE, "volume_spike", TECHNIQUE, nodeName,
                        Severity.SEVERITY_MEDIUM, over, flow.getSource(), flow.getDestination(), m.startNanos,
                        m.endNanos, summary);
        b.getExplanationBuilder()
                .addObservations(Anomalies.observation("bytes_per_minute", m.bytes, e.bytesMean(), "bytes"))
                .addObservations(Anomalies.observation("threshold_bytes_per_minute", m.bytes, threshold, "bytes"));
        for (int i = 0; i < m.evidenceCount; i++) {
            b.addEvidenceFlowIds(m.evidence[i]);
        }
        raised.incrementAndGet();
        sink.onAnomaly(b.build());
    }

    /** Anomalies raised. */
    public long raised() {
        return raised.get();
    }

    /** Edges forgotten to make room. */
    public long evictions() {
        return edges.evictions();
    }
}
