package io.netwatch.aggregator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.util.Timestamps;
import io.netwatch.aggregator.identity.AddressHolder;
import io.netwatch.aggregator.identity.AnomalyEnricher;
import io.netwatch.aggregator.identity.IdentityIndex;
import io.netwatch.aggregator.identity.IpKey;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;
import java.time.Duration;
import java.util.List;
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
    void anAgentsExternalNameKeptBesideThePodsWorkloadIsWeighed() {
        // Found in review: the anomaly enricher names a pod's address by the pod and keeps the
        // agent's external name beside it, in a workload made for this anomaly alone; told by
        // reference alone, it was the cluster state's and weighed nothing, external name and all.
        long t0 = 1_700_000_000_000_000_000L;
        IdentityIndex index = new IdentityIndex(100, 4, Duration.ofMinutes(5), Duration.ofSeconds(10),
                Duration.ofSeconds(2));
        index.claim(IpKey.parse("10.244.1.5"), new AddressHolder("uid-cart-1", pod("cart-1"), null, List.of()), t0);
        Anomaly arrived = Anomaly.newBuilder().setAnomalyType("dns_tunnel").setStart(Timestamps.fromNanos(t0 + 1_000))
                .setSource(Endpoint.newBuilder().setIp("10.244.1.5")
                        .setWorkload(Workload.newBuilder().setExternalName("x".repeat(100_000))))
                .build();
        Anomaly named = new AnomalyEnricher(index).enrich(arrived, t0 / 1_000_000 + 1_000);
        assertEquals("cart-1", named.getSource().getWorkload().getPodName());
        assertEquals(named.getSerializedSize(), StoreWeight.anomaly(arrived, named));

        // An end the history says nobody held then keeps the agent's external name alone, in a
        // new workload: weighed too.
        Anomaly later = arrived.toBuilder().setStart(Timestamps.fromNanos(t0 - 1_000_000_000_000L))
                .setSource(arrived.getSource().toBuilder().setWorkload(arrived.getSource().getWorkload().toBuilder()
                        .setNamespace("shop").setPodName("gone-1")))
                .build();
        Anomaly dropped = new AnomalyEnricher(index).enrich(later, t0 / 1_000_000 + 1_000);
        assertEquals("", dropped.getSource().getWorkload().getPodName());
        assertEquals(dropped.getSerializedSize(), StoreWeight.anomaly(later, dropped));
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
