package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.util.Timestamps;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netwatch.agent.AgentMain;
import io.netwatch.agent.BuildInfo;
import io.netwatch.agent.export.AgentHealth;
import io.netwatch.agent.export.ExportConfig;
import io.netwatch.agent.export.FlowStreamer;
import io.netwatch.agent.identity.FlowIdentities;
import io.netwatch.agent.identity.IdentityCache;
import io.netwatch.agent.identity.IdentityUpdates;
import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.aggregator.ingest.IdentityStreamConfig;
import io.netwatch.aggregator.store.BoundedLog;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;
import io.netwatch.proto.query.v1.AgentInfo;
import io.netwatch.proto.query.v1.GetAgentsRequest;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Identities from the cluster to the agent's exported flows, over real gRPC on loopback: an
 * aggregator watching fabric8's Kubernetes mock server in CRUD mode streams its snapshot to
 * a real agent streamer, then the change when a pod is deleted and its address reused by a
 * new pod; the aggregator's history keeps a flow that started before the reuse with the old
 * pod; once the aggregator is gone the agent goes on labelling from its last copy, which a
 * plain aggregator (no cluster, flows stored as they come) shows. The agent's version is what
 * GetAgents and {@code netwatch agents} report.
 */
@EnableKubernetesMockClient(crud = true)
class IdentityStreamEndToEndTest {
    static {
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
    }

    KubernetesMockServer server;
    KubernetesClient client;

    private static Pod pod(String name, String ip) {
        return new PodBuilder().withNewMetadata().withNamespace("shop").withName(name)
                .withUid(UUID.randomUUID().toString()).withLabels(Map.of("app", name.replaceAll("-\\d+$", "")))
                .endMetadata()
                .withNewSpec().withNodeName("node-a").endSpec()
                .withNewStatus().withPhase("Running").withPodIP(ip).endStatus().build();
    }

    private static Flow flow(long id, long startMillis) {
        return Flow.newBuilder().setFlowId(id).setNodeName("node-a")
                .setSource(Endpoint.newBuilder().setIp("10.244.1.5").setPort(41000))
                .setDestination(Endpoint.newBuilder().setIp("10.244.1.6").setPort(5432))
                .setIpProtocol(6).setIpVersion(4)
                .setFirstSeen(Timestamps.fromMillis(startMillis)).setLastSeen(Timestamps.fromMillis(startMillis))
                .build();
    }

    private static String pod(Workload w) {
        return w.getNamespace() + "/" + w.getPodName();
    }

    private static Flow stored(AggregatorServer a, long flowId) {
        BoundedLog.Read<Flow> read = a.store().flows().read(0, Integer.MAX_VALUE);
        return read.entries().stream().map(BoundedLog.Entry::value).filter(f -> f.getFlowId() == flowId)
                .findFirst().orElseThrow(() -> new AssertionError("flow " + flowId + " not stored"));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting until " + what);
            }
            Thread.sleep(10);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String holder(IdentityCache cache, String ip) {
        Workload w = cache.lookup(ip);
        return w == null ? null : pod(w);
    }

    @Test
    void theAgentLabelsFlowsFromTheStreamedIdentitiesFollowsPodChurnAndKeepsItsCopyWhenTheAggregatorGoes()
            throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build())
                .create();
        client.pods().resource(pod("web-1", "10.244.1.5")).create();
        client.pods().resource(pod("db-1", "10.244.1.6")).create();

        InetSocketAddress address = new InetSocketAddress("127.0.0.1", freePort());
        AggregatorConfig config = new AggregatorConfig(address, 1000, 100, Duration.ofHours(1));
        ExportConfig export = new ExportConfig(16, Duration.ofMillis(20), 1000, 100, Duration.ofMillis(20),
                Duration.ofMillis(200), Duration.ofMillis(200));
        IdentityUpdates updates = new IdentityUpdates(new IdentityCache(64));
        IdentityCache cache = updates.cache();
        FlowIdentities labels = new FlowIdentities(cache);
        BuildInfo build = BuildInfo.current();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", address.getPort()).usePlaintext().build();
        FlowStreamer streamer = null;
        try {
            long beforeChurn;
            try (AggregatorServer aggregator = AggregatorServer.start(config, client,
                    new IdentityStreamConfig(1024, 8192, Duration.ofMillis(20), 1000))) {
                streamer = new FlowStreamer(channel, export, AgentMain.hello("node-a", "test", build),
                        AgentHealth.NONE, updates::apply, labels::label).start();

                // The snapshot's count goes up just after its entries are in the cache: waited for
                // too (read at once, it was 0 in one run where the cache already held them).
                await(() -> "shop/web-1".equals(holder(cache, "10.244.1.5"))
                        && "shop/db-1".equals(holder(cache, "10.244.1.6")) && updates.snapshots() >= 1,
                        "the snapshot reached the agent");
                assertEquals(1, updates.snapshots());

                beforeChurn = System.currentTimeMillis();
                streamer.onFlow(flow(1, beforeChurn));
                FlowStreamer s = streamer;
                await(() -> s.flowsAcked() == 1, "flow 1 acknowledged");
                assertEquals("shop/web-1", pod(stored(aggregator, 1).getSource().getWorkload()));

                // The pod goes and a new pod of the same Deployment gets its address.
                Thread.sleep(50);
                client.pods().inNamespace("shop").withName("web-1").delete();
                await(() -> holder(cache, "10.244.1.5") == null
                        || "shop/web-2".equals(holder(cache, "10.244.1.5")), "the deletion reached the agent");
                client.pods().resource(pod("web-2", "10.244.1.5")).create();
                await(() -> "shop/web-2".equals(holder(cache, "10.244.1.5")), "the new holder reached the agent");
                assertEquals(1, updates.snapshots(), "changes came as updates, not snapshots");
                assertTrue(updates.deltas() >= 1);

                // A flow that started under web-1 but is exported now: the agent's copy says web-2,
                // the aggregator's history says web-1, and the aggregator wins.
                streamer.onFlow(flow(2, beforeChurn));
                await(() -> s.flowsAcked() == 2, "flow 2 acknowledged");
                assertEquals("shop/web-1", pod(stored(aggregator, 2).getSource().getWorkload()));
                assertEquals(1, aggregator.identity().enricher().agentLabelsOverruled());

                // The version the agent was built as, in GetAgents and in `netwatch agents`.
                ManagedChannel query = NettyChannelBuilder.forAddress("127.0.0.1", address.getPort()).usePlaintext()
                        .build();
                try {
                    AgentInfo info = QueryGrpc.newBlockingStub(query).withDeadlineAfter(10, TimeUnit.SECONDS)
                            .getAgents(GetAgentsRequest.getDefaultInstance()).getAgents(0);
                    assertEquals(build.version(), info.getVersion());
                    assertEquals(build.commit(), info.getGitCommit());
                    assertTrue(info.getIdentity().getSnapshots() >= 1, info.toString());
                    assertTrue(info.getIdentity().getEntries() >= 3, info.toString());
                    String line = AgentsCommand.describe(info);
                    assertTrue(line.contains("v" + build.version()), line);
                    assertTrue(line.contains("identities sent: 1 snapshots"), line);
                } finally {
                    query.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }

            // The aggregator is gone: the agent keeps its copy and goes on labelling.
            assertEquals("shop/web-2", holder(cache, "10.244.1.5"));
            long labelledBefore = labels.labelled();
            streamer.onFlow(flow(3, System.currentTimeMillis()));
            Thread.sleep(100);
            try (AggregatorServer plain = AggregatorServer.start(AggregatorConfig.listenOn(address))) {
                assertTrue(streamer.drain(Duration.ofSeconds(30)), "flow 3 acknowledged by the plain aggregator");
                Flow f = stored(plain, 3);
                assertEquals("shop/web-2", pod(f.getSource().getWorkload()), "labelled by the agent's last copy");
                assertEquals("shop/db-1", pod(f.getDestination().getWorkload()));
                assertEquals(labelledBefore + 2, labels.labelled());
                assertEquals("shop/web-2", holder(cache, "10.244.1.5"), "no snapshot from a cluster-less aggregator");
                assertEquals(1, updates.snapshots());
                assertFalse(plain.registry().snapshot().getFirst().identity() != null,
                        "a cluster-less aggregator streams no identities");
            }
        } finally {
            if (streamer != null) {
                streamer.close();
            }
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
