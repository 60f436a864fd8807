package io.netwatch.aggregator.store;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Flow;
import java.time.Duration;

/**
 * The aggregator's embedded history: flows and anomalies in memory, each bounded by count
 * and age. What falls off is counted ({@link BoundedLog#evicted()}).
 */
public final class FlowStore {
    private final BoundedLog<Flow> flows;
    private final BoundedLog<Anomaly> anomalies;
    private final AnomalyCounts anomalyCounts = new AnomalyCounts();

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

    /** Stores an anomaly, counting it by type and severity. */
    public void addAnomaly(Anomaly a, long receivedMillis) {
        anomalyCounts.count(a);
        anomalies.append(a, receivedMillis);
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
