package io.netwatch.aggregator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.proto.ingest.v1.Hello;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentRegistryTest {
    private static Hello hello(String node) {
        return Hello.newBuilder().setNodeName(node).setBootId("boot-1").build();
    }

    private static List<String> names(AgentRegistry r) {
        return r.snapshot().stream().map(a -> a.hello().getNodeName()).sorted().toList();
    }

    @Test
    void batchSequencesAreComparedAsTheUint64sTheyAre() {
        // Found in review: compared as signed longs, a sequence past 2^63 was below every
        // sequence stored, and taken for a duplicate.
        AgentRegistry r = new AgentRegistry();
        long c = r.connect(hello("node-a"), "10.0.0.1", 1_000);
        assertTrue(r.acceptBatch("node-a", c, 5, 1_000));
        assertTrue(r.acceptBatch("node-a", c, 1L << 63, 1_000), "2^63 is after 5");
        assertFalse(r.acceptBatch("node-a", c, 6, 1_000), "6 is before 2^63");
        assertTrue(r.acceptBatch("node-a", c, -1L, 1_000), "2^64-1 is after 2^63");
        assertEquals(1, r.snapshot().getFirst().duplicateBatches());
    }

    @Test
    void pastItsBoundTheAgentDisconnectedLongestAgoIsForgotten() {
        // Found in review: node churn (and any client that said hello under new names) grew
        // the registry for as long as the aggregator ran.
        AgentRegistry r = new AgentRegistry(3);
        long a = r.connect(hello("node-a"), "10.0.0.1", 1_000);
        long b = r.connect(hello("node-b"), "10.0.0.2", 1_000);
        long c = r.connect(hello("node-c"), "10.0.0.3", 1_000);
        r.disconnect("node-b", b, 2_000);
        r.disconnect("node-a", a, 3_000);

        assertTrue(r.connect(hello("node-d"), "10.0.0.4", 4_000) > 0);
        assertEquals(List.of("node-a", "node-c", "node-d"), names(r), "node-b left first");
        assertEquals(1, r.agentsForgotten());

        // A known node coming back takes no new place.
        assertTrue(r.connect(hello("node-c"), "10.0.0.3", 5_000) > c);
        assertEquals(3, r.knownAgents());

        r.connect(hello("node-a"), "10.0.0.1", 6_000);
        assertEquals(0, r.connect(hello("node-e"), "10.0.0.5", 7_000), "every known agent is connected: refused");
        assertEquals(List.of("node-a", "node-c", "node-d"), names(r));
        assertEquals(3, r.connectedAgents());
    }

    @Test
    void theBootIdOfAnOpenStreamIsNeverForgottenWhateverOthersSayHello() {
        // Found in review: four streams with fresh boot ids under a node's name pushed the
        // real agent's sequence out, and its resent batches were stored twice.
        AgentRegistry r = new AgentRegistry();
        long real = r.connect(hello("node-a"), "10.0.0.1", 1_000);
        assertTrue(r.acceptBatch("node-a", real, 7, 1_000));
        for (int i = 0; i < 10; i++) {
            Hello other = Hello.newBuilder().setNodeName("node-a").setBootId("other-" + i).build();
            long id = r.connect(other, "10.0.0.9", 2_000 + i);
            r.disconnect("node-a", id, 2_000 + i);
        }
        assertEquals(false, r.acceptBatch("node-a", real, 7, 3_000), "batch 7 again is a resend");
        assertTrue(r.acceptBatch("node-a", real, 8, 3_000));
        assertTrue(r.snapshot().getFirst().connected(), "the real stream is still open");
    }
}
