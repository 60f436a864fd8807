package io.netwatch.agent.score;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts the anomalies the agent raises by type and severity on their way to the next sink,
 * for metrics (readable from any thread). Types are the fixed list the agent's detectors
 * raise; anything else is counted under {@code other}, so a label never comes from traffic.
 */
public final class AnomalyCounts implements AnomalySink {
    /** Every anomaly type the agent raises, and "other". */
    public static final List<String> TYPES = List.of(ScanDetector.PORT_SCAN, ScanDetector.IP_SWEEP,
            FloodDetector.SYN_FLOOD, FloodDetector.UDP_FLOOD, DnsTunnelDetector.DNS_TUNNEL,
            DnsTunnelDetector.EXFILTRATION, DgaDetector.TYPE, BruteForceDetector.TYPE, ProtocolMismatchDetector.TYPE,
            SignatureDetector.TYPE, "other");
    /** Severities counted, in the proto's order: the index is the enum number. */
    public static final List<Severity> SEVERITIES = List.of(Severity.SEVERITY_UNKNOWN, Severity.SEVERITY_INFO,
            Severity.SEVERITY_LOW, Severity.SEVERITY_MEDIUM, Severity.SEVERITY_HIGH, Severity.SEVERITY_CRITICAL);

    private final AnomalySink next;
    private final AtomicLongArray counts = new AtomicLongArray(TYPES.size() * SEVERITIES.size());

    public AnomalyCounts(AnomalySink next) {
        this.next = next;
    }

    @Override
    public void onAnomaly(Anomaly anomaly) {
        int type = TYPES.indexOf(anomaly.getAnomalyType());
        if (type < 0) {
            type = TYPES.size() - 1;
        }
        int severity = anomaly.getSeverityValue();
        if (severity < 0 || severity >= SEVERITIES.size()) {
            severity = 0;
        }
        counts.incrementAndGet(type * SEVERITIES.size() + severity);
        next.onAnomaly(anomaly);
    }

    /** Anomalies raised of {@code type} (one of {@link #TYPES}) and {@code severity}. */
    public long count(String type, Severity severity) {
        int t = TYPES.indexOf(type);
        int s = SEVERITIES.indexOf(severity);
        return t < 0 || s < 0 ? 0 : counts.get(t * SEVERITIES.size() + s);
    }

    /** Anomalies raised of {@code type}, every severity. */
    public long count(String type) {
        long sum = 0;
        for (Severity s : SEVERITIES) {
            sum += count(type, s);
        }
        return sum;
    }

    /** Every anomaly raised. */
    public long total() {
        long sum = 0;
        for (int i = 0; i < counts.length(); i++) {
            sum += counts.get(i);
        }
        return sum;
    }
}
