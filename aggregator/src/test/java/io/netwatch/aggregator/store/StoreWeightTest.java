package io.netwatch.aggregator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.CodedOutputStream;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StoreWeightTest {
    private static Workload pod(String name) {
        Workload.Builder w = Workload.newBuilder().setNamespace("shop").setPodName(name).setWorkloadKind("Deployment")
                .setWorkloadName("cart");
        for (int i = 0; i < 10; i++) {
            w.putLabels("app.kubernetes.io/label-" + i, "value-" + i);
        }
        return w.build();
    }

    private static int bytes(Workload w) {
        return CodedOutputStream.computeMessageSize(Endpoint.WORKLOAD_FIELD_NUMBER, w);
    }

    @Test
    void workloadsTheAggregatorSetWeighNothingAndThoseTheAgentSentAndTheAggregatorKeptWeighTheirBytes() {
        Workload agentCopy = pod("cart-1");
        Flow arrived = Flow.newBuilder().setFlowId(1).setNodeName("node-a")
                .setSource(Endpoint.newBuilder().setIp("10.244.1.5").setPort(43210).setWorkload(agentCopy))
                .setDestination(Endpoint.newBuilder().setIp("10.244.2.7").setPort(8080)).build();
        // The source's workload replaced by the cluster state's own object, one for the pod
        // whatever its flows; the destination's set from the cluster state too.
        Workload shared = pod("cart-1");
        Workload server = pod("db-0");
        Flow enriched = arrived.toBuilder().setSource(arrived.getSource().toBuilder().setWorkload(shared))
                .setDestination(arrived.getDestination().toBuilder().setWorkload(server)).build();
        assertEquals(enriched.getSerializedSize() - bytes(shared) - bytes(server), StoreWeight.flow(arrived, enriched));
        // Judged after it is enriched, as the ingest stage does: the endpoints are the same objects.
        Flow judged = enriched.toBuilder().setPolicy(io.netwatch.proto.flow.v1.PolicyVerdict.newBuilder()
                .setDecision(io.netwatch.proto.flow.v1.PolicyDecision.POLICY_DECISION_ALLOWED)).build();
        assertEquals(judged.getSerializedSize() - bytes(shared) - bytes(server), StoreWeight.flow(arrived, judged));

        // The agent's copy kept (the aggregator knew nothing of the address): the record's own.
        Flow kept = arrived.toBuilder().setNodeName("node-b").build();
        assertEquals(kept.getSerializedSize(), StoreWeight.flow(arrived, kept));

        Anomaly anomaly = Anomaly.newBuilder().setAnomalyType("port_scan").setSource(arrived.getSource()).build();
        Anomaly named = anomaly.toBuilder().setSource(anomaly.getSource().toBuilder().setWorkload(shared)).build();
        assertEquals(named.getSerializedSize() - bytes(shared), StoreWeight.anomaly(anomaly, named));
        assertEquals(anomaly.getSerializedSize(), StoreWeight.anomaly(anomaly, anomaly));
    }

    @Test
    void theStoreHoldsTheWeightItIsGivenAgainstItsByteBound() {
        FlowStore store = new FlowStore(1_000, 1_000, 10, 1_000, Duration.ofHours(1));
        Flow f = Flow.newBuilder().setFlowId(1).setNodeName("x".repeat(400)).build();
        for (int i = 0; i < 10; i++) {
            store.addFlow(f, i, i, 100);
        }
        assertEquals(10, store.flows().size(), "ten of 100 fit in 1,000, whatever their encoded bytes (404)");
        assertEquals(1_000, store.flows().bytes());
        store.addFlow(f, 11, 11, 100);
        assertEquals(10, store.flows().size());
        assertEquals(1, store.flows().evicted());
    }
}
