package io.netwatch.aggregator.response;

import io.netwatch.aggregator.policy.IpAddresses;
import io.netwatch.aggregator.store.StoreListener;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Workload;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Makes an {@link Offense} of each stored anomaly: the actor is its source (as enriched with
 * the workload when a cluster is watched), the nodes are the agent that raised it and the
 * actor's own. Incidents will make offenses of several anomalies; until then each anomaly is
 * one. An anomaly whose source is no address literal is counted and skipped. Runs on the
 * storing thread: builds a record and hands it on, nothing more.
 */
public final class OffenseAdapter implements StoreListener {
    /** Longest anomaly id kept in an offense (an agent chooses it). */
    static final int MAX_ID = 128;

    private final BiConsumer<Offense, Long> decisions;
    private final ResponseCounters counters;

    OffenseAdapter(BiConsumer<Offense, Long> decisions, ResponseCounters counters) {
        this.decisions = decisions;
        this.counters = counters;
    }

    @Override
    public void anomalyStored(Anomaly a, long receivedMillis) {
        Offense o = offense(a);
        if (o == null) {
            counters.ignore(ResponseCounters.Ignored.MALFORMED);
            return;
        }
        decisions.accept(o, receivedMillis);
    }

    /** The offense of an anomaly, or null when its source is no IP address. */
    static Offense offense(Anomaly a) {
        byte[] ip = IpAddresses.parse(a.getSource().getIp());
        if (ip == null) {
            return null;
        }
        Workload w = a.getSource().getWorkload();
        String id = a.getId().length() > MAX_ID ? a.getId().substring(0, MAX_ID) : a.getId();
        return new Offense(id, IpAddresses.format(ip), w.getNamespace(), w.getPodName(), w.getNodeName(),
                a.getNodeName().isEmpty() ? Set.of() : Set.of(a.getNodeName()), Set.of(a.getAnomalyType()),
                a.getSeverity(), a.getScore(), a.getSourceHandshakeCompleted());
    }
}
