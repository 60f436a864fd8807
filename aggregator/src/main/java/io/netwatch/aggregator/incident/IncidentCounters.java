package io.netwatch.aggregator.incident;

import io.netwatch.common.metrics.AnomalyCounts;
import io.netwatch.proto.anomaly.v1.Severity;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What incident tracking and the {@code beaconing} detector did, for {@link IncidentMetrics}
 * and tests. Incidents are counted by family and severity: a fixed set of label values.
 * Safe for any thread.
 */
public final class IncidentCounters {
    private static final int SEVERITIES = AnomalyCounts.severities().size();

    private final AtomicLongArray opened = new AtomicLongArray(Family.values().length * SEVERITIES);
    private final AtomicLongArray resolved = new AtomicLongArray(Family.values().length * SEVERITIES);
    /** Open incidents resolved early because the cap was reached. */
    final LongAdder evicted = new LongAdder();
    /** Resolved incidents dropped from the history (its cap). */
    final LongAdder forgotten = new LongAdder();
    /** Anomalies whose (node, id) was already taken: an agent's resend. */
    final LongAdder resent = new LongAdder();
    /** Anomalies with the same evidence as one already counted (another node, or a re-detection in the same window). */
    final LongAdder duplicates = new LongAdder();
    /** Anomalies and flows the worker had no room for (its backlog was full). */
    final LongAdder dropped = new LongAdder();
    /** Listener calls that threw. */
    final LongAdder listenerFailures = new LongAdder();
    /** Flows judged by the beaconing detector, pairs it dropped at its cap, beacons it reported. */
    final LongAdder beaconFlows = new LongAdder();
    final LongAdder beaconPairsEvicted = new LongAdder();
    final LongAdder beacons = new LongAdder();

    void opened(Incident i) {
        opened.incrementAndGet(index(i.family(), i.severity()));
    }

    void resolved(Incident i) {
        resolved.incrementAndGet(index(i.family(), i.severity()));
    }

    private static int index(Family f, Severity s) {
        int sev = s.getNumber() >= 0 && s.getNumber() < SEVERITIES ? s.getNumber() : 0;
        return f.ordinal() * SEVERITIES + sev;
    }

    /** Incidents opened so far of this family, at the severity they had when opened. */
    public long opened(Family f, Severity s) {
        return opened.get(index(f, s));
    }

    /** Incidents resolved so far of this family, at their final severity. */
    public long resolved(Family f, Severity s) {
        return resolved.get(index(f, s));
    }

    public long evicted() {
        return evicted.sum();
    }

    public long forgotten() {
        return forgotten.sum();
    }

    public long resent() {
        return resent.sum();
    }

    public long duplicates() {
        return duplicates.sum();
    }

    public long dropped() {
        return dropped.sum();
    }

    public long listenerFailures() {
        return listenerFailures.sum();
    }

    public long beaconFlows() {
        return beaconFlows.sum();
    }

    public long beaconPairsEvicted() {
        return beaconPairsEvicted.sum();
    }

    public long beacons() {
        return beacons.sum();
    }
}
