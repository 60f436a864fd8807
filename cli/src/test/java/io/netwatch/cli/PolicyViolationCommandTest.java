package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.util.Timestamps;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.aggregator.TestAgent;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.TCP;
import io.netwatch.proto.flow.v1.TcpState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code netwatch anomalies} shows a policy_violation: an aggregator watching fabric8's
 * Kubernetes mock server in CRUD mode (no API server on the build machines), a flow the
 * policies deny sent over the real ingest stream, the command run as a user would.
 */
@EnableKubernetesMockClient(crud = true)
class PolicyViolationCommandTest {
    private static final long WAIT_SECONDS = 10;

    static {
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
    }

    KubernetesMockServer server;
    KubernetesClient client;

    private static Pod pod(String name, String ip) {
        return new PodBuilder().withNewMetadata().withNamespace("shop").withName(name).withUid(name + "-uid")
                .withLabels(Map.of("app", name)).endMetadata()
                .withNewSpec().withNodeName("node-a").endSpec()
                .withNewStatus().withPhase("Running").withPodIP(ip).endStatus().build();
    }

    @Test
    void anObservedFlowThePoliciesDenyShowsAsAPolicyViolationWithTheDecidingPolicy() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build())
                .create();
        client.pods().resource(pod("frontend", "10.244.1.5")).create();
        client.pods().resource(pod("cart", "10.244.1.6")).create();
        client.network().v1().networkPolicies().resource(new NetworkPolicyBuilder().withNewMetadata()
                .withNamespace("shop").withName("default-deny").endMetadata().withNewSpec().withNewPodSelector()
                .endPodSelector().withPolicyTypes("Ingress").endSpec().build()).create();

        try (AggregatorServer aggregator = AggregatorServer.start(new AggregatorConfig(
                new InetSocketAddress("127.0.0.1", 0), 100, 100, Duration.ofHours(1)), client)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (!aggregator.ready() || aggregator.identity().history().current().policies().isEmpty()) {
                if (System.nanoTime() > deadline) {
                    fail("cluster not listed: " + aggregator.identity().watcher().problem());
                }
                Thread.sleep(20);
            }
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", aggregator.port()).usePlaintext().build();
            try {
                TestAgent agent = TestAgent.connect(channel, "node-a");
                long now = System.currentTimeMillis() / 1000;
                agent.sendFlows(List.of(
                        Flow.newBuilder().setFlowId(7).setNodeName("node-a")
                                .setSource(Endpoint.newBuilder().setIp("10.244.1.5").setPort(41000))
                                .setDestination(Endpoint.newBuilder().setIp("10.244.1.6").setPort(8080))
                                .setIpProtocol(6).setIpVersion(4)
                                .setTcp(TCP.newBuilder().setState(TcpState.TCP_STATE_ESTABLISHED)
                                        .setFlagsToServer(0x12).setFlagsToClient(0x12))
                                .setToServer(Counters.newBuilder().setPackets(3))
                                .setToClient(Counters.newBuilder().setPackets(2))
                                .setFirstSeen(Timestamps.fromSeconds(now)).setLastSeen(Timestamps.fromSeconds(now))
                                .build()));
                agent.close();
            } finally {
                channel.shutdownNow();
                channel.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
            }

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrintStream saved = System.out;
            int status;
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            try {
                status = NetwatchMain.execute("anomalies", "--aggregator", "127.0.0.1:" + aggregator.port());
            } finally {
                System.setOut(saved);
            }
            String printed = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, status, printed);
            assertTrue(printed.contains("policy_violation"), printed);
            assertTrue(printed.contains("shop/frontend (10.244.1.5) -> shop/cart (10.244.1.6)"), printed);
            assertTrue(printed.contains("shop/frontend → shop/cart 8080/TCP was established"), printed);
            assertTrue(printed.contains("denied by shop/default-deny"), printed);
        }
    }
}
