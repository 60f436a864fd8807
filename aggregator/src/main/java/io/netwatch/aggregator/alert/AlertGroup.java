package io.netwatch.aggregator.alert;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The alerts of one route that share the values of its group_by labels, and when the group
 * last notified. Mutable, owned by the router's thread only.
 */
final class AlertGroup {
    /** Alerts kept per group; past it new alerts of the group are counted, not kept. */
    static final int MAX_ALERTS = 1000;

    final AlertRoute route;
    final String key;
    final Map<String, String> labels;
    private final long createdMillis;
    private final LinkedHashMap<String, AlertEvent> alerts = new LinkedHashMap<>();
    /** Each firing alert as the last notification had it; no more keys than {@link #alerts}. */
    private final Map<String, AlertEvent> told = new HashMap<>();
    private long lastNotifiedMillis = -1;
    private boolean changed;
    private boolean notifiedFiring;
    long overflow;
    long deduplicated;

    AlertGroup(AlertRoute route, String key, Map<String, String> labels, long createdMillis) {
        this.route = route;
        this.key = key;
        this.labels = labels;
        this.createdMillis = createdMillis;
    }

    /**
     * Takes an event: a new alert, a resolution, or an update in the same state (counted as
     * deduplicated: it is no change to notify of, but the repeat and the resolve notice show
     * the alert as it now stands, a risen severity or a longer summary).
     */
    void add(AlertEvent e) {
        AlertEvent had = alerts.get(e.key());
        if (had == null) {
            if (e.state() == AlertEvent.State.RESOLVED) {
                // Nothing fired here under that key (silenced, or the group already ended).
                return;
            }
            if (alerts.size() >= MAX_ALERTS) {
                overflow++;
                return;
            }
        } else if (had.state() == e.state()) {
            deduplicated++;
            alerts.put(e.key(), e);
            return;
        }
        alerts.put(e.key(), e);
        changed = true;
    }

    /**
     * Resolves, as it stood here, an alert that moved to other groups (its labels changed), so
     * that this group's resolve notice closes what its notifications opened. Nothing when the
     * alert is not firing here.
     */
    void resolve(String alertKey, long nowMillis) {
        AlertEvent had = alerts.get(alertKey);
        if (had != null && had.state() == AlertEvent.State.FIRING) {
            add(had.resolved(Instant.ofEpochMilli(nowMillis)));
        }
    }

    /** Whether the group holds the alert, firing or resolved and not yet told. */
    boolean holds(String alertKey) {
        return alerts.containsKey(alertKey);
    }

    /** The keys of the alerts held, firing or resolved and not yet told. */
    Set<String> alertKeys() {
        return Collections.unmodifiableSet(alerts.keySet());
    }

    /**
     * The notification due at {@code now}, or null: the first after group_wait; then, when
     * something changed, once group_interval has passed since the last; else, while firing,
     * once repeat_interval has.
     */
    Notification due(long nowMillis) {
        boolean time;
        if (lastNotifiedMillis < 0) {
            time = nowMillis - createdMillis >= route.groupWait().toMillis();
        } else if (changed) {
            time = nowMillis - lastNotifiedMillis >= route.groupInterval().toMillis();
        } else {
            time = !alerts.isEmpty() && nowMillis - lastNotifiedMillis >= route.repeatInterval().toMillis();
        }
        if (!time || alerts.isEmpty()) {
            return null;
        }
        List<AlertEvent> all = new ArrayList<>(alerts.values());
        boolean firing = all.stream().anyMatch(a -> a.state() == AlertEvent.State.FIRING);
        lastNotifiedMillis = nowMillis;
        changed = false;
        Iterator<AlertEvent> it = alerts.values().iterator();
        while (it.hasNext()) {
            if (it.next().state() == AlertEvent.State.RESOLVED) {
                it.remove();
            }
        }
        if (!firing && !notifiedFiring) {
            // Fired and resolved before anyone was told: there is nothing to resolve.
            return null;
        }
        notifiedFiring |= firing;
        List<AlertEvent> replaced = new ArrayList<>();
        for (AlertEvent a : all) {
            AlertEvent before = a.state() == AlertEvent.State.FIRING ? told.put(a.key(), a) : told.remove(a.key());
            if (before != null && !before.equals(a)) {
                replaced.add(before);
            }
        }
        return new Notification(route.receiver(), key, labels,
                firing ? AlertEvent.State.FIRING : AlertEvent.State.RESOLVED, all, Instant.ofEpochMilli(nowMillis),
                replaced);
    }

    /** The group told a receiver of a firing alert, and has not yet told it all is resolved. */
    boolean toldFiring() {
        return notifiedFiring && !alerts.isEmpty();
    }

    /** Every alert resolved and told: the group can go. */
    boolean finished() {
        return alerts.isEmpty() && !changed;
    }
}
