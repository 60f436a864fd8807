package io.netwatch.agent.score;

import io.netwatch.agent.flow.FlowSink;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Flow;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code exfiltration} by volume: one TCP connection that carried at least 16 MiB out to an
 * address outside the private ranges, and at least eight times more out than in. Judged on
 * each connection's close report, so a large upload is seen as it ends. It knows no baseline,
 * so it is of low severity: a backup to object storage looks the same, and the aggregator's
 * {@code volume_spike} and {@code new_edge}, which do know the edge, carry the weight.
 * Reported once per source and destination per 10 minutes; the pairs live in a bounded table
 * whose evictions are counted.
 */
public final class UploadDetector implements FlowSink {
    public static final String TYPE = DnsTunnelDetector.EXFILTRATION;
    /** MITRE ATT&CK: Exfiltration Over Alternative Protocol. */
    public static final String TECHNIQUE = "T1048";
    /** Bytes to the server of one connection, link headers included. */
    static final long MIN_BYTES = 16L << 20;
    /** Bytes out per byte in. */
    static final double MIN_RATIO = 8;
    static final Duration COOLDOWN = Duration.ofMinutes(10);
    static final int MAX_PAIRS = 16_384;
    private static final int TCP = 6;

    private final AnomalySink sink;
    private final String nodeName;
    private final LruTable<String, long[]> reported = new LruTable<>(MAX_PAIRS);
    private final AtomicLong raised = new AtomicLong();
    private long nextId = 1;

    public UploadDetector(AnomalySink sink, String nodeName) {
        this.sink = sink;
        this.nodeName = nodeName;
    }

    @Override
    public void onFlow(Flow flow) {
        long out = flow.getToServer().getBytes();
        long in = flow.getToClient().getBytes();
        if (flow.getIpProtocol() != TCP || out < MIN_BYTES || out < MIN_RATIO * Math.max(1, in)) {
            return;
        }
        String dst = flow.getDestination().getIp();
        if (privateAddress(dst)) {
            return;
        }
        String src = flow.getSource().getIp();
        long end = Anomalies.nanos(flow.getLastSeen());
        String key = src + " " + dst;
        long[] last = reported.get(key);
        if (last != null && end - last[0] < COOLDOWN.toNanos()) {
            return;
        }
        reported.put(key, new long[] {end});
        long start = Anomalies.nanos(flow.getFirstSeen());
        String summary = String.format(Locale.ROOT,
                "%s sent %.1f MiB to %s:%d outside the cluster's private ranges in one connection over %.1f s, "
                        + "%.0f times what it received: a large upload, by volume alone (no baseline)",
                src, out / 1048576.0, dst, flow.getDestination().getPort(), Math.max(0, end - start) / 1e9,
                out / (double) Math.max(1, in));
        Anomaly.Builder a = Anomalies.start(nodeName + "-upload-" + nextId++, TYPE, "upload", TECHNIQUE, nodeName,
                Severity.SEVERITY_LOW, Math.min(1, out / (4.0 * MIN_BYTES)), flow.getSource(), flow.getDestination(),
                start, end, summary);
        a.getExplanationBuilder()
                .addObservations(Anomalies.observation("bytes_to_server", out, MIN_BYTES, "bytes"))
                .addObservations(Anomalies.observation("out_in_ratio", out / (double) Math.max(1, in), MIN_RATIO,
                        "ratio"));
        a.addEvidenceFlowIds(flow.getFlowId());
        raised.incrementAndGet();
        sink.onAnomaly(a.build());
    }

    /** RFC 1918, RFC 6598 (carrier-grade NAT), loopback, link-local; IPv6 ULA, link-local, loopback. */
    static boolean privateAddress(String ip) {
        if (ip.indexOf(':') >= 0) {
            String l = ip.toLowerCase(Locale.ROOT);
            return l.equals("::1") || l.startsWith("fc") || l.startsWith("fd") || l.startsWith("fe8")
                    || l.startsWith("fe9") || l.startsWith("fea") || l.startsWith("feb");
        }
        String[] o = ip.split("\\.");
        if (o.length != 4) {
            return true; // not an address we can judge: leave it alone
        }
        int a;
        int b;
        try {
            a = Integer.parseInt(o[0]);
            b = Integer.parseInt(o[1]);
        } catch (NumberFormatException e) {
            return true;
        }
        return a == 10 || a == 127 || a == 172 && b >= 16 && b <= 31 || a == 192 && b == 168
                || a == 100 && b >= 64 && b <= 127 || a == 169 && b == 254;
    }

    public long raised() {
        return raised.get();
    }

    public long evictions() {
        return reported.evictions();
    }
}
