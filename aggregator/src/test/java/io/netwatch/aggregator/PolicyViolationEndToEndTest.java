package io.netwatch.aggregator;

import static io.netwatch.aggregator.identity.ClusterObjects.denyIngress;
import static io.netwatch.aggregator.identity.ClusterObjects.namespace;
import static io.netwatch.aggregator.identity.ClusterObjects.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.util.Timestamps;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.PolicyDecision;
import io.netwatch.proto.flow.v1.TCP;
import io.netwatch.proto.flow.v1.TcpState;
import io.netwatch.proto.query.v1.GetAnomaliesRequest;
import io.netwatch.proto.query.v1.GetFlowsRequest;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The whole aggregator on loopback, watching fabric8's Kubernetes mock server in CRUD mode
 * (there is no API server on the build machines): an agent-like client sends flows over the
 * real ingest stream, and the query API returns the policy_violation that
 * {@code netwatch anomalies} prints.
 */
@EnableKubernetesMockClient(crud = true)
class PolicyViolationEndToEndTest {
    private static final long WAIT_SECONDS = 10;

    static {
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
    }

    KubernetesMockServer server;
    KubernetesClient client;

    private static Flow established(long id, String src, String dst, int port, long second) {
        return Flow.newBuilder().setFlowId(id).setNodeName("node-a")
                .setSource(Endpoint.newBuilder().setIp(src).setPort(40000 + (int) id))
                .setDestination(Endpoint.newBuilder().setIp(dst).setPort(port))
                .setIpProtocol(6).setIpVersion(4)
                .setTcp(TCP.newBuilder().setState(TcpState.TCP_STATE_CLOSED).setFlagsToServer(0x1b).setFlagsToClient(0x1b))
                .setToServer(Counters.newBuilder().setPackets(6).setBytes(600))
                .setToClient(Counters.newBuilder().setPackets(5).setBytes(900))
                .setFirstSeen(Timestamps.fromSeconds(second)).setLastSeen(Timestamps.fromSeconds(second + 1))
                .build();
    }

    @Test
    void anEstablishedFlowThePoliciesDenyIsAPolicyViolationNamingThePolicy() throws Exception {
        client.namespaces().resource(namespace("shop", Map.of())).create();
        client.pods().resource(pod("shop", "frontend", "10.244.1.5", Map.of("app", "frontend"), null)).create();
        client.pods().resource(pod("shop", "cart", "10.244.1.6", Map.of("app", "cart"), null)).create();
        client.network().v1().networkPolicies().resource(denyIngress("shop", "default-deny")).create();

        try (AggregatorServer aggregator = AggregatorServer.start(
                new AggregatorConfig(new InetSocketAddress("127.0.0.1", 0), 100, 100, Duration.ofHours(1)), client)) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", aggregator.port()).usePlaintext().build();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
                while (!aggregator.ready() || aggregator.identity().history().current().policies().isEmpty()) {
                    if (System.nanoTime() > deadline) {
                        fail("the aggregator did not list the cluster: " + aggregator.identity().watcher().problem());
                    }
                    Thread.sleep(20);
                }
                await(() -> health(channel) == HealthCheckResponse.ServingStatus.SERVING, "health SERVING");

                long now = System.currentTimeMillis() / 1000;
                TestAgent agent = TestAgent.connect(channel, "node-a");
                // Two established connections of the pair, and one whose SYN went unanswered.
                Flow unanswered = established(3, "10.244.1.5", "10.244.1.6", 8080, now).toBuilder()
                        .setTcp(TCP.newBuilder().setState(TcpState.TCP_STATE_SYN_SENT).setFlagsToServer(0x02))
                        .setToClient(Counters.getDefaultInstance()).build();
                agent.sendFlows(List.of(established(1, "10.244.1.5", "10.244.1.6", 8080, now),
                        established(2, "10.244.1.5", "10.244.1.6", 8080, now + 2), unanswered));

                List<Anomaly> anomalies = new ArrayList<>();
                QueryGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
                        .getAnomalies(GetAnomaliesRequest.newBuilder().addAnomalyType("policy_violation").build())
                        .forEachRemaining(r -> anomalies.add(r.getAnomaly()));
                assertEquals(1, anomalies.size(), "one anomaly for the pair: " + anomalies);
                Anomaly a = anomalies.getFirst();
                assertEquals("aggregator.policy", a.getDetector());
                assertEquals("shop", a.getSource().getWorkload().getNamespace());
                assertEquals("frontend", a.getSource().getWorkload().getPodName());
                assertEquals("cart", a.getDestination().getWorkload().getPodName());
                assertEquals(List.of(1L), a.getEvidenceFlowIdsList());
                String summary = a.getExplanation().getSummary();
                assertTrue(summary.startsWith("shop/frontend → shop/cart 8080/TCP was established"), summary);
                assertTrue(summary.contains("ingress to shop/cart denied by shop/default-deny"), summary);
                assertEquals(1, aggregator.identity().reporter().suppressed(), "the second flow was counted");

                List<Flow> flows = new ArrayList<>();
                QueryGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
                        .getFlows(GetFlowsRequest.getDefaultInstance()).forEachRemaining(r -> flows.add(r.getFlow()));
                assertEquals(3, flows.size());
                for (Flow f : flows) {
                    assertEquals("frontend", f.getSource().getWorkload().getPodName(), "enriched before storing");
                    assertEquals(PolicyDecision.POLICY_DECISION_DENIED, f.getPolicy().getDecision());
                    assertEquals(List.of("shop/default-deny"), f.getPolicy().getPoliciesList());
                }
                assertFalse(anomalies.stream().anyMatch(x -> x.getEvidenceFlowIdsList().contains(3L)),
                        "an unanswered SYN was enforced: no violation");
                agent.close();
            } finally {
                channel.shutdownNow();
                channel.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    private static HealthCheckResponse.ServingStatus health(ManagedChannel channel) {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    }

    private static void await(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
