package io.netwatch.aggregator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Flow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlowStoreTest {
    @Test
    void listenersSeeEveryStoredRecordAndAThrowingOneCostsNothingButACount() {
        FlowStore store = new FlowStore(10, 10, Duration.ofHours(1));
        List<String> seen = new ArrayList<>();
        store.listen(new StoreListener() {
            @Override
            public void flowStored(Flow flow, long receivedMillis) {
                throw new IllegalStateException("broken listener");
            }
        });
        store.listen(new StoreListener() {
            @Override
            public void flowStored(Flow flow, long receivedMillis) {
                seen.add("flow " + flow.getFlowId() + " @" + receivedMillis);
            }

            @Override
            public void anomalyStored(Anomaly anomaly, long receivedMillis) {
                seen.add(anomaly.getAnomalyType() + " @" + receivedMillis);
            }
        });

        store.addFlow(Flow.newBuilder().setFlowId(7).build(), 100);
        store.addAnomaly(Anomaly.newBuilder().setAnomalyType("port_scan").build(), 200);

        assertEquals(List.of("flow 7 @100", "port_scan @200"), seen);
        assertEquals(1, store.flows().size());
        assertEquals(1, store.anomalies().size());
        assertEquals(1, store.listenerFailures());
    }

    @Test
    void theByteBoundsAreSharesOfTheHeap() {
        FlowStore store = new FlowStore(10, 10, Duration.ofHours(1));
        long heap = Runtime.getRuntime().maxMemory();
        assertEquals(heap / 4, store.flows().maxBytes());
        assertEquals(heap / 16, store.anomalies().maxBytes());
    }

    @Test
    void recordsAsLargeAsABatchTakesAreBoundedByBytesNotOnlyByCount() {
        // Found in review: bounded by count alone, 1,000 flows of 100 KB (as one node's root can
        // forge them, each batch under the 4 MiB gRPC takes) were all held: 100 MB where this
        // store's byte bound is 2 MB, and at the default 500,000 flows, 50 GB.
        long bound = 2_000_000;
        FlowStore store = new FlowStore(1_000, bound, 10, 20_000, Duration.ofHours(1));
        String big = "x".repeat(100_000);
        for (int i = 1; i <= 1_000; i++) {
            store.addFlow(Flow.newBuilder().setFlowId(i).setNodeName(big).build(), i);
        }
        assertTrue(store.flows().bytes() <= bound, store.flows().bytes() + " bytes held");
        int each = Flow.newBuilder().setFlowId(1_000).setNodeName(big).build().getSerializedSize();
        assertEquals(bound / each, store.flows().size(), "as many of the newest as the bound holds");
        assertEquals(1_000 - store.flows().size(), store.flows().evicted());
        assertEquals(1_000, store.flows().read(store.flows().firstIndex(), 100).entries().getLast().value().getFlowId(),
                "the newest are kept");

        // Flows of the size agents send are bounded by count, as before.
        FlowStore usual = new FlowStore(1_000, bound, 10, 20_000, Duration.ofHours(1));
        for (int i = 1; i <= 1_500; i++) {
            usual.addFlow(Flow.newBuilder().setFlowId(i).setNodeName("node-" + "n".repeat(400)).build(), i);
        }
        assertEquals(1_000, usual.flows().size());
        assertEquals(500, usual.flows().evicted());

        Anomaly large = Anomaly.newBuilder().setAnomalyType("port_scan").setAttackTechnique(big).build();
        for (int i = 0; i < 10; i++) {
            store.addAnomaly(large, i);
        }
        // Each weighs more than the whole bound (20 KB): the newest is kept alone.
        assertEquals(1, store.anomalies().size());
        assertEquals(9, store.anomalies().evicted());
    }
}
