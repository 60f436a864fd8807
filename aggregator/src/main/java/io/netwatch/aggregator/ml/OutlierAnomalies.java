package io.netwatch.aggregator.ml;

import com.google.protobuf.Timestamp;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Explanation;
import io.netwatch.proto.anomaly.v1.Observation;
import io.netwatch.proto.anomaly.v1.Severity;
import java.util.Locale;

/**
 * Writes an {@link Outlier} as an {@code ml_outlier} anomaly: the score against the threshold,
 * and for each feature that made it, high or low, observed against what the forest expected.
 * Ids are {@code ml-<start millis>-<n>}: unique across restarts of the aggregator.
 */
public final class OutlierAnomalies {
    public static final String TYPE = "ml_outlier";
    public static final String DETECTOR = "aggregator.ml_outlier";
    /**
     * Scores this many times the threshold are medium severity; below, low. The benign corpus
     * never scored above 1.1 times the default threshold; a spoofed SYN flood scores 1.6 times it.
     */
    public static final double MEDIUM_FACTOR = 1.5;

    private final String producer = "ml-" + System.currentTimeMillis();
    private long sequence;

    /** The anomaly for {@code o}. */
    public Anomaly of(Outlier o) {
        FeatureWindow w = o.window();
        StringBuilder summary = new StringBuilder(String.format(Locale.ROOT,
                "%s behaved unlike the traffic the forest learned over %d s (score %.2f, threshold %.2f):",
                w.actor(), (w.endMillis() - w.startMillis()) / 1000, o.score(), o.threshold()));
        Explanation.Builder ex = Explanation.newBuilder();
        String sep = " ";
        for (Contribution c : o.contributions()) {
            summary.append(sep).append(String.format(Locale.ROOT, "%s %s (%s vs %s expected, %.0f%% of the score)",
                    c.feature().label(), c.high() ? "high" : "low", figure(c.observed()), figure(c.expected()),
                    100 * c.share()));
            sep = "; ";
            ex.addObservations(Observation.newBuilder().setName(c.feature().label() + (c.high() ? "_high" : "_low"))
                    .setObserved(c.observed()).setExpected(c.expected()).setUnit(c.feature().unit()));
        }
        ex.addObservations(Observation.newBuilder().setName("rcf_score").setObserved(o.score())
                .setExpected(o.threshold()).setUnit("score"));
        Anomaly.Builder a = Anomaly.newBuilder()
                .setId(producer + "-" + ++sequence)
                .setAnomalyType(TYPE)
                .setDetector(DETECTOR)
                .setSeverity(o.score() >= MEDIUM_FACTOR * o.threshold() ? Severity.SEVERITY_MEDIUM
                        : Severity.SEVERITY_LOW)
                .setScore(o.score())
                .setSource(w.endpoint())
                .setStart(timestamp(w.startMillis()))
                .setEnd(timestamp(w.endMillis()))
                .setExplanation(ex.setSummary(summary.toString()))
                .setAttackTechnique(technique(o.topFeature()));
        for (long id : w.evidenceFlowIds()) {
            a.addEvidenceFlowIds(id);
        }
        return a.build();
    }

    /** The MITRE ATT&CK technique the leading feature points to, or empty when it points to none. */
    static String technique(Feature top) {
        return switch (top) {
            case PORTS_OUT, PEERS_OUT, FAILED_OUT -> "T1046";
            case FLOWS_IN, PEERS_IN, FAILED_IN -> "T1498";
            case DNS_QUERIES, DNS_NAME_LENGTH -> "T1071.004";
            case BYTES_OUT -> "T1048";
            default -> "";
        };
    }

    private static String figure(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static Timestamp timestamp(long millis) {
        return Timestamp.newBuilder().setSeconds(Math.floorDiv(millis, 1000))
                .setNanos((int) Math.floorMod(millis, 1000) * 1_000_000).build();
    }
}
