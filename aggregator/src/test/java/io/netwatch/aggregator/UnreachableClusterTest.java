package io.netwatch.aggregator;

import static io.netwatch.aggregator.FlowFixtures.flow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.netwatch.proto.ingest.v1.AgentMessage;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.FlowBatch;
import io.netwatch.proto.ingest.v1.Hello;
import io.netwatch.proto.ingest.v1.IngestGrpc;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** An API server that does not answer keeps readiness down; the aggregator still takes flows. */
class UnreachableClusterTest {
    private static final long WAIT_SECONDS = 10;

    @Test
    void readinessStaysDownWithAReasonAndFlowsAreStoredUnjudged() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + closedPort).withRequestRetryBackoffLimit(0).build()).build();
             AggregatorServer aggregator = AggregatorServer.start(new AggregatorConfig(
                     new InetSocketAddress("127.0.0.1", 0), 100, 100, Duration.ofHours(1)), client)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (aggregator.identity().watcher().failures() == 0) {
                if (System.nanoTime() > deadline) {
                    fail("no failure reported");
                }
                Thread.sleep(20);
            }
            assertFalse(aggregator.ready());
            String problem = aggregator.identity().watcher().problem();
            assertNotNull(problem);
            assertTrue(problem.contains("Connect"), problem);

            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", aggregator.port()).usePlaintext().build();
            try {
                assertEquals(HealthCheckResponse.ServingStatus.NOT_SERVING, HealthGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.getDefaultInstance()).getStatus());
                RecordingObserver<AggregatorMessage> replies = new RecordingObserver<>();
                BlockingQueue<AggregatorMessage> acks = replies.received;
                StreamObserver<AgentMessage> agent = IngestGrpc.newStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .connect(replies);
                agent.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setNodeName("node-a")
                        .setBootId("b")).build());
                agent.onNext(AgentMessage.newBuilder().setFlows(FlowBatch.newBuilder().setSequence(1).addFlows(flow(1)))
                        .build());
                assertNotNull(acks.poll(WAIT_SECONDS, TimeUnit.SECONDS), "stored and acknowledged");
                var stored = aggregator.store().flows().read(0, 10).entries();
                assertEquals(1, stored.size());
                assertEquals("cluster not listed yet", stored.getFirst().value().getPolicy().getReason());
                agent.onCompleted();
            } finally {
                channel.shutdownNow();
                channel.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }
}
