package io.netwatch.aggregator.incident;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.common.metrics.AnomalyCounts;
import io.netwatch.proto.anomaly.v1.Severity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The mutable accumulator of one open incident. Fenced: only {@link IncidentBook} touches it,
 * on one thread; it leaves as an {@link Incident} snapshot. Every collection is capped, so an
 * agent that sends a million distinct targets costs a fixed amount.
 */
final class OpenIncident {
    /** Nodes, targets and sources listed; past it they are counted only. */
    static final int MAX_LISTED = 32;
    /** Anomaly ids kept (the first ones). */
    static final int MAX_IDS = 64;
    /** Distinct anomaly types and techniques kept. */
    static final int MAX_TYPES = 16;
    /** Evidence keys remembered for deduplication; past it the least recently seen is forgotten. */
    static final int MAX_SIGHTINGS = 256;
    /** Clock difference tolerated between agents when two anomalies' windows are compared, ns. */
    static final long CLOCK_SLACK_NANOS = 5_000_000_000L;
    /** Targets (or campaign sources) that count as a spread for escalation. */
    static final int SPREAD = 5;
    /** Distinct detections that count as repeated for escalation. */
    static final int REPEATED = 3;

    final String id;
    final IncidentKey key;
    final long openedMillis;
    long updatedMillis;
    long firstSeenNanos = Long.MAX_VALUE;
    long lastSeenNanos = Long.MIN_VALUE;
    private final Map<String, Long> types = new TreeMap<>();
    private final Set<String> nodes = new LinkedHashSet<>();
    private final Set<String> targets = new LinkedHashSet<>();
    private final Set<String> sources = new LinkedHashSet<>();
    private final Set<String> techniques = new TreeSet<>();
    private final List<String> ids = new ArrayList<>();
    /** Evidence key -> {start, end} of the window last counted, capture ns. */
    private final LinkedHashMap<String, long[]> sightings = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
            return size() > MAX_SIGHTINGS;
        }
    };
    private long detections;
    private long duplicates;
    private long nodesMore;
    private long targetsMore;
    private long sourcesMore;
    private Severity base = Severity.SEVERITY_UNKNOWN;
    /** The actor's workload as "Kind/name", from the first anomaly that names it; else empty. */
    private String workload = "";

    OpenIncident(String id, IncidentKey key, long nowMillis) {
        this.id = id;
        this.key = key;
        this.openedMillis = nowMillis;
        this.updatedMillis = nowMillis;
    }

    /**
     * The signature a signature anomaly matched (its {@code rule_sid} observation), else empty:
     * two rules matching the same connection are two detections, not one seen twice (found
     * in review: three rules on one scan counted as one detection and two duplicates).
     */
    private static String rule(Anomaly a) {
        for (var o : a.getExplanation().getObservationsList()) {
            if (o.getName().equals("rule_sid")) {
                return Long.toString((long) o.getObserved());
            }
        }
        return "";
    }

    /**
     * Takes one anomaly of this incident's key. The same evidence (type, source, destination,
     * and for a signature its rule) in an overlapping window, from any node, is a duplicate:
     * listed, never counted twice.
     *
     * @return true when it was a new detection, false for a duplicate
     */
    boolean add(Anomaly a, long nowMillis) {
        updatedMillis = nowMillis;
        if (workload.isEmpty()) {
            workload = key.workloadOf(a);
        }
        long start = CaptureTime.nanos(a.getStart());
        long end = Math.max(start, CaptureTime.nanos(a.getEnd()));
        firstSeenNanos = Math.min(firstSeenNanos, start);
        lastSeenNanos = Math.max(lastSeenNanos, end);
        if (ids.size() < MAX_IDS) {
            ids.add(IncidentKey.cut(a.getId()));
        }
        nodesMore += addCapped(nodes, IncidentKey.cut(a.getNodeName()));
        String evidence = a.getAnomalyType() + "|" + a.getSource().getIp() + "|" + a.getDestination().getIp() + "|"
                + a.getDestination().getPort() + "|" + IncidentKey.domainName(a.getDestination().getWorkload().getExternalName()) + "|"
                + rule(a);
        long[] seen = sightings.get(evidence);
        if (seen != null && start <= seen[1] + CLOCK_SLACK_NANOS && end + CLOCK_SLACK_NANOS >= seen[0]) {
            seen[0] = Math.min(seen[0], start);
            seen[1] = Math.max(seen[1], end);
            duplicates++;
            return false;
        }
        sightings.put(evidence, new long[] {start, end});
        detections++;
        String type = IncidentKey.cut(a.getAnomalyType());
        if (types.containsKey(type) || types.size() < MAX_TYPES) {
            types.merge(type, 1L, Long::sum);
        } else {
            types.merge(AnomalyCounts.OTHER, 1L, Long::sum);
        }
        if (!a.getAttackTechnique().isEmpty() && techniques.size() < MAX_TYPES) {
            techniques.add(IncidentKey.cut(a.getAttackTechnique()));
        }
        if (a.getSeverityValue() > base.getNumber() && a.getSeverityValue() <= Severity.SEVERITY_CRITICAL_VALUE) {
            base = a.getSeverity();
        }
        if (key.domain().isEmpty()) {
            targetsMore += addCapped(targets, IncidentKey.label(a.getDestination()));
        } else {
            sourcesMore += addCapped(sources, IncidentKey.party(a.getSource()));
        }
        return true;
    }

    /**
     * Whether evidence from {@code startNanos} to {@code endNanos} may join: it starts at most
     * a window after this incident's last evidence and ends at most a window before its first.
     */
    boolean near(long startNanos, long endNanos, long windowNanos) {
        return startNanos <= lastSeenNanos + windowNanos && !startsAfter(endNanos, windowNanos);
    }

    /** Whether this incident's evidence starts more than a window after evidence ending at {@code endNanos}. */
    boolean startsAfter(long endNanos, long windowNanos) {
        return endNanos < firstSeenNanos - windowNanos;
    }

    /** Adds a non-empty value to a capped set: 1 when it did not fit, else 0. */
    private static int addCapped(Set<String> set, String value) {
        if (value.isEmpty() || set.contains(value)) {
            return 0;
        }
        if (set.size() >= MAX_LISTED) {
            return 1;
        }
        set.add(value);
        return 0;
    }

    /** Why the severity rises: each piece of evidence past its threshold. */
    List<String> evidencePoints() {
        List<String> points = new ArrayList<>();
        if (types.size() >= 2) {
            points.add(types.size() + " anomaly types");
        }
        if (nodes.size() >= 2) {
            points.add(nodes.size() + (nodesMore > 0 ? "+" : "") + " nodes");
        }
        if (key.domain().isEmpty() && targets.size() >= SPREAD) {
            points.add(targets.size() + (targetsMore > 0 ? "+" : "") + " targets");
        }
        if (!key.domain().isEmpty() && sources.size() >= 2) {
            points.add(sources.size() + (sourcesMore > 0 ? "+" : "") + " sources");
        }
        if (detections >= REPEATED) {
            points.add(detections + " detections");
        }
        return points;
    }

    /** The base severity raised one level for any evidence point and one more for three or more. */
    static Severity escalate(Severity base, int points) {
        int level = Math.max(base.getNumber(), Severity.SEVERITY_INFO_VALUE);
        level += (points >= 1 ? 1 : 0) + (points >= 3 ? 1 : 0);
        return Severity.forNumber(Math.min(level, Severity.SEVERITY_CRITICAL_VALUE));
    }

    Incident freeze(boolean open, long resolvedMillis, boolean evicted) {
        List<String> points = evidencePoints();
        Severity severity = escalate(base, points.size());
        List<String> escalations = severity.getNumber() > Math.max(base.getNumber(), Severity.SEVERITY_INFO_VALUE)
                ? points : List.of();
        return new Incident(id, open, severity, base, escalations, key.family(), key.actor(), workload, key.domain(),
                firstSeenNanos, lastSeenNanos, openedMillis, updatedMillis, resolvedMillis, types,
                new ArrayList<>(nodes), new ArrayList<>(targets), new ArrayList<>(sources),
                new ArrayList<>(techniques), ids, detections, duplicates, nodesMore, targetsMore, sourcesMore, evicted,
                summary(severity, escalations));
    }

    private String summary(Severity severity, List<String> escalations) {
        StringBuilder s = new StringBuilder();
        s.append(key.actor()).append(": ").append(detections).append(detections == 1 ? " detection" : " detections")
                .append(" of ").append(key.family().label()).append(" (");
        int i = 0;
        for (var e : types.entrySet()) {
            s.append(i++ == 0 ? "" : ", ").append(e.getKey()).append(" x").append(e.getValue());
        }
        s.append(")");
        if (duplicates > 0) {
            s.append(" plus ").append(duplicates).append(duplicates == 1 ? " duplicate" : " duplicates");
        }
        if (!nodes.isEmpty() || nodesMore > 0) {
            s.append(" on ").append(list(nodes, nodesMore, "node"));
        }
        if (key.domain().isEmpty()) {
            if (!targets.isEmpty()) {
                s.append(" against ").append(list(targets, targetsMore, "target"));
            }
        } else {
            s.append(" from ").append(list(sources, sourcesMore, "source"));
        }
        s.append(String.format(Locale.ROOT, ", %s to %s (%.1f s)", instant(firstSeenNanos), instant(lastSeenNanos),
                (lastSeenNanos - firstSeenNanos) / 1e9));
        if (!techniques.isEmpty()) {
            s.append("; ATT&CK ").append(String.join(", ", techniques));
        }
        s.append("; severity ").append(AnomalyCounts.label(severity));
        if (!escalations.isEmpty()) {
            s.append(", raised from ").append(AnomalyCounts.label(base)).append(" for ")
                    .append(String.join(", ", escalations));
        }
        return s.toString();
    }

    private static String list(Set<String> values, long more, String noun) {
        long n = values.size() + more;
        String head = n + " " + noun + (n == 1 ? "" : "s");
        if (values.isEmpty()) {
            return head;
        }
        List<String> shown = values.stream().limit(5).toList();
        return head + " (" + String.join(", ", shown) + (n > shown.size() ? ", ..." : "") + ")";
    }

    private static String instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L))
                .toString();
    }
}
