package io.netwatch.aggregator.alert;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * Routing like Alertmanager's: events come in through a bounded inbox ({@link #submit} never
 * blocks: a full inbox drops and counts); on each {@link #tick} the router takes them, drops
 * the silenced ones (counted), sends each to the routes that match, groups them by the
 * route's group_by labels, deduplicates by alert key, and hands the notifications that are
 * due (group_wait, group_interval, repeat_interval, resolve notices) to the receivers'
 * queues. Everything but the inbox and the silences is touched by the ticking thread only.
 */
public final class AlertRouter {
    public static final int DEFAULT_INBOX = 10_000;
    public static final int DEFAULT_MAX_GROUPS = 10_000;

    private final AlertRoute root;
    private final Map<String, SinkQueue> receivers;
    private final BlockingQueue<AlertEvent> inbox;
    private final int maxGroups;
    private final List<Silence> silences;
    private final LinkedHashMap<String, AlertGroup> groups = new LinkedHashMap<>();
    private final LongAdder received = new LongAdder();
    private final LongAdder inboxDropped = new LongAdder();
    private final LongAdder silenced = new LongAdder();
    private final LongAdder notifications = new LongAdder();
    private final LongAdder groupsEvicted = new LongAdder();
    private final LongAdder deduplicated = new LongAdder();
    private final LongAdder overflow = new LongAdder();
    private volatile int groupCount;

    /**
     * @param receivers each receiver's queue by name; every route's receiver must be there
     */
    public AlertRouter(AlertRoute root, Map<String, SinkQueue> receivers, List<Silence> silences, int inboxSize,
                       int maxGroups) {
        this.root = Objects.requireNonNull(root, "root");
        this.receivers = Map.copyOf(receivers);
        this.inbox = new ArrayBlockingQueue<>(inboxSize);
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

    /** Hands an event to the router; never blocks. False when the inbox was full (counted). */
    public boolean submit(AlertEvent e) {
        received.increment();
        if (!inbox.offer(e)) {
            inboxDropped.increment();
            return false;
        }
        return true;
    }

    /** Adds a silence from now on (silences past their end are ignored, then forgotten). */
    public void silence(Silence s) {
        silences.add(s);
    }

    /** Takes what came in and sends what is due at {@code nowMillis}. Called by one thread. */
    public void tick(long nowMillis) {
        List<AlertEvent> batch = new ArrayList<>();
        inbox.drainTo(batch);
        silences.removeIf(s -> s.endsAt().toEpochMilli() <= nowMillis);
        for (AlertEvent e : batch) {
            if (e.state() == AlertEvent.State.FIRING && silences.stream().anyMatch(s -> s.mutes(e, nowMillis))) {
                silenced.increment();
                continue;
            }
            for (AlertRoute r : root.select(e)) {
                group(r, e, nowMillis).add(e);
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
            if (groups.size() >= maxGroups) {
                Iterator<AlertGroup> oldest = groups.values().iterator();
                retire(oldest.next());
                oldest.remove();
                groupsEvicted.increment();
            }
            g = new AlertGroup(r, k, labels, nowMillis);
            groups.put(k, g);
        }
        return g;
    }

    private void retire(AlertGroup g) {
        deduplicated.add(g.deduplicated);
        overflow.add(g.overflow);
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

    /** Notifications handed to receivers' queues (a queue may still drop them, counted there). */
    public long notifications() {
        return notifications.sum();
    }

    /** Groups ended early because {@code maxGroups} were open. */
    public long groupsEvicted() {
        return groupsEvicted.sum();
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
