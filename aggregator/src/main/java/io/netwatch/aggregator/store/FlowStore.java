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

    public void expire(long nowMillis) {
        flows.expire(nowMillis);
        anomalies.expire(nowMillis);
    }
}
