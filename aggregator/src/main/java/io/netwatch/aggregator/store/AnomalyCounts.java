package io.netwatch.aggregator.store;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Anomalies stored, by type and severity. The types are the fixed names of the API (an agent
 * that sends any other string counts under {@code other}), so a hostile or newer agent cannot
 * grow the metric's label values.
 */
public final class AnomalyCounts {
    /** Every {@code anomaly_type} the API defines, in the order of the detection reference. */
    public static final List<String> TYPES = List.of("port_scan", "ip_sweep", "syn_flood", "udp_flood",
            "brute_force", "dns_tunnel", "dga", "beaconing", "exfiltration", "volume_spike", "protocol_mismatch",
            "signature", "new_edge", "lateral_movement", "policy_violation", "ml_outlier");
    /** The label value of a type outside {@link #TYPES}. */
    public static final String OTHER = "other";

    private static final int TYPE_COUNT = TYPES.size() + 1;
    private static final Severity[] SEVERITIES = severities();

    private final AtomicLongArray counts = new AtomicLongArray(TYPE_COUNT * SEVERITIES.length);

    private static Severity[] severities() {
        return java.util.Arrays.stream(Severity.values()).filter(s -> s != Severity.UNRECOGNIZED)
                .toArray(Severity[]::new);
    }

    /** The severities counted: every value of the enum this build knows. */
    public static List<Severity> severityValues() {
        return List.of(SEVERITIES);
    }

    /** The label value of a severity: {@code SEVERITY_HIGH} is {@code high}. */
    public static String label(Severity s) {
        return s.name().substring("SEVERITY_".length()).toLowerCase(java.util.Locale.ROOT);
    }

    public void count(Anomaly a) {
        counts.incrementAndGet(typeIndex(a.getAnomalyType()) * SEVERITIES.length + severityIndex(a.getSeverityValue()));
    }

    /** Anomalies of a type (a name of {@link #TYPES} or {@link #OTHER}) and severity counted so far. */
    public long count(String type, Severity severity) {
        return counts.get(typeIndex(type) * SEVERITIES.length + severityIndex(severity.getNumber()));
    }

    private static int typeIndex(String type) {
        int i = TYPES.indexOf(type);
        return i < 0 ? TYPES.size() : i;
    }

    /** Unknown numbers (a newer agent's severity) count as {@code SEVERITY_UNKNOWN}. */
    private static int severityIndex(int number) {
        for (int i = 0; i < SEVERITIES.length; i++) {
            if (SEVERITIES[i].getNumber() == number) {
                return i;
            }
        }
        return 0;
    }
}
