package io.netwatch.aggregator.incident;

import io.netwatch.proto.anomaly.v1.Anomaly;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The incidents themselves: groups each anomaly with the open incident of its
 * {@link IncidentKey}, resolves incidents that went quiet, and keeps the resolved ones for
 * the query API. Bounded: at most {@code maxOpen} open incidents (the least recently updated
 * is resolved early, counted as evicted) and {@code maxResolved} resolved ones (the oldest
 * fall off, counted). Changes are returned to the caller, which tells the listeners.
 * Thread-safe: every method takes the book's lock, and queries copy immutable snapshots.
 */
final class IncidentBook {
    /** (node, anomaly id, start) triples remembered to recognise a resent anomaly. */
    static final int MAX_REMEMBERED_IDS = 65_536;

    /** What happened to an incident. */
    enum Kind { OPENED, UPDATED, RESOLVED }

    /** One change, with the incident as it is after it. */
    record Change(Kind kind, Incident incident) {
    }

    /**
     * Where an open incident is kept: its key, and whether it holds late evidence, from more
     * than a window before the key's current incident (an agent's backlog, sent after a long
     * disconnect). A key has at most one of each.
     */
    private record Slot(IncidentKey key, boolean late) {
    }

    private final IncidentConfig config;
    private final long windowNanos;
    /**
     * Open incidents by slot, least recently updated first: each update moves its incident
     * last (not access order, so looking one up moves nothing).
     */
    private final LinkedHashMap<Slot, OpenIncident> open = new LinkedHashMap<>();
    /** The latest snapshot of each open incident, by slot. */
    private final Map<Slot, Incident> current = new LinkedHashMap<>();
    private final ArrayDeque<Incident> resolved = new ArrayDeque<>();
    private final LinkedHashMap<String, Boolean> recentIds = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > MAX_REMEMBERED_IDS;
        }
    };
    private long nextId;
    private final IncidentCounters counters;

    IncidentBook(IncidentConfig config, IncidentCounters counters) {
        this.config = config;
        this.windowNanos = config.window().toNanos();
        this.counters = counters;
    }

    /** Groups one stored anomaly into its incident. */
    synchronized List<Change> accept(Anomaly a, long nowMillis) {
        List<Change> changes = new ArrayList<>(2);
        IncidentKey key = IncidentKey.of(a);
        // With its start: an agent numbers its anomalies from 1 again in each process, so a
        // restarted agent's first anomalies would otherwise pass for resends (found in review).
        String seenId = a.getNodeName() + "|" + a.getId() + "|" + CaptureTime.nanos(a.getStart());
        if (!a.getId().isEmpty() && recentIds.containsKey(seenId)) {
            // The same anomaly again (an agent's resend): listed on its incident, never counted.
            counters.resent.increment();
            return changes;
        }
        if (!a.getId().isEmpty()) {
            recentIds.put(seenId, Boolean.TRUE);
        }
        long start = CaptureTime.nanos(a.getStart());
        long end = Math.max(start, CaptureTime.nanos(a.getEnd()));
        // Quiet for the quiet period is resolved, whether or not the sweep got to it first: a
        // worker busy with a backlog runs the sweep late, and the anomaly then joined an
        // incident due for resolution, or not, by when the sweep happened to run.
        for (Slot s : List.of(new Slot(key, false), new Slot(key, true))) {
            OpenIncident due = open.get(s);
            if (due != null && due.updatedMillis + config.quietPeriod().toMillis() <= nowMillis) {
                changes.add(resolve(s, nowMillis, false));
            }
        }
        Slot slot = slot(key, start, end);
        OpenIncident incident = open.get(slot);
        if (incident != null && !incident.near(start, end, windowNanos)) {
            changes.add(resolve(slot, nowMillis, false));
            incident = null;
        }
        Kind kind = Kind.UPDATED;
        if (incident == null) {
            if (open.size() >= config.maxOpen()) {
                Slot eldest = open.keySet().iterator().next();
                changes.add(resolve(eldest, nowMillis, true));
            }
            incident = new OpenIncident("inc-" + ++nextId, key, nowMillis);
            kind = Kind.OPENED;
        }
        open.putLast(slot, incident);
        if (!incident.add(a, nowMillis)) {
            counters.duplicates.increment();
        }
        Incident snapshot = incident.freeze(true, 0, false);
        current.put(slot, snapshot);
        if (kind == Kind.OPENED) {
            counters.opened(snapshot);
        }
        changes.add(new Change(kind, snapshot));
        return changes;
    }

    /**
     * The slot of the incident that evidence from {@code start} to {@code end} goes to: the
     * key's current one, unless the evidence ends more than a window before that incident's
     * first. Such evidence once joined it and stretched it over days (found in review); it is
     * an incident of its own, as it would have been had it come in time, kept in the late slot
     * so the rest of the backlog joins it too and the current incident is left alone.
     */
    private Slot slot(IncidentKey key, long start, long end) {
        Slot onTime = new Slot(key, false);
        Slot late = new Slot(key, true);
        OpenIncident incident = open.get(onTime);
        OpenIncident backlog = open.get(late);
        // With no current incident (it went quiet first), the backlog's still takes what is near it.
        if (incident != null ? incident.startsAfter(end, windowNanos)
                : backlog != null && backlog.near(start, end, windowNanos)) {
            return late;
        }
        return onTime;
    }

    /** Resolves every open incident that took no anomaly for the quiet period. */
    synchronized List<Change> sweep(long nowMillis) {
        List<Change> changes = new ArrayList<>();
        long quiet = config.quietPeriod().toMillis();
        // Least recently updated first: stop at the first one still inside its quiet period.
        Iterator<Map.Entry<Slot, OpenIncident>> it = open.entrySet().iterator();
        List<Slot> due = new ArrayList<>();
        while (it.hasNext()) {
            var e = it.next();
            if (e.getValue().updatedMillis + quiet > nowMillis) {
                break;
            }
            due.add(e.getKey());
        }
        for (Slot s : due) {
            changes.add(resolve(s, nowMillis, false));
        }
        return changes;
    }

    private Change resolve(Slot slot, long nowMillis, boolean evicted) {
        OpenIncident incident = open.remove(slot);
        current.remove(slot);
        Incident snapshot = incident.freeze(false, nowMillis, evicted);
        if (evicted) {
            counters.evicted.increment();
        }
        counters.resolved(snapshot);
        resolved.addLast(snapshot);
        if (resolved.size() > config.maxResolved()) {
            resolved.removeFirst();
            counters.forgotten.increment();
        }
        return new Change(Kind.RESOLVED, snapshot);
    }

    /** Every open incident and every resolved one still kept, as snapshots. */
    synchronized List<Incident> incidents() {
        List<Incident> all = new ArrayList<>(current.size() + resolved.size());
        all.addAll(current.values());
        all.addAll(resolved);
        return all;
    }

    synchronized int openCount() {
        return open.size();
    }

    synchronized int resolvedCount() {
        return resolved.size();
    }
}
