package io.netwatch.common.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Anomalies counted by type and severity, for {@code netwatch_anomalies_total}. The types are a
 * fixed list given at construction; any other type (a newer or hostile agent's) counts under
 * {@link #OTHER}, and a severity this build does not know under {@code unknown}, so no label
 * value ever comes from traffic. Safe for any thread.
 */
public final class AnomalyCounts {
    /** The type label of anomalies whose type is not in the list. */
    public static final String OTHER = "other";
    private static final List<Severity> SEVERITIES = Arrays.stream(Severity.values())
            .filter(s -> s != Severity.UNRECOGNIZED).toList();

    private final List<String> types;
    private final AtomicLongArray counts;

    /** @param types the anomaly types counted by name; {@link #OTHER} is added at the end */
    public AnomalyCounts(List<String> types) {
        List<String> all = new ArrayList<>(types);
        all.remove(OTHER);
        all.add(OTHER);
        this.types = Collections.unmodifiableList(all);
        this.counts = new AtomicLongArray(this.types.size() * SEVERITIES.size());
    }

    /** The type labels: the given types, then {@link #OTHER}. */
    public List<String> types() {
        return types;
    }

    /** Every severity this build knows, {@code SEVERITY_UNKNOWN} first. */
    public static List<Severity> severities() {
        return SEVERITIES;
    }

    /** The label value of a severity: {@code SEVERITY_HIGH} is {@code high}. */
    public static String label(Severity s) {
        return s.name().substring("SEVERITY_".length()).toLowerCase(Locale.ROOT);
    }

    public void count(Anomaly a) {
        counts.incrementAndGet(index(typeIndex(a.getAnomalyType()), severityIndex(a.getSeverityValue())));
    }

    /** Anomalies of {@code type} (a name of {@link #types()}) and {@code severity} counted so far. */
    public long count(String type, Severity severity) {
        return counts.get(index(typeIndex(type), severityIndex(severity.getNumber())));
    }

    /** Anomalies of {@code type}, every severity. */
    public long count(String type) {
        long sum = 0;
        for (Severity s : SEVERITIES) {
            sum += count(type, s);
        }
        return sum;
    }

    /** Every anomaly counted. */
    public long total() {
        long sum = 0;
        for (int i = 0; i < counts.length(); i++) {
            sum += counts.get(i);
        }
        return sum;
    }

    /** Registers {@code netwatch_anomalies_total{type, severity}}: one series per type and severity. */
    public void register(MeterRegistry registry, String description) {
        for (String type : types) {
            for (Severity severity : SEVERITIES) {
                FunctionCounter.builder("netwatch.anomalies", this, c -> c.count(type, severity))
                        .tag("type", type).tag("severity", label(severity))
                        .description(description).register(registry);
            }
        }
    }

    private int index(int type, int severity) {
        return type * SEVERITIES.size() + severity;
    }

    private int typeIndex(String type) {
        int i = types.indexOf(type);
        return i < 0 ? types.size() - 1 : i;
    }

    /** Unknown numbers (a newer agent's severity) count as {@code SEVERITY_UNKNOWN}. */
    private static int severityIndex(int number) {
        for (int i = 0; i < SEVERITIES.size(); i++) {
            if (SEVERITIES.get(i).getNumber() == number) {
                return i;
            }
        }
        return 0;
    }
}
