package io.netwatch.aggregator.alert;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * Routing like Alertmanager's: events come in through a bounded inbox ({@link #submit} never
 * blocks) that keeps one event per alert key, the latest: a storm of updates to one alert
 * takes one place, and a resolve replaces the firing events before it instead of queueing
 * behind them. A full inbox drops a new alert's firing event and counts it; a resolve gets as
 * many places again, so that what was told to a service is closed there. On each
 * {@link #tick} the router takes the events, drops
 * the silenced ones (counted), sends each to the routes that match, groups them by the
 * route's group_by labels, deduplicates by alert key, and hands the notifications that are
 * due (group_wait, group_interval, repeat_interval, resolve notices) to the receivers'
 * queues. An alert whose labels change so that it no longer belongs to a group it fired in
 * (an incident that gains an anomaly type, a severity that moves it to another route) is
 * resolved there, as Alertmanager resolves an alert whose labels changed: what that group
 * opened at a service is closed, not left open. A firing alert a silence mutes is kept (its
 * latest event, at most {@code inboxSize} alerts) and routed when the silences muting it
 * end, unless it resolved meanwhile: an alert fires once and is then only kept open, so one
 * still firing past its silence would otherwise never be told. Everything but the inbox and
 * the silences is touched by the ticking thread only.
 */
public final class AlertRouter {
    public static final int DEFAULT_INBOX = 10_000;
    public static final int DEFAULT_MAX_GROUPS = 10_000;

    private final AlertRoute root;
    private final Map<String, SinkQueue> receivers;
    /** Alert keys waiting for the next tick, each with its latest event; guarded by itself. */
    private final LinkedHashMap<String, AlertEvent> inbox = new LinkedHashMap<>();
    private final int inboxSize;
    private final int maxGroups;
    private final List<Silence> silences;
    /** Firing alerts muted by a silence, each with its latest event, oldest first; at most {@code inboxSize}. */
    private final LinkedHashMap<String, AlertEvent> muted = new LinkedHashMap<>();
    private final LinkedHashMap<String, AlertGroup> groups = new LinkedHashMap<>();
    /**
     * Alert key -> keys of the groups its firing events went to last: where it must be
     * resolved when it resolves or moves. Emptied as the groups end, so it holds only what
     * the groups hold.
     */
    private final Map<String, Set<String>> placed = new HashMap<>();
    private final LongAdder received = new LongAdder();
    private final LongAdder inboxDropped = new LongAdder();
    private final LongAdder coalesced = new LongAdder();
    private final LongAdder groupsRefused = new LongAdder();
    private final LongAdder silenced = new LongAdder();
    private final LongAdder mutedForgotten = new LongAdder();
    private final LongAdder notifications = new LongAdder();
    private final LongAdder groupsEvicted = new LongAdder();
    private final LongAdder deduplicated = new LongAdder();
    private final LongAdder overflow = new LongAdder();
    private volatile int groupCount;
    /** Within one tick: a scan found no group to evict (see {@link #evictOne}); the ticking thread's. */
    private boolean nothingToEvict;

    /**
     * @param receivers each receiver's queue by name; every route's receiver must be there
     */
    public AlertRouter(AlertRoute root, Map<String, SinkQueue> receivers, List<Silence> silences, int inboxSize,
                       int maxGroups) {
        this.root = Objects.requireNonNull(root, "root");
        this.receivers = Map.copyOf(receivers);
        this.inboxSize = inboxSize;
        this.maxGroups = maxGroups;
        this.silences = new CopyOnWriteArrayList<>(silences);
        check(root);
    }

    private void check(AlertRoute r) {
        if (!receivers.containsKey(r.receiver())) {
            throw new IllegalArgumentException("route " + r.id() + " names receiver '" + r.receiver()
                    + "', which is not defined; receivers: " + receivers.keySet());
        }
        r.routes().forEach(this::check);
    }

    /**
     * Hands an event to the router; never blocks. An event for an alert already waiting
     * replaces it (counted as coalesced). False when the inbox was full (counted): a firing
     * event of a new alert at {@code inboxSize} alerts waiting, a resolve at twice that.
     */
    public boolean submit(AlertEvent e) {
        received.increment();
        synchronized (inbox) {
            if (inbox.replace(e.key(), e) != null) {
                coalesced.increment();
                return true;
            }
            int room = e.state() == AlertEvent.State.RESOLVED ? 2 * inboxSize : inboxSize;
            if (inbox.size() >= room) {
                inboxDropped.increment();
                return false;
            }
            inbox.put(e.key(), e);
            return true;
        }
    }

    /** Adds a silence from now on (silences past their end are ignored, then forgotten). */
    public void silence(Silence s) {
        silences.add(s);
    }

    /** Takes what came in and sends what is due at {@code nowMillis}. Called by one thread. */
    public void tick(long nowMillis) {
        nothingToEvict = false;
        List<AlertEvent> batch;
        synchronized (inbox) {
            batch = new ArrayList<>(inbox.values());
            inbox.clear();
        }
        boolean ended = silences.removeIf(s -> s.endsAt().toEpochMilli() <= nowMillis);
        for (AlertEvent e : batch) {
            if (e.state() == AlertEvent.State.FIRING && muted(e, nowMillis)) {
                silenced.increment();
                mute(e);
                continue;
            }
            // A resolve ends what a silence kept; a firing event no silence mutes any longer replaces it.
            muted.remove(e.key());
            route(e, nowMillis);
        }
        if (ended) {
            // Only an ending silence unmutes: one that starts later mutes more, not less.
            Iterator<AlertEvent> held = muted.values().iterator();
            while (held.hasNext()) {
                AlertEvent e = held.next();
                if (!muted(e, nowMillis)) {
                    held.remove();
                    route(e, nowMillis);
                }
            }
        }
        Iterator<AlertGroup> it = groups.values().iterator();
        while (it.hasNext()) {
            AlertGroup g = it.next();
            Notification n = g.due(nowMillis);
            if (n != null) {
                notifications.increment();
                receivers.get(n.receiver()).offer(n);
            }
            if (g.finished()) {
                retire(g);
                it.remove();
            }
        }
        groupCount = groups.size();
    }

    private boolean muted(AlertEvent e, long nowMillis) {
        return silences.stream().anyMatch(s -> s.mutes(e, nowMillis));
    }

    /** Keeps a muted firing alert for when its silences end; past {@code inboxSize} the oldest is forgotten (counted). */
    private void mute(AlertEvent e) {
        if (muted.replace(e.key(), e) != null) {
            return;
        }
        if (muted.size() >= inboxSize) {
            Iterator<AlertEvent> eldest = muted.values().iterator();
            eldest.next();
            eldest.remove();
            mutedForgotten.increment();
        }
        muted.put(e.key(), e);
    }

    /**
     * Hands {@code e} to the groups of the routes it matches, and resolves it in the groups it
     * fired in before and no longer belongs to (its labels or severity changed): the resolve
     * its new group sends one day must not leave the old one open. When a route had no room
     * for it in its new group (too many groups, or a full group), it stays firing in that
     * route's old one instead of being lost.
     */
    private void route(AlertEvent e, long nowMillis) {
        boolean firing = e.state() == AlertEvent.State.FIRING;
        Set<String> now = new LinkedHashSet<>();
        Set<String> refused = new HashSet<>();
        for (AlertRoute r : root.select(e)) {
            AlertGroup g = group(r, e, nowMillis);
            if (g != null) {
                g.add(e);
            }
            if (g != null && g.holds(e.key())) {
                now.add(g.key);
            } else if (firing) {
                refused.add(r.id());
            }
        }
        for (String k : placed.getOrDefault(e.key(), Set.of())) {
            AlertGroup left = groups.get(k);
            if (left == null || now.contains(k)) {
                continue;
            }
            if (refused.contains(left.route.id())) {
                now.add(k);
            } else {
                left.resolve(e.key(), nowMillis);
            }
        }
        if (firing && !now.isEmpty()) {
            placed.put(e.key(), now);
        } else {
            placed.remove(e.key());
        }
    }

    private AlertGroup group(AlertRoute r, AlertEvent e, long nowMillis) {
        Map<String, String> labels = new LinkedHashMap<>();
        StringBuilder key = new StringBuilder(r.id()).append('{');
        for (String name : r.groupBy()) {
            String v = e.label(name);
            labels.put(name, v);
            key.append(name).append('=').append(v).append(';');
        }
        String k = key.append('}').toString();
        AlertGroup g = groups.get(k);
        if (g == null) {
            if (e.state() == AlertEvent.State.RESOLVED) {
                return null; // nothing fired here under that key: there is nothing to resolve
            }
            if (groups.size() >= maxGroups && (nothingToEvict || !evictOne())) {
                // Until the groups are next told (after this tick's events), none becomes
                // evictable: the scan is not repeated for each event of a storm.
                nothingToEvict = true;
                groupsRefused.increment();
                return null;
            }
            g = new AlertGroup(r, k, labels, nowMillis);
            groups.put(k, g);
        }
        return g;
    }

    /**
     * Ends the oldest group that has nothing open at a service (it never told one of a firing
     * alert): forgetting a group that did would leave its alerts open there for good, since
     * its resolve would never be sent. False when every group has.
     */
    private boolean evictOne() {
        Iterator<AlertGroup> it = groups.values().iterator();
        while (it.hasNext()) {
            AlertGroup g = it.next();
            if (!g.toldFiring()) {
                retire(g);
                it.remove();
                groupsEvicted.increment();
                return true;
            }
        }
        return false;
    }

    /** Counts what an ending group deduplicated and refused, and forgets that its alerts were in it. */
    private void retire(AlertGroup g) {
        deduplicated.add(g.deduplicated);
        overflow.add(g.overflow);
        for (String alert : g.alertKeys()) {
            Set<String> in = placed.get(alert);
            if (in != null && in.remove(g.key) && in.isEmpty()) {
                placed.remove(alert);
            }
        }
    }

    /** Events handed in, kept or not. */
    public long received() {
        return received.sum();
    }

    /** Events dropped because the inbox was full. */
    public long inboxDropped() {
        return inboxDropped.sum();
    }

    /** Firing events muted by a silence. */
    public long silenced() {
        return silenced.sum();
    }

    /**
     * Muted firing alerts forgotten because {@code inboxSize} were kept: they are not told when
     * their silence ends (a later event of theirs still is).
     */
    public long mutedForgotten() {
        return mutedForgotten.sum();
    }

    /** Notifications handed to receivers' queues (a queue may still drop them, counted there). */
    public long notifications() {
        return notifications.sum();
    }

    /** Groups ended early because {@code maxGroups} were open (only groups that told no service of a firing alert). */
    public long groupsEvicted() {
        return groupsEvicted.sum();
    }

    /**
     * Firing events not grouped because {@code maxGroups} were open and every one of them had
     * told a service of a firing alert (so none could be ended without leaving it open there).
     */
    public long groupsRefused() {
        return groupsRefused.sum();
    }

    /** Events that replaced an earlier one of the same alert still waiting in the inbox. */
    public long coalesced() {
        return coalesced.sum();
    }

    public int groups() {
        return groupCount;
    }

    /** Events that repeated an alert's state (counted when their group ends). */
    public long deduplicated() {
        return deduplicated.sum();
    }

    /** Alerts not kept because their group held {@link AlertGroup#MAX_ALERTS}. */
    public long overflow() {
        return overflow.sum();
    }

    public List<Silence> silences() {
        return List.copyOf(silences);
    }
}
