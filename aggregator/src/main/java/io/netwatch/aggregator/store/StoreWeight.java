package io.netwatch.aggregator.store;

import com.google.protobuf.CodedOutputStream;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;

/**
 * What a record from an agent weighs against the store's byte bound: its encoded bytes as
 * stored, less its endpoints' workloads when the aggregator set them to a pod's or Service's.
 * Those are the cluster state's own objects, one per pod, shared by every flow of the pod, so
 * they take no heap of the record's; a workload the agent sent and the aggregator kept is the
 * record's own and is weighed. Weighed whole, a flow between two pods of ten labels each is
 * about 1.2 KB, so the shipped store (a quarter of 768 MiB) would hold some 167,000 of the
 * 250,000 flows it is set to (found in review).
 *
 * <p>A workload with an external name is weighed whatever object it is: the cluster state's
 * have none, so one was made for this record alone, an outside address's name or network, or
 * an agent anomaly's end named by its pod with the agent's external name kept beside it (a
 * copy of the pod's labels and a text of the agent's, as long as a batch takes). Found in
 * review: told by reference alone, those copies weighed nothing, and anomalies forged with
 * long external names on a pod's address filled the heap within the byte bound.
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

    /**
     * The bytes of {@code stored}'s workload when it is the cluster state's: not the one the
     * agent sent (the same object), and without an external name.
     */
    private static int shared(Endpoint stored, Endpoint arrived) {
        if (!stored.hasWorkload() || stored.getWorkload() == arrived.getWorkload()
                || !stored.getWorkload().getExternalName().isEmpty()) {
            return 0;
        }
        return CodedOutputStream.computeMessageSize(WORKLOAD_FIELD, stored.getWorkload());
    }
}
