package io.netwatch.aggregator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
