package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netwatch.agent.AgentMain;
import io.netwatch.agent.BuildInfo;
import io.netwatch.agent.baseline.BaselineCopy;
import io.netwatch.agent.baseline.EdgeNamer;
import io.netwatch.agent.export.AgentHealth;
import io.netwatch.agent.export.ExportConfig;
import io.netwatch.agent.export.FlowStreamer;
import io.netwatch.agent.identity.FlowIdentities;
import io.netwatch.agent.identity.IdentityCache;
import io.netwatch.agent.identity.IdentityUpdates;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.agent.score.Detectors;
import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.aggregator.baseline.BaselineConfig;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The aggregator learns an edge's volume, pushes its baseline over the real ingest stream to
 * the agent's real streamer, and the agent's detectors raise volume_spike when the bytes jump.
 */
class BaselinePushEndToEndTest {
    private static final Workload WEB = Workload.newBuilder().setNamespace("shop").setPodName("web-7d9f-abcde")
            .setWorkloadKind("Deployment").setWorkloadName("web").build();
    private static final Workload DB = Workload.newBuilder().setNamespace("shop").setPodName("db-0")
            .setWorkloadKind("StatefulSet").setWorkloadName("db").build();

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting until " + what);
            }
            Thread.sleep(10);
        }
    }

    private static Flow transfer(long id, boolean labelled, long atMillis, long bytes) {
        Endpoint.Builder src = Endpoint.newBuilder().setIp("10.244.1.5").setPort(40000);
        Endpoint.Builder dst = Endpoint.newBuilder().setIp("10.244.2.6").setPort(5432);
        if (labelled) {
            src.setWorkload(WEB);
            dst.setWorkload(DB);
        }
        return Flow.newBuilder().setFlowId(id).setNodeName("node-a").setSource(src).setDestination(dst).setIpProtocol(6)
                .setIpVersion(4).setToServer(Counters.newBuilder().setPackets(100).setBytes(bytes))
                .setFirstSeen(Timestamps.fromMillis(atMillis)).setLastSeen(Timestamps.fromMillis(atMillis + 1000))
                .build();
    }

    @Test
    void theAgentGetsTheLearnedBaselineAndRaisesVolumeSpikeWhenBytesJump() throws Exception {
        BaselineConfig baseline = BaselineConfig.defaults().withPublishEvery(Duration.ofHours(1));
        AggregatorConfig config = new AggregatorConfig(new InetSocketAddress("127.0.0.1", 0), 10_000, 1000,
                Duration.ofHours(1)).withBaseline(baseline);
        ExportConfig export = new ExportConfig(16, Duration.ofMillis(20), 1000, 100, Duration.ofMillis(20),
                Duration.ofMillis(200), Duration.ofMillis(200));
        IdentityUpdates updates = new IdentityUpdates(new IdentityCache(64));
        IdentityCache identities = updates.cache();
        identities.upsert("10.244.1.5", WEB);
        identities.upsert("10.244.2.6", DB);
        BaselineCopy copy = new BaselineCopy(BaselineCopy.DEFAULT_MAX_EDGES, new EdgeNamer(identities));
        List<Anomaly> raised = new ArrayList<>();
        Detectors detectors = new Detectors(DetectionConfig.defaults(), raised::add, "node-a", copy);
        long minute = System.currentTimeMillis() / 60_000 * 60_000;
        // Both transfers below must end in one capture-time minute (the detector sums bytes
        // per edge and minute of a flow's end): ten seconds into this minute leaves room.
        long now = minute + 10_000;

        // Before any baseline: a big transfer is nothing to compare with.
        detectors.onFlow(transfer(1, false, now, 50_000_000));
        assertEquals(List.of(), raised);

        try (AggregatorServer aggregator = AggregatorServer.start(config)) {
            // Thirty past minutes of 200-300 KB on web -> db, as stored (enriched) flows.
            for (int m = 30; m >= 1; m--) {
                long at = minute - m * 60_000L;
                aggregator.store().addFlow(transfer(100 + m, true, at, 200_000 + (m % 3) * 50_000), at);
            }
            aggregator.baselines().flush();
            assertEquals(1, aggregator.baselines().snapshot().edges().size());

            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", aggregator.port()).usePlaintext()
                    .build();
            FlowStreamer streamer = new FlowStreamer(channel, export, AgentMain.hello("node-a", "test",
                    BuildInfo.current()), AgentHealth.NONE, updates::apply, new FlowIdentities(identities)::label)
                    .baselines(copy::apply).start();
            try {
                await(() -> copy.snapshots() == 1, "the baseline reached the agent");
                assertEquals(1, copy.size());
                assertEquals(1, aggregator.registry().snapshot().size());

                // An ordinary minute, then the bytes jump.
                detectors.onFlow(transfer(2, false, now, 260_000));
                assertEquals(List.of(), raised, "within the baseline");
                detectors.onFlow(transfer(3, false, now + 2_000, 5_000_000));
                assertEquals(1, raised.size());
                Anomaly a = raised.getFirst();
                assertEquals("volume_spike", a.getAnomalyType());
                assertEquals(5_260_000, a.getExplanation().getObservations(0).getObserved(), 0);
                assertEquals(250_000, a.getExplanation().getObservations(0).getExpected(), 1);
                assertTrue(a.getExplanation().getSummary().startsWith(
                        "edge shop/Deployment/web -> shop/StatefulSet/db:5432/6 carried 5260000 bytes"),
                        a.getExplanation().getSummary());
                assertEquals(1, detectors.counts().total(), "counted by type like every other anomaly");
            } finally {
                streamer.close();
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void anEdgeThatExpiresLeavesTheAgentsCopy() throws Exception {
        BaselineConfig baseline = BaselineConfig.defaults().withPublishEvery(Duration.ofMillis(100))
                .withEdgeExpiry(Duration.ofSeconds(1));
        AggregatorConfig config = new AggregatorConfig(new InetSocketAddress("127.0.0.1", 0), 10_000, 1000,
                Duration.ofHours(1)).withBaseline(baseline);
        ExportConfig export = new ExportConfig(16, Duration.ofMillis(20), 1000, 100, Duration.ofMillis(20),
                Duration.ofMillis(200), Duration.ofMillis(200));
        IdentityUpdates updates = new IdentityUpdates(new IdentityCache(64));
        BaselineCopy copy = new BaselineCopy(BaselineCopy.DEFAULT_MAX_EDGES, new EdgeNamer(updates.cache()));
        try (AggregatorServer aggregator = AggregatorServer.start(config)) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", aggregator.port()).usePlaintext()
                    .build();
            FlowStreamer streamer = new FlowStreamer(channel, export, AgentMain.hello("node-a", "test",
                    BuildInfo.current()), AgentHealth.NONE, updates::apply,
                    new FlowIdentities(updates.cache())::label).baselines(copy::apply).start();
            try {
                long[] id = {1};
                // Used until the agent has it, however long connecting takes.
                await(() -> {
                    long now = System.currentTimeMillis();
                    aggregator.store().addFlow(transfer(id[0]++, true, now, 1000), now);
                    return copy.size() == 1;
                }, "the edge reached the agent");
                long before = copy.snapshots();
                await(() -> copy.size() == 0, "the expired edge left the agent's copy");
                assertTrue(copy.snapshots() > before, "by a snapshot of its own");
                assertTrue(aggregator.baselines().stats().edgesExpired() >= 1);
                assertEquals(0, aggregator.baselines().stats().edges());
            } finally {
                streamer.close();
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
