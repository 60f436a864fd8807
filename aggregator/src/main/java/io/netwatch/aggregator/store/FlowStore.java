package io.netwatch.aggregator.store;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.common.metrics.AnomalyCounts;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * The aggregator's embedded history: flows and anomalies in memory, each bounded by count
 * and age. What falls off is counted ({@link BoundedLog#evicted()}).
 */
public final class FlowStore {
    private final BoundedLog<Flow> flows;
    private final BoundedLog<Anomaly> anomalies;
    /** Every {@code anomaly_type} the API defines, in the order of docs/detection.md. */
    public static final List<String> ANOMALY_TYPES = List.of("port_scan", "ip_sweep", "syn_flood", "udp_flood",
            "brute_force", "dns_tunnel", "dga", "beaconing", "exfiltration", "volume_spike", "protocol_mismatch",
            "signature", "new_edge", "lateral_movement", "policy_violation", "ml_outlier");

    private final AnomalyCounts anomalyCounts = new AnomalyCounts(ANOMALY_TYPES);
    private final List<StoreListener> listeners = new CopyOnWriteArrayList<>();
    private final LongAdder listenerFailures = new LongAdder();

    public FlowStore(int maxFlows, int maxAnomalies, Duration maxAge) {
        this.flows = new BoundedLog<>(maxFlows, maxAge.toMillis());
        this.anomalies = new BoundedLog<>(maxAnomalies, maxAge.toMillis());
    }

    public BoundedLog<Flow> flows() {
        return flows;
    }

    public BoundedLog<Anomaly> anomalies() {
        return anomalies;
    }

    /** Registers a listener for everything stored from now on. */
    public void listen(StoreListener listener) {
        listeners.add(listener);
    }

    /** Stores a flow received now (its monotonic stamp is read here) and hands it to the listeners. */
    public void addFlow(Flow f, long receivedMillis) {
        addFlow(f, receivedMillis, System.nanoTime());
    }

    /**
     * Stores a flow and hands it to the listeners.
     *
     * @param receivedMillis when the aggregator got it, on the wall clock (milliseconds since the epoch)
     * @param receivedNanos  {@link System#nanoTime} read with it: the wall clock steps (NTP, an
     *                       operator), this does not
     */
    public void addFlow(Flow f, long receivedMillis, long receivedNanos) {
        flows.append(f, receivedMillis);
        for (StoreListener l : listeners) {
            try {
                l.flowStored(f, receivedMillis, receivedNanos);
            } catch (RuntimeException e) {
                listenerFailures.increment();
            }
        }
    }

    /** Stores an anomaly, counting it by type and severity, and hands it to the listeners. */
    public void addAnomaly(Anomaly a, long receivedMillis) {
        anomalyCounts.count(a);
        anomalies.append(a, receivedMillis);
        for (StoreListener l : listeners) {
            try {
                l.anomalyStored(a, receivedMillis);
            } catch (RuntimeException e) {
                listenerFailures.increment();
            }
        }
    }

    /** Listener calls that threw (each was skipped; the record was stored all the same). */
    public long listenerFailures() {
        return listenerFailures.sum();
    }

    /** Anomalies stored since start, by type and severity (none fall off these counts). */
    public AnomalyCounts anomalyCounts() {
        return anomalyCounts;
    }

    public void expire(long nowMillis) {
        flows.expire(nowMillis);
        anomalies.expire(nowMillis);
    }
}
