package io.netwatch.aggregator.alert;

import io.netwatch.aggregator.store.StoreListener;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Workload;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Makes {@link AlertEvent}s from stored anomalies until incidents do: the anomalies of one
 * type from one actor (workload, else source address) are one alert, firing on the first
 * and resolved once none came for the quiet period. Runs on the storing thread, so it only
 * updates a bounded map and hands events on; {@link #sweep} resolves what went quiet.
 * Past {@code maxOpen} alerts the least recently seen is resolved early (counted).
 */
public final class AnomalyAlerts implements StoreListener {
    public static final Duration DEFAULT_QUIET = Duration.ofMinutes(5);
    public static final int DEFAULT_MAX_OPEN = 10_000;
    /**
     * Characters kept of what an agent sends (type, actor, summary): an agent is not trusted
     * to keep them short, and each open alert holds them.
     */
    static final int MAX_NAME_CHARS = 256;
    static final int MAX_SUMMARY_CHARS = 2048;

    private static final class Open {
        final AlertEvent firing;
        long lastSeenMillis;
        long anomalies = 1;

        Open(AlertEvent firing, long lastSeenMillis) {
            this.firing = firing;
            this.lastSeenMillis = lastSeenMillis;
        }
    }

    private final Consumer<AlertEvent> out;
    private final long quietMillis;
    private final int maxOpen;
    private final String linkTemplate;
    /** Access order: the eldest is the least recently seen. Guarded by this. */
    private final LinkedHashMap<String, Open> open = new LinkedHashMap<>(16, 0.75f, true);
    private long fired;
    private long resolved;
    private long evicted;

    /**
     * @param out          where events go (the router's inbox); called with this object's lock
     *                     held, so it must not block or call back
     * @param linkTemplate URL back to the alert, {@code {key}} replaced by its key; empty for none
     */
    public AnomalyAlerts(Consumer<AlertEvent> out, Duration quiet, int maxOpen, String linkTemplate) {
        this.out = Objects.requireNonNull(out, "out");
        if (quiet.isNegative() || quiet.isZero() || maxOpen < 1) {
            throw new IllegalArgumentException("quiet period must be positive and maxOpen at least 1");
        }
        this.quietMillis = quiet.toMillis();
        this.maxOpen = maxOpen;
        this.linkTemplate = linkTemplate == null ? "" : linkTemplate;
    }

    @Override
    public void anomalyStored(Anomaly a, long receivedMillis) {
        String actor = AlertJson.truncate(actor(a.getSource()), MAX_NAME_CHARS);
        String key = "anomaly:" + AlertJson.truncate(a.getAnomalyType(), MAX_NAME_CHARS) + ":" + actor;
        synchronized (this) {
            Open o = open.get(key);
            if (o != null) {
                o.lastSeenMillis = Math.max(o.lastSeenMillis, receivedMillis);
                o.anomalies++;
                return;
            }
            if (open.size() >= maxOpen) {
                Iterator<Open> eldest = open.values().iterator();
                Open gone = eldest.next();
                eldest.remove();
                evicted++;
                resolve(gone);
            }
            AlertEvent e = toEvent(key, actor, a, receivedMillis);
            open.put(key, new Open(e, receivedMillis));
            fired++;
            out.accept(e);
        }
    }

    /** Resolves every alert quiet for the quiet period at {@code nowMillis}. */
    public synchronized void sweep(long nowMillis) {
        Iterator<Open> it = open.values().iterator();
        while (it.hasNext()) {
            Open o = it.next();
            if (nowMillis - o.lastSeenMillis < quietMillis) {
                // Access order: everything after this one was seen more recently.
                break;
            }
            it.remove();
            resolve(o);
        }
    }

    private void resolve(Open o) {
        resolved++;
        out.accept(o.firing.resolved(Instant.ofEpochMilli(o.lastSeenMillis)));
    }

    private AlertEvent toEvent(String key, String actor, Anomaly a, long receivedMillis) {
        Workload src = a.getSource().getWorkload();
        Workload dst = a.getDestination().getWorkload();
        String namespace = !src.getNamespace().isEmpty() ? src.getNamespace() : dst.getNamespace();
        String workload = src.getWorkloadName().isEmpty() ? "" : src.getWorkloadKind() + "/" + src.getWorkloadName();
        List<String> pods = new ArrayList<>();
        List<String> nodes = new ArrayList<>();
        for (Workload w : List.of(src, dst)) {
            if (!w.getPodName().isEmpty()) {
                pods.add(w.getNamespace() + "/" + w.getPodName());
            }
            if (!w.getNodeName().isEmpty() && !nodes.contains(w.getNodeName())) {
                nodes.add(w.getNodeName());
            }
        }
        if (!a.getNodeName().isEmpty() && !nodes.contains(a.getNodeName())) {
            nodes.add(a.getNodeName());
        }
        Instant start = a.hasStart() ? Instant.ofEpochSecond(a.getStart().getSeconds(), a.getStart().getNanos())
                : Instant.ofEpochMilli(receivedMillis);
        String target = a.getDestination().getIp().isEmpty() ? "" : " against " + actor(a.getDestination());
        Map<String, String> labels = new TreeMap<>();
        labels.put("detector", a.getDetector());
        if (!a.getAttackTechnique().isEmpty()) {
            labels.put("attack_technique", a.getAttackTechnique());
        }
        String type = AlertJson.truncate(a.getAnomalyType(), MAX_NAME_CHARS);
        String summary = AlertJson.truncate(a.getExplanation().getSummary().isEmpty() ? type + " from " + actor
                : a.getExplanation().getSummary(), MAX_SUMMARY_CHARS);
        return new AlertEvent(key, AlertEvent.State.FIRING, AlertJson.truncate(type + " from " + actor + target,
                MAX_NAME_CHARS * 2), summary, a.getSeverity(), List.of(type), namespace, workload, pods, nodes, actor, start, null,
                linkTemplate.replace("{key}", java.net.URLEncoder.encode(key, java.nio.charset.StandardCharsets.UTF_8)),
                labels);
    }

    /** A workload as {@code namespace/Kind/name}, else the address. */
    static String actor(Endpoint e) {
        Workload w = e.getWorkload();
        if (!w.getWorkloadName().isEmpty()) {
            return w.getNamespace() + "/" + w.getWorkloadKind() + "/" + w.getWorkloadName();
        }
        return e.getIp().isEmpty() ? "unknown" : e.getIp();
    }

    public synchronized int open() {
        return open.size();
    }

    public synchronized long fired() {
        return fired;
    }

    public synchronized long resolved() {
        return resolved;
    }

    /** Alerts resolved early because {@code maxOpen} were open. */
    public synchronized long evicted() {
        return evicted;
    }
}
