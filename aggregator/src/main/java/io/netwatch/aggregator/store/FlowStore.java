package io.netwatch.aggregator.store;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.common.metrics.AnomalyCounts;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * The aggregator's embedded history: flows and anomalies in memory, each bounded by count,
 * by bytes and by age. What falls off is counted ({@link BoundedLog#evicted()}).
 */
public final class FlowStore {
    /**
     * The share of the heap the stored flows' encoded bytes may take at most (and the
     * anomalies' a quarter of that): past it the oldest fall off first, as past the count
     * bound. An agent's flows are 200 to 700 bytes (the more with their endpoints' pod labels),
     * so at the shipped bounds the count decides; this bounds records sent as large as a batch
     * takes (found in review: the store was bounded by count alone, so 100 KB records from one
     * node, which its root can forge, filled the aggregator's heap many times over). A record of
     * long texts takes on the heap up to about twice its encoded bytes (a text is kept both as
     * bytes and as a string once read). Not covered: a record of many tiny values (empty nested
     * messages, one-character labels) takes up to some 17 times its encoded bytes, so records
     * forged that way can still fill the heap within the bound (docs/security.md). Weighing each
     * value as an object was tried and undone: it counted the pod labels the aggregator shares
     * between flows once a flow, and held the shipped store to a fifth of its 250,000 flows.
     * Records from the agents are weighed without those shared workloads ({@link StoreWeight});
     * a workload with an external name is the record's own and is weighed.
     */
    public static final int FLOW_HEAP_SHARE_DIVISOR = 4;
    /** Anomalies' share of the heap: a sixteenth. */
    public static final int ANOMALY_HEAP_SHARE_DIVISOR = 16;

    private final BoundedLog<Flow> flows;
    private final BoundedLog<Anomaly> anomalies;
    /** Every {@code anomaly_type} the API defines, in the order of docs/detection.md. */
    public static final List<String> ANOMALY_TYPES = List.of("port_scan", "ip_sweep", "syn_flood", "udp_flood",
            "brute_force", "dns_tunnel", "dga", "beaconing", "exfiltration", "volume_spike", "protocol_mismatch",
            "signature", "new_edge", "lateral_movement", "policy_violation", "ml_outlier");

    private final AnomalyCounts anomalyCounts = new AnomalyCounts(ANOMALY_TYPES);
    private final List<StoreListener> listeners = new CopyOnWriteArrayList<>();
    private final LongAdder listenerFailures = new LongAdder();

    /** Bounded by count and age, and by bytes to their shares of this JVM's heap. */
    public FlowStore(int maxFlows, int maxAnomalies, Duration maxAge) {
        this(maxFlows, Runtime.getRuntime().maxMemory() / FLOW_HEAP_SHARE_DIVISOR, maxAnomalies,
                Runtime.getRuntime().maxMemory() / ANOMALY_HEAP_SHARE_DIVISOR, maxAge);
    }

    /**
     * @param maxFlowBytes    encoded bytes of the flows held at most (as {@link StoreWeight} weighs an agent's)
     * @param maxAnomalyBytes encoded bytes of the anomalies held at most (likewise)
     */
    public FlowStore(int maxFlows, long maxFlowBytes, int maxAnomalies, long maxAnomalyBytes, Duration maxAge) {
        this.flows = new BoundedLog<>(maxFlows, maxFlowBytes, Flow::getSerializedSize, maxAge.toMillis());
        this.anomalies = new BoundedLog<>(maxAnomalies, maxAnomalyBytes, Anomaly::getSerializedSize,
                maxAge.toMillis());
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
        addFlow(f, receivedMillis, receivedNanos, f.getSerializedSize());
    }

    /**
     * Stores a flow weighing {@code weight} against the byte bound, and hands it to the listeners.
     *
     * @param weight its encoded bytes, less those of what it shares with other records (see {@link StoreWeight})
     */
    public void addFlow(Flow f, long receivedMillis, long receivedNanos, int weight) {
        flows.append(f, receivedMillis, weight);
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
        addAnomaly(a, receivedMillis, a.getSerializedSize());
    }

    /** Stores an anomaly weighing {@code weight} (see {@link StoreWeight}), counting it, and hands it to the listeners. */
    public void addAnomaly(Anomaly a, long receivedMillis, int weight) {
        anomalyCounts.count(a);
        anomalies.append(a, receivedMillis, weight);
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
