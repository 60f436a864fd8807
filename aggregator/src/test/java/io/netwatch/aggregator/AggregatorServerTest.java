package io.netwatch.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.netwatch.proto.ingest.v1.AgentMessage;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.FlowBatch;
import io.netwatch.proto.ingest.v1.Hello;
import io.netwatch.proto.ingest.v1.IngestGrpc;
import io.netwatch.aggregator.query.QueryService;
import io.netwatch.aggregator.store.StoreListener;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.query.v1.AgentInfo;
import io.netwatch.proto.query.v1.GetAgentsRequest;
import io.netwatch.proto.query.v1.GetAgentsResponse;
import io.netwatch.proto.query.v1.GetAnomaliesRequest;
import io.netwatch.proto.query.v1.GetAnomaliesResponse;
import io.netwatch.proto.query.v1.GetFlowsRequest;
import io.netwatch.proto.query.v1.GetFlowsResponse;
import io.netwatch.proto.query.v1.GetIncidentsRequest;
import io.netwatch.proto.query.v1.GetIncidentsResponse;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AggregatorServerTest {
    private static final long WAIT_SECONDS = 5;

    private static AggregatorServer startOnLoopback() throws Exception {
        return AggregatorServer.start(new AggregatorConfig(new InetSocketAddress("127.0.0.1", 0), 100, 100,
                Duration.ofMinutes(5)));
    }

    private static ManagedChannel channelTo(int port) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    private static void shutdown(ManagedChannel channel) throws InterruptedException {
        channel.shutdownNow();
        assertTrue(channel.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS));
    }

    @Test
    void servesQueriesOverLoopbackAndStopsOnClose() throws Exception {
        AggregatorServer server = startOnLoopback();
        int port = server.port();
        assertTrue(port > 0, "port " + port);
        ManagedChannel channel = channelTo(port);
        try {
            GetAgentsResponse agents = QueryGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
                    .getAgents(GetAgentsRequest.getDefaultInstance());
            assertEquals(0, agents.getAgentsCount());
        } finally {
            server.close();
        }

        // Closed: the port no longer answers.
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> QueryGrpc.newBlockingStub(channel)
                .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
                .getAgents(GetAgentsRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        shutdown(channel);
    }

    /** Holds each flow stored until released: an agent's batch stuck in the store. */
    private static final class HeldStore implements StoreListener {
        final CountDownLatch storing = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void flowStored(Flow flow, long receivedMillis) {
            storing.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Sends a hello and one batch on {@code agent}, and returns once the batch is being stored. */
        void sendOneBatch(StreamObserver<AgentMessage> agent) throws InterruptedException {
            agent.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setNodeName("node-a")
                    .setBootId("boot-1").setVersion("test")).build());
            agent.onNext(AgentMessage.newBuilder().setFlows(FlowBatch.newBuilder().setSequence(1)
                    .addFlows(FlowFixtures.flow(1))).build());
            assertTrue(storing.await(WAIT_SECONDS, TimeUnit.SECONDS), "the batch is being stored");
        }
    }

    /**
     * Found in review: an interrupt during the drain skipped the rest of the server's stop, so
     * the calls it had not waited for were never cancelled: an agent's stream stuck on a batch
     * stayed open past close(), still storing into stages close() went on to stop. An interrupt
     * cuts the graceful wait short, not the stop.
     */
    @Test
    void anInterruptedCloseStillCancelsTheStreamsItDidNotWaitFor() throws Exception {
        AggregatorServer server = startOnLoopback();
        HeldStore held = new HeldStore();
        server.store().listen(held);
        ManagedChannel channel = channelTo(server.port());
        CompletableFuture<Status> ended = new CompletableFuture<>();
        try {
            StreamObserver<AgentMessage> agent = IngestGrpc.newStub(channel).connect(new StreamObserver<>() {
                @Override
                public void onNext(AggregatorMessage m) {
                }

                @Override
                public void onError(Throwable t) {
                    ended.complete(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                    ended.complete(Status.OK);
                }
            });
            held.sendOneBatch(agent);
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, server::close);
            assertFalse(Thread.currentThread().isInterrupted(), "the interrupt is thrown, not left in the flag too");
            assertFalse(ended.get(WAIT_SECONDS, TimeUnit.SECONDS).isOk(), "the stuck stream was cancelled");
        } finally {
            held.release.countDown();
            shutdown(channel);
        }
    }

    @Test
    void aStoppingAggregatorIsNotReadyWhileItsStreamsDrain() throws Exception {
        // /readyz said ready through the whole drain (up to shutdown.grace_period), and the gRPC
        // health service SERVING, while the server took no new call.
        AggregatorServer server = AggregatorServer.start(AggregatorConfig.listenOn(new InetSocketAddress("127.0.0.1", 0))
                .withMetrics(new InetSocketAddress("127.0.0.1", 0)));
        HeldStore held = new HeldStore();
        server.store().listen(held);
        ManagedChannel channel = channelTo(server.port());
        HttpClient http = HttpClient.newHttpClient();
        URI readyz = URI.create("http://127.0.0.1:" + server.metricsPort() + "/readyz");
        Thread closing = Thread.ofPlatform().unstarted(() -> {
            try {
                server.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            assertEquals(200, http.send(HttpRequest.newBuilder(readyz).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode(), "ready before the stop");
            StreamObserver<AgentMessage> agent = IngestGrpc.newStub(channel).connect(new RecordingObserver<>());
            held.sendOneBatch(agent);
            closing.start();
            int status = 200;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (status == 200 && System.nanoTime() < until) {
                Thread.sleep(50);
                status = http.send(HttpRequest.newBuilder(readyz).GET().build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode();
            }
            assertEquals(503, status, "not ready while the stream drains");
            assertTrue(closing.isAlive(), "still draining when asked");
        } finally {
            held.release.countDown();
            closing.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            shutdown(channel);
        }
    }

    @Test
    void ingestAndQueryShareOnePortAndTheAgentsPeerIsItsAddress() throws Exception {
        try (AggregatorServer server = startOnLoopback()) {
            ManagedChannel channel = channelTo(server.port());
            try {
                RecordingObserver<AggregatorMessage> replies = new RecordingObserver<>();
                BlockingQueue<AggregatorMessage> acks = replies.received;
                CompletableFuture<Status> closed = replies.closed;
                StreamObserver<AgentMessage> agent = IngestGrpc.newStub(channel)
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .connect(replies);
                agent.onNext(AgentMessage.newBuilder()
                        .setHello(Hello.newBuilder().setNodeName("node-a").setBootId("boot-1")).build());
                agent.onNext(AgentMessage.newBuilder().setFlows(FlowBatch.newBuilder().setSequence(1)
                        .addFlows(FlowFixtures.flow(1))).build());
                AggregatorMessage ack = acks.poll(WAIT_SECONDS, TimeUnit.SECONDS);
                assertNotNull(ack);
                assertEquals(1, ack.getAck().getSequence());
                assertEquals(1, server.store().flows().size());

                AgentInfo info = QueryGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
                        .getAgents(GetAgentsRequest.getDefaultInstance())
                        .getAgents(0);
                assertEquals("node-a", info.getNodeName());
                assertTrue(info.getConnected());
                assertEquals(1, info.getFlowsReceived());
                // The peer interceptor is installed: the agent's address is recorded.
                assertTrue(info.getPeer().contains("127.0.0.1"), "peer '" + info.getPeer() + "'");

                agent.onCompleted();
                assertEquals(Status.Code.OK, closed.get(WAIT_SECONDS, TimeUnit.SECONDS).getCode());
                assertFalse(server.registry().snapshot().getFirst().connected());
            } finally {
                shutdown(channel);
            }
        }
    }
    /**
     * Found by a user: a stopping aggregator left its follow calls open (they never end by
     * themselves), then cancelled them, and `observe --follow` could only say it "lost the
     * aggregator", as of a crash. Each ends UNAVAILABLE with why, as soon as the stop begins,
     * whether it had sent records or not.
     */
    @Test
    void closeEndsEachFollowCallWithUnavailableSayingItIsStopping() throws Exception {
        AggregatorServer server = startOnLoopback();
        ManagedChannel channel = channelTo(server.port());
        RecordingObserver<GetFlowsResponse> flows = new RecordingObserver<>();
        RecordingObserver<GetAnomaliesResponse> anomalies = new RecordingObserver<>();
        RecordingObserver<GetIncidentsResponse> incidents = new RecordingObserver<>();
        try {
            server.store().flows().append(FlowFixtures.flow(1), System.currentTimeMillis());
            QueryGrpc.QueryStub query = QueryGrpc.newStub(channel);
            query.getFlows(GetFlowsRequest.newBuilder().setFollow(true).build(), flows);
            query.getAnomalies(GetAnomaliesRequest.newBuilder().setFollow(true).build(), anomalies);
            query.getIncidents(GetIncidentsRequest.newBuilder().setFollow(true).build(), incidents);
            GetFlowsResponse first = flows.received.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(first, "the stored flow was not sent");
            assertEquals(1, first.getFlow().getFlowId());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (server.queryStreams().open() < 3) {
                assertTrue(System.nanoTime() < deadline, server.queryStreams().open() + " follow calls open");
                Thread.sleep(10);
            }
        } finally {
            server.close();
        }
        try {
            for (RecordingObserver<?> follower : List.of(flows, anomalies, incidents)) {
                Status end = follower.closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
                assertEquals(Status.Code.UNAVAILABLE, end.getCode(), end.toString());
                assertEquals(QueryService.STOPPING, end.getDescription());
            }
        } finally {
            shutdown(channel);
        }
    }
}
