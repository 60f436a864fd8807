package io.netwatch.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.netwatch.aggregator.security.ServerLimits;
import io.netwatch.proto.query.v1.GetAgentsRequest;
import io.netwatch.proto.query.v1.GetFlowsRequest;
import io.netwatch.proto.query.v1.GetFlowsResponse;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server's bounds on what clients hold open, over a real loopback socket with grpc-java's
 * Netty client: calls per connection (HTTP/2 MAX_CONCURRENT_STREAMS) and followed queries on
 * the whole server.
 */
class ServerLimitsTest {
    private static final long WAIT_SECONDS = 5;

    private final List<ManagedChannel> channels = new ArrayList<>();

    @AfterEach
    void closeChannels() throws InterruptedException {
        for (ManagedChannel c : channels) {
            c.shutdownNow();
            assertTrue(c.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS));
        }
    }

    private static AggregatorServer start(ServerLimits limits) throws Exception {
        AggregatorServer server = AggregatorServer.start(new AggregatorConfig(new InetSocketAddress("127.0.0.1", 0),
                100, 100, Duration.ofMinutes(5)).withLimits(limits));
        // One flow stored: a follow that reaches the server answers it at once.
        server.store().addFlow(FlowFixtures.flow(1), System.currentTimeMillis());
        return server;
    }

    private ManagedChannel channelTo(AggregatorServer server) {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        channels.add(c);
        return c;
    }

    /** A followed GetFlows: what it received, how it ended, and its cancel. */
    private static final class Follow extends RecordingObserver<GetFlowsResponse>
            implements ClientResponseObserver<GetFlowsRequest, GetFlowsResponse> {
        private ClientCallStreamObserver<GetFlowsRequest> call;

        @Override
        public void beforeStart(ClientCallStreamObserver<GetFlowsRequest> requestStream) {
            call = requestStream;
        }

        void cancel() {
            call.cancel("test is done with it", null);
        }
    }

    /** @param limit flows after which the server ends the call; 0 for none */
    private static Follow follow(ManagedChannel channel, int limit) {
        Follow f = new Follow();
        QueryGrpc.newStub(channel).getFlows(GetFlowsRequest.newBuilder().setFollow(true).setLimit(limit).build(), f);
        return f;
    }

    private static Follow follow(ManagedChannel channel) {
        return follow(channel, 0);
    }

    @Test
    void aCallPastTheConnectionsBoundWaitsOnTheClientUntilOneOfItsCallsEnds() throws Exception {
        try (AggregatorServer server = start(new ServerLimits(2, 100))) {
            ManagedChannel full = channelTo(server);
            // The first ends on the server's side once it has sent two flows; the second goes on.
            Follow first = follow(full, 2);
            Follow second = follow(full, 0);
            assertNotNull(first.received.poll(WAIT_SECONDS, TimeUnit.SECONDS));
            assertNotNull(second.received.poll(WAIT_SECONDS, TimeUnit.SECONDS));

            Follow third = follow(full, 0);
            // The same follow on another connection is answered: the bound is per connection.
            Follow elsewhere = follow(channelTo(server), 0);
            assertNotNull(elsewhere.received.poll(WAIT_SECONDS, TimeUnit.SECONDS));
            // The third waits in the client (grpc-java queues a stream past the server's
            // MAX_CONCURRENT_STREAMS): the server never saw it, so it answered nothing.
            assertNull(third.received.poll(1, TimeUnit.SECONDS));
            assertFalse(third.closed.isDone());

            server.store().addFlow(FlowFixtures.flow(2), System.currentTimeMillis());
            assertEquals(Status.Code.OK, first.closed.get(WAIT_SECONDS, TimeUnit.SECONDS).getCode());
            assertNotNull(third.received.poll(WAIT_SECONDS, TimeUnit.SECONDS), "sent once a call ended");
        }
    }

    @Test
    void aStreamingQueryPastTheServersBoundIsRefusedOnAnyConnectionAndItsPlaceFreedByACancel() throws Exception {
        try (AggregatorServer server = start(new ServerLimits(100, 2))) {
            ManagedChannel a = channelTo(server);
            Follow first = follow(a);
            Follow second = follow(channelTo(server));
            assertNotNull(first.received.poll(WAIT_SECONDS, TimeUnit.SECONDS));
            assertNotNull(second.received.poll(WAIT_SECONDS, TimeUnit.SECONDS));

            ManagedChannel c = channelTo(server);
            Follow third = follow(c);
            Status refused = third.closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getCode());
            assertTrue(refused.getDescription().contains("query.max_streams"), refused.getDescription());
            assertTrue(third.received.isEmpty());
            assertEquals(1, server.queryStreams().refused());
            assertEquals(2, server.queryStreams().open());
            // A unary query is not a stream: answered.
            assertEquals(0, QueryGrpc.newBlockingStub(c).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
                    .getAgents(GetAgentsRequest.getDefaultInstance()).getAgentsCount());

            // The server gives the place back once it has seen the cancel (its context's end).
            first.cancel();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (server.queryStreams().open() > 1 && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertEquals(1, server.queryStreams().open());
            Follow again = follow(a);
            assertNotNull(again.received.poll(WAIT_SECONDS, TimeUnit.SECONDS), "the cancelled follow's place");
            assertEquals(1, server.queryStreams().refused());
        }
    }
}
