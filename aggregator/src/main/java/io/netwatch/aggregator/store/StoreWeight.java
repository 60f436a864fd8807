package io.netwatch.aggregator.store;

import com.google.protobuf.CodedOutputStream;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;

/**
 * What a record from an agent weighs against the store's byte bound: its encoded bytes as
 * stored, less its endpoints' workloads when the aggregator set them. Those are the cluster
 * state's own objects, one per pod, shared by every flow of the pod (or a name of a few bytes
 * for an outside address), so they take no heap of the record's; a workload the agent sent and
 * the aggregator kept is the record's own and is weighed. Weighed whole, a flow between two
 * pods of ten labels each is about 1.2 KB, so the shipped store (a quarter of 768 MiB) would
 * hold some 167,000 of the 250,000 flows it is set to (found in review).
 */
public final class StoreWeight {
    /** Endpoint's field number of its workload, for the bytes it is encoded in. */
    private static final int WORKLOAD_FIELD = Endpoint.WORKLOAD_FIELD_NUMBER;

    private StoreWeight() {
    }

    /** @param arrived the flow as the agent sent it; {@code stored} is it enriched */
    public static int flow(Flow arrived, Flow stored) {
        return Math.max(0, stored.getSerializedSize() - shared(stored.getSource(), arrived.getSource())
                - shared(stored.getDestination(), arrived.getDestination()));
    }

    /** @param arrived the anomaly as the agent sent it; {@code stored} is it enriched */
    public static int anomaly(Anomaly arrived, Anomaly stored) {
        return Math.max(0, stored.getSerializedSize() - shared(stored.getSource(), arrived.getSource())
                - shared(stored.getDestination(), arrived.getDestination()));
    }

    /** The bytes of {@code stored}'s workload when it is not the one the agent sent (the same object). */
    private static int shared(Endpoint stored, Endpoint arrived) {
        if (!stored.hasWorkload() || stored.getWorkload() == arrived.getWorkload()) {
            return 0;
        }
        return CodedOutputStream.computeMessageSize(WORKLOAD_FIELD, stored.getWorkload());
    }
}
