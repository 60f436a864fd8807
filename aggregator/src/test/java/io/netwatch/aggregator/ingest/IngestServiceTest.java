package io.netwatch.aggregator.ingest;

import static io.netwatch.aggregator.FlowFixtures.flow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ForwardingServerCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netwatch.aggregator.RecordingObserver;
import io.netwatch.aggregator.store.AgentRegistry;
import io.netwatch.aggregator.store.BoundedLog;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.LossCounter;
import io.netwatch.proto.flow.v1.LossReason;
import io.netwatch.proto.flow.v1.LossReport;
import io.netwatch.proto.ingest.v1.AgentMessage;
import io.netwatch.proto.ingest.v1.AgentStatus;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.AnomalyBatch;
import io.netwatch.proto.ingest.v1.FlowBatch;
import io.netwatch.proto.ingest.v1.Hello;
import io.netwatch.proto.ingest.v1.IngestGrpc;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class IngestServiceTest {
    private static final long WAIT_SECONDS = 5;

    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    private FlowStore store;
    private AgentRegistry registry;
    private Server server;
    private ManagedChannel channel;

    private IngestService service;

    @BeforeEach
    void start() throws IOException {
        start(FlowStage.NONE);
    }

    private void start(FlowStage stage) throws IOException {
        start(stage, AnomalyStage.NONE);
    }

    private void start(FlowStage stage, AnomalyStage anomalyStage) throws IOException {
        store = new FlowStore(100, 100, Duration.ofHours(1));
        registry = new AgentRegistry();
        service = new IngestService(store, registry, clock::get, stage, anomalyStage, null, null);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name)
                .directExecutor()
                .addService(ServerInterceptors.intercept(service, IngestService.peerInterceptor()))
                .build()
                .start();
        channel = InProcessChannelBuilder.forName(name).build();
    }

    @Test
    void eachFlowGoesThroughTheStageBeforeItIsStoredAndAFailingStageStoresItAsItCame() throws Exception {
        stop();
        start((f, received) -> {
            if (f.getFlowId() == 2) {
                throw new IllegalStateException("boom");
            }
            return f.toBuilder().setAppProto("staged-at-" + received).build();
        });
        AgentStream agent = new AgentStream().hello("node-a", "boot-1");
        agent.flows(1, flow(1), flow(2));
        assertEquals(1, agent.nextAck());
        var stored = store.flows().read(0, 10).entries();
        assertEquals("staged-at-" + clock.get(), stored.get(0).value().getAppProto());
        assertEquals("", stored.get(1).value().getAppProto());
        assertEquals(1, service.stageErrors());
        assertEquals(Status.Code.OK, agent.finish().getCode());
    }

    @Test
    void eachAnomalyGoesThroughItsStageBeforeItIsStoredAndAFailingStageStoresItAsItCame() throws Exception {
        stop();
        start(FlowStage.NONE, (a, received) -> {
            if (a.getId().equals("a-2")) {
                throw new IllegalStateException("boom");
            }
            return a.toBuilder().setDetector("staged-at-" + received).build();
        });
        AgentStream agent = new AgentStream().hello("node-a", "boot-1");
        agent.requests.onNext(AgentMessage.newBuilder().setAnomalies(AnomalyBatch.newBuilder().setSequence(1)
                .addAnomalies(Anomaly.newBuilder().setId("a-1").setDetector("agent.dga"))
                .addAnomalies(Anomaly.newBuilder().setId("a-2").setDetector("agent.dga"))).build());
        assertEquals(1, agent.nextAck());
        var stored = store.anomalies().read(0, 10).entries();
        assertEquals("staged-at-" + clock.get(), stored.get(0).value().getDetector());
        assertEquals("agent.dga", stored.get(1).value().getDetector());
        assertEquals(1, service.stageErrors());
        assertEquals(Status.Code.OK, agent.finish().getCode());
    }

    @Test
    void drainEndsEachStreamOnlyAfterTheBatchItIsStoringIsStoredAndAcknowledged() throws Exception {
        stop();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        start(holding(entered, release));
        AgentStream agent = new AgentStream().hello("node-a", "boot-1");
        // The server runs on the caller's thread (directExecutor): send from another one.
        Thread.ofPlatform().start(() -> agent.flows(1, flow(1)));
        assertTrue(entered.await(WAIT_SECONDS, TimeUnit.SECONDS));
        CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> {
            try {
                return service.drain(Duration.ofSeconds(WAIT_SECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        assertFalse(drained.isDone(), "the drain waits for the batch in flight");
        assertFalse(agent.closed.isDone(), "the stream stays open while its batch is stored");
        release.countDown();
        assertTrue(drained.get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals(1, agent.nextAck(), "acknowledged before the stream ends");
        assertEquals(1, store.flows().size());
        Status end = agent.closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertEquals(Status.Code.UNAVAILABLE, end.getCode());
        assertTrue(end.getDescription().contains("shutting down"), end.getDescription());
        assertEquals(0, service.openStreams());
    }

    /** The timeout only bounds a hang: a drain that waited out its grace would wait a day. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void drainEndsIdleStreamsAtOnceAndLaterStreamsAtTheirFirstMessage() throws Exception {
        AgentStream idle = new AgentStream().hello("node-a", "boot-1");
        idle.flows(1, flow(1));
        assertEquals(1, idle.nextAck());
        assertTrue(service.drain(Duration.ofDays(1)), "an idle stream needs no grace period");
        assertEquals(Status.Code.UNAVAILABLE, idle.closed.get(WAIT_SECONDS, TimeUnit.SECONDS).getCode());
        assertFalse(onlyAgent().connected());

        AgentStream late = new AgentStream().hello("node-b", "boot-2");
        late.flows(1, flow(2));
        assertEquals(Status.Code.UNAVAILABLE, late.closed.get(WAIT_SECONDS, TimeUnit.SECONDS).getCode());
        assertEquals(1, store.flows().size(), "nothing is stored once draining");
    }

    /**
     * The twin of the test above that waits for the batch in flight: here it never finishes,
     * and the drain returns false instead of waiting for it. The timeout only bounds a hang:
     * a drain that ignored its grace would wait for the stuck batch for good.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void drainGivesUpAfterTheGracePeriod() throws Exception {
        stop();
        CountDownLatch never = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        start(holding(entered, never));
        AgentStream agent = new AgentStream().hello("node-a", "boot-1");
        Thread.ofPlatform().daemon().start(() -> agent.flows(1, flow(1)));
        assertTrue(entered.await(WAIT_SECONDS, TimeUnit.SECONDS));
        assertFalse(service.drain(Duration.ofMillis(300)), "the stuck batch's stream did not end");
        assertFalse(agent.closed.isDone(), "the stream is left to be cancelled, not ended mid-batch");
        never.countDown();
    }

    /** A stage that says when a batch's first flow enters it and holds every flow until {@code release} opens. */
    private static FlowStage holding(CountDownLatch entered, CountDownLatch release) {
        return (f, received) -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return f;
        };
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow();
        assertTrue(channel.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS));
        server.shutdown();
        if (!server.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS)) {
            server.shutdownNow();
            server.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** One agent stream: what the aggregator sent on it and how it ended. */
    private final class AgentStream extends RecordingObserver<AggregatorMessage> {
        final StreamObserver<AgentMessage> requests;

        AgentStream() {
            this(channel);
        }

        AgentStream(ManagedChannel on) {
            requests = IngestGrpc.newStub(on).withDeadlineAfter(30, TimeUnit.SECONDS).connect(this);
        }

        AgentStream hello(String node, String bootId) {
            requests.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder()
                    .setNodeName(node).setBootId(bootId).setVersion("0.1.0")
                    .addCapabilities("flows").addSources("eth0")).build());
            return this;
        }

        void flows(long sequence, Flow... flows) {
            requests.onNext(AgentMessage.newBuilder()
                    .setFlows(FlowBatch.newBuilder().setSequence(sequence).addAllFlows(List.of(flows))).build());
        }

        long nextAck() throws InterruptedException {
            AggregatorMessage m = received.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(m, "no ack within " + WAIT_SECONDS + " s");
            assertTrue(m.hasAck(), "expected an ack, got " + m);
            return m.getAck().getSequence();
        }

        Status finish() throws Exception {
            requests.onCompleted();
            return awaitClose();
        }

        Status awaitClose() throws Exception {
            return closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    private List<Long> storedFlowIds() {
        return store.flows().read(0, 1_000).entries().stream().map(e -> e.value().getFlowId()).toList();
    }

    private AgentRegistry.AgentView onlyAgent() {
        List<AgentRegistry.AgentView> agents = registry.snapshot();
        assertEquals(1, agents.size(), "agents: " + agents);
        return agents.getFirst();
    }

    @Test
    void eachBatchAfterHelloIsStoredInOrderAndAckedWithItsSequence() throws Exception {
        AgentStream agent = new AgentStream().hello("node-a", "boot-1");
        agent.flows(1, flow(1), flow(2));
        agent.flows(2, flow(3));
        agent.flows(3, flow(4), flow(5));

        assertEquals(1, agent.nextAck());
        assertEquals(2, agent.nextAck());
        assertEquals(3, agent.nextAck());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), storedFlowIds());
        assertTrue(store.flows().read(0, 100).entries().stream()
                .allMatch(e -> e.receivedMillis() == clock.get()), "stored with the ingest clock");

        AgentRegistry.AgentView view = onlyAgent();
        assertEquals("node-a", view.hello().getNodeName());
        assertEquals("boot-1", view.hello().getBootId());
        assertTrue(view.connected());
        assertEquals(5, view.flowsReceived());
        assertEquals(0, view.anomaliesReceived());
        assertEquals(0, view.duplicateBatches());
        assertEquals(clock.get(), view.connectedSinceMillis());

        assertEquals(Status.Code.OK, agent.finish().getCode());
        assertTrue(agent.received.isEmpty(), "unexpected messages: " + agent.received);
    }

    @Test
    void batchSentAgainOnANewStreamOfTheSameBootIsAckedButNotStoredTwice() throws Exception {
        AgentStream first = new AgentStream().hello("node-a", "boot-1");
        first.flows(1, flow(1));
        first.flows(2, flow(2));
        assertEquals(1, first.nextAck());
        assertEquals(2, first.nextAck());
        assertEquals(Status.Code.OK, first.finish().getCode());

        // The agent reconnects and resends batch 2 (its ack was lost), then goes on.
        AgentStream second = new AgentStream().hello("node-a", "boot-1");
        second.flows(2, flow(2));
        second.flows(3, flow(3));
        assertEquals(2, second.nextAck());
        assertEquals(3, second.nextAck());

        assertEquals(List.of(1L, 2L, 3L), storedFlowIds());
        AgentRegistry.AgentView view = onlyAgent();
        assertEquals(1, view.duplicateBatches());
        assertEquals(3, view.flowsReceived());
        assertTrue(view.connected());
        assertEquals(Status.Code.OK, second.finish().getCode());
    }

    @Test
    void anomalyBatchesShareTheSequenceSpace() throws Exception {
        AgentStream agent = new AgentStream().hello("node-a", "boot-1");
        agent.flows(1, flow(1));
        Anomaly scan = Anomaly.newBuilder().setId("a-1").setAnomalyType("port_scan").setNodeName("node-a").build();
        agent.requests.onNext(AgentMessage.newBuilder()
                .setAnomalies(AnomalyBatch.newBuilder().setSequence(2).addAnomalies(scan)).build());
        // Resent with an old sequence: acked, not stored.
        agent.requests.onNext(AgentMessage.newBuilder()
                .setAnomalies(AnomalyBatch.newBuilder().setSequence(2).addAnomalies(scan)).build());
        assertEquals(1, agent.nextAck());
        assertEquals(2, agent.nextAck());
        assertEquals(2, agent.nextAck());

        assertEquals(List.of("a-1"), store.anomalies().read(0, 10).entries().stream()
                .map(e -> e.value().getId()).toList());
        AgentRegistry.AgentView view = onlyAgent();
        assertEquals(1, view.anomaliesReceived());
        assertEquals(1, view.flowsReceived());
        assertEquals(1, view.duplicateBatches());
        assertEquals(Status.Code.OK, agent.finish().getCode());
    }

    @Test
    void aSequenceNoAgentReachesEndsTheStreamUnstoredAndLeavesTheBootsLaterBatchesStored() throws Exception {
        // Found in review: one batch numbered 2^63-1 was stored, and every later batch of the
        // boot, numbered as the agent numbers them, was acknowledged as a duplicate and dropped.
        // Over a real loopback socket, as an agent connects.
        Server socketServer = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(ServerInterceptors.intercept(service, IngestService.peerInterceptor())).build().start();
        ManagedChannel socket = NettyChannelBuilder.forAddress("127.0.0.1", socketServer.getPort()).usePlaintext()
                .build();
        try {
            AgentStream first = new AgentStream(socket).hello("node-a", "boot-1");
            first.flows(1, flow(1));
            assertEquals(1, first.nextAck());
            first.flows(Long.MAX_VALUE, flow(2));
            Status refused = first.awaitClose();
            assertEquals(Status.Code.INVALID_ARGUMENT, refused.getCode());
            assertTrue(refused.getDescription().startsWith("batch sequence 9223372036854775807 is not one an agent"
                    + " sends"), refused.getDescription());
            assertTrue(first.received.isEmpty(), "acknowledged: " + first.received);

            AgentStream again = new AgentStream(socket).hello("node-a", "boot-1");
            again.flows(2, flow(3));
            assertEquals(2, again.nextAck());
            assertEquals(List.of(1L, 3L), storedFlowIds());
            assertEquals(0, onlyAgent().duplicateBatches());
            assertEquals(Status.Code.OK, again.finish().getCode());

            // uint64: past 2^63 (negative as a Java long, and so taken for a duplicate before),
            // the largest, and 0, which no agent sends either; each named as the agent sent it.
            for (long sequence : new long[] {1L << 63, -1L, 0L, IngestService.MAX_BATCH_SEQUENCE + 1}) {
                AgentStream bad = new AgentStream(socket).hello("node-a", "boot-1");
                bad.requests.onNext(AgentMessage.newBuilder().setAnomalies(AnomalyBatch.newBuilder()
                        .setSequence(sequence).addAnomalies(Anomaly.newBuilder().setId("a-" + sequence))).build());
                Status status = bad.awaitClose();
                assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode());
                assertTrue(status.getDescription().startsWith("batch sequence " + Long.toUnsignedString(sequence)
                        + " "), status.getDescription());
            }
            assertEquals(0, store.anomalies().read(0, 10).entries().size());
            // At the bound, taken.
            AgentStream last = new AgentStream(socket).hello("node-a", "boot-1");
            last.flows(IngestService.MAX_BATCH_SEQUENCE, flow(4));
            assertEquals(IngestService.MAX_BATCH_SEQUENCE, last.nextAck());
            assertEquals(List.of(1L, 3L, 4L), storedFlowIds());
            assertEquals(Status.Code.OK, last.finish().getCode());
        } finally {
            socket.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
            socketServer.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Test
    void newBootIdRestartsTheSequences() throws Exception {
        AgentStream first = new AgentStream().hello("node-a", "boot-1");
        first.flows(1, flow(1));
        first.flows(2, flow(2));
        assertEquals(1, first.nextAck());
        assertEquals(2, first.nextAck());
        assertEquals(Status.Code.OK, first.finish().getCode());

        // The agent restarted: a new process numbers its batches from 1 again.
        AgentStream restarted = new AgentStream().hello("node-a", "boot-2");
        restarted.flows(1, flow(10));
        assertEquals(1, restarted.nextAck());

        assertEquals(List.of(1L, 2L, 10L), storedFlowIds());
        AgentRegistry.AgentView view = onlyAgent();
        assertEquals("boot-2", view.hello().getBootId());
        assertEquals(0, view.duplicateBatches());
        assertEquals(3, view.flowsReceived());
        assertEquals(Status.Code.OK, restarted.finish().getCode());
    }

    @Test
    void batchBeforeHelloFailsTheStreamWithFailedPrecondition() throws Exception {
        AgentStream agent = new AgentStream();
        agent.flows(1, flow(1));

        Status status = agent.awaitClose();
        assertEquals(Status.Code.FAILED_PRECONDITION, status.getCode());
        assertTrue(status.getDescription().contains("Hello"), status.getDescription());
        assertTrue(agent.received.isEmpty(), "acked a batch without a hello: " + agent.received);
        assertEquals(0, store.flows().size());
        assertEquals(List.of(), registry.snapshot());
    }

    @Test
    void statusBeforeHelloFailsTheStreamWithFailedPrecondition() throws Exception {
        AgentStream agent = new AgentStream();
        agent.requests.onNext(AgentMessage.newBuilder().setStatus(AgentStatus.newBuilder().setPacketsSeen(1)).build());

        Status status = agent.awaitClose();
        assertEquals(Status.Code.FAILED_PRECONDITION, status.getCode());
        assertTrue(status.getDescription().contains("Hello"), status.getDescription());
        assertEquals(List.of(), registry.snapshot());
    }

    @Test
    void emptyNodeNameIsInvalidArgument() throws Exception {
        AgentStream agent = new AgentStream().hello("", "boot-1");

        Status status = agent.awaitClose();
        assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode());
        assertTrue(status.getDescription().contains("node name"), status.getDescription());
        assertEquals(List.of(), registry.snapshot());
    }

    @Test
    void nodeNameLongerThanTheLimitIsInvalidArgumentAndTheLimitItselfIsAccepted() throws Exception {
        AgentStream tooLong = new AgentStream().hello("n".repeat(IngestService.MAX_NODE_NAME + 1), "boot-1");
        assertEquals(Status.Code.INVALID_ARGUMENT, tooLong.awaitClose().getCode());
        assertEquals(List.of(), registry.snapshot());

        String longest = "n".repeat(IngestService.MAX_NODE_NAME);
        AgentStream atLimit = new AgentStream().hello(longest, "boot-1");
        atLimit.flows(1, flow(1));
        assertEquals(1, atLimit.nextAck());
        assertEquals(longest, onlyAgent().hello().getNodeName());
        assertEquals(Status.Code.OK, atLimit.finish().getCode());
    }

    @Test
    void aSecondStreamUnderANodesNameCannotBlindItOrDisconnectIt() throws Exception {
        // Found in review: a stream that said hello as node-a with another boot id and sent
        // sequence 2^63-1 had every later batch of the real agent acknowledged and dropped,
        // and its end showed node-a disconnected while the real stream was open.
        AgentStream real = new AgentStream().hello("node-a", "boot-1");
        real.flows(1, flow(1));
        assertEquals(1, real.nextAck());
        AgentStream other = new AgentStream().hello("node-a", "boot-x");
        // The highest sequence taken now (2^63-1 itself ends the stream).
        other.flows(IngestService.MAX_BATCH_SEQUENCE, flow(2));
        assertEquals(IngestService.MAX_BATCH_SEQUENCE, other.nextAck());
        assertEquals(Status.Code.OK, other.finish().getCode());

        real.flows(2, flow(3));
        assertEquals(2, real.nextAck());
        assertEquals(List.of(1L, 2L, 3L), storedFlowIds().stream().sorted().toList(), "the real agent's batch is stored");
        assertTrue(onlyAgent().connected(), "the real stream is still open");
        assertEquals(Status.Code.OK, real.finish().getCode());
        assertFalse(onlyAgent().connected());
    }

    @Test
    void aStreamThatSaysHelloTwiceEndsAsOneConnection() throws Exception {
        // Found in review: the first hello's connection stayed open in the registry for good.
        AgentStream agent = new AgentStream().hello("node-a", "boot-1").hello("node-a", "boot-1");
        agent.flows(1, flow(1));
        assertEquals(1, agent.nextAck());
        assertEquals(Status.Code.OK, agent.finish().getCode());
        assertFalse(onlyAgent().connected());
        assertEquals(0, registry.connectedAgents());
    }

    @Test
    void oneStreamSpeaksForOneNode() throws Exception {
        // Found in review: 10,000 hellos under new names on one stream left 9,999 agents
        // "connected" for good.
        AgentStream agent = new AgentStream().hello("node-a", "boot-1");
        agent.flows(1, flow(1));
        assertEquals(1, agent.nextAck());
        agent.hello("node-b", "boot-1");

        Status status = agent.awaitClose();
        assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode());
        assertEquals("a stream speaks for one node: it said hello as 'node-a', then as 'node-b'",
                status.getDescription());
        AgentRegistry.AgentView a = onlyAgent();
        assertEquals("node-a", a.hello().getNodeName());
        assertFalse(a.connected());
    }

    @Test
    void anOversizedHelloIsInvalidArgument() throws Exception {
        Hello.Builder many = Hello.newBuilder().setNodeName("node-a").setBootId("boot-1");
        for (int i = 0; i <= 256; i++) {
            many.addSources("veth" + i);
        }
        AgentStream agent = new AgentStream();
        agent.requests.onNext(AgentMessage.newBuilder().setHello(many).build());
        Status status = agent.awaitClose();
        assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode());
        assertEquals("hello must list at most 256 capabilities and 256 sources", status.getDescription());

        AgentStream big = new AgentStream();
        big.requests.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setNodeName("node-a")
                .setBootId("boot-1").setVersion("v".repeat(70_000))).build());
        status = big.awaitClose();
        assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode());
        assertTrue(status.getDescription().startsWith("hello must be at most 65536 bytes"), status.getDescription());
        assertEquals(List.of(), registry.snapshot());
    }

    @Test
    void emptyAgentMessageIsInvalidArgument() throws Exception {
        AgentStream agent = new AgentStream().hello("node-a", "boot-1");
        agent.requests.onNext(AgentMessage.getDefaultInstance());

        Status status = agent.awaitClose();
        assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode());
        // A failed stream leaves the agent disconnected.
        assertFalse(onlyAgent().connected());
    }

    @Test
    void statusAndLossReportsAreKeptInTheRegistry() throws Exception {
        AgentStatus agentStatus = AgentStatus.newBuilder()
                .setAt(Timestamps.fromSeconds(1_700_000_000L))
                .setPacketsSeen(1_000).setBytesSeen(640_000).setFlowsCreated(12).setFlowsExported(10)
                .setFlowsActive(2).setUnackedBatches(1).addSourceStates("eth0: capturing")
                .build();
        LossReport loss = LossReport.newBuilder()
                .setNodeName("node-a")
                .setSince(Timestamps.fromSeconds(1_699_999_000L))
                .setAt(Timestamps.fromSeconds(1_700_000_000L))
                .addCounters(LossCounter.newBuilder().setReason(LossReason.LOSS_REASON_KERNEL_DROP)
                        .setInterface("eth0").setCount(10))
                .addCounters(LossCounter.newBuilder().setReason(LossReason.LOSS_REASON_DECODE_ERROR).setCount(3))
                .build();

        AgentStream agent = new AgentStream().hello("node-a", "boot-1");
        clock.addAndGet(5_000);
        agent.requests.onNext(AgentMessage.newBuilder().setStatus(agentStatus).build());
        agent.requests.onNext(AgentMessage.newBuilder().setLoss(loss).build());
        // Status and loss are not acknowledged: the ack of a later batch proves they were handled.
        agent.flows(1);
        assertEquals(1, agent.nextAck());

        AgentRegistry.AgentView view = onlyAgent();
        assertEquals(agentStatus, view.status());
        assertEquals(loss, view.loss());
        assertEquals(clock.get(), view.lastSeenMillis());
        assertEquals(0, view.flowsReceived());

        // A later report replaces the earlier one (they are cumulative).
        LossReport later = loss.toBuilder().setCounters(0,
                loss.getCounters(0).toBuilder().setCount(25)).build();
        agent.requests.onNext(AgentMessage.newBuilder().setLoss(later).build());
        agent.flows(2);
        assertEquals(2, agent.nextAck());
        assertEquals(later, onlyAgent().loss());
        assertEquals(Status.Code.OK, agent.finish().getCode());
    }

    @Test
    void completedStreamMarksTheAgentDisconnected() throws Exception {
        AgentStream agent = new AgentStream().hello("node-a", "boot-1");
        agent.flows(1, flow(1));
        assertEquals(1, agent.nextAck());
        assertTrue(onlyAgent().connected());

        clock.addAndGet(7_000);
        assertEquals(Status.Code.OK, agent.finish().getCode());

        AgentRegistry.AgentView view = onlyAgent();
        assertFalse(view.connected());
        assertEquals(clock.get(), view.lastSeenMillis());
        assertEquals(1, view.flowsReceived());
    }

    @Test
    void cancelledStreamMarksTheAgentDisconnected() throws Exception {
        AgentStream agent = new AgentStream().hello("node-a", "boot-1");
        agent.flows(1, flow(1));
        assertEquals(1, agent.nextAck());

        agent.requests.onError(new RuntimeException("link down"));
        assertEquals(Status.Code.CANCELLED, agent.awaitClose().getCode());
        // The server learns of the cancellation on its own schedule: wait for it, bounded.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (onlyAgent().connected()) {
            assertTrue(System.nanoTime() < deadline, "agent still connected after its stream was cancelled");
            Thread.sleep(1);
        }
    }

    @Test
    void olderStreamEndingDoesNotDisconnectTheNewerOne() throws Exception {
        AgentStream old = new AgentStream().hello("node-a", "boot-1");
        old.flows(1, flow(1));
        assertEquals(1, old.nextAck());
        AgentStream current = new AgentStream().hello("node-a", "boot-1");
        current.flows(2, flow(2));
        assertEquals(2, current.nextAck());

        assertEquals(Status.Code.OK, old.finish().getCode());
        assertTrue(onlyAgent().connected(), "the old stream's end disconnected the current stream");
        assertEquals(Status.Code.OK, current.finish().getCode());
        assertFalse(onlyAgent().connected());
    }

    /**
     * Found in review: each batch's ack was written whatever the transport's flow control said,
     * so a client that sends batches and reads nothing had the aggregator queue an ack per
     * batch, without bound (tens of millions an hour from one stream). Acks are cumulative:
     * past a few written while the agent is not reading, only the latest is kept, and it goes
     * when the agent reads again. Over a socket, with a client that reads nothing at first.
     */
    @Test
    void anAgentThatReadsNothingHasItsAcksCoalescedNotQueuedWithoutBound() throws Exception {
        AtomicLong writtenUnready = new AtomicLong();
        ServerInterceptor counting = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void sendMessage(R message) {
                        if (!isReady()) {
                            writtenUnready.incrementAndGet();
                        }
                        super.sendMessage(message);
                    }
                }, headers);
            }
        };
        Server socketServer = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(ServerInterceptors.intercept(service, IngestService.peerInterceptor(), counting))
                .build().start();
        // A small window: the aggregator's writes back up after a few thousand acks.
        ManagedChannel socket = NettyChannelBuilder.forAddress("127.0.0.1", socketServer.getPort()).usePlaintext()
                .flowControlWindow(16 * 1024).build();
        try {
            BlockingQueue<AggregatorMessage> acks = new LinkedBlockingQueue<>();
            ClientCall<AgentMessage, AggregatorMessage> call = socket.newCall(IngestGrpc.getConnectMethod(),
                    CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
            call.start(new ClientCall.Listener<>() {
                @Override
                public void onMessage(AggregatorMessage message) {
                    acks.add(message);
                    call.request(1);
                }
            }, new Metadata());
            // No request(): the agent reads nothing for now.
            call.sendMessage(AgentMessage.newBuilder().setHello(Hello.newBuilder().setNodeName("node-a")
                    .setBootId("boot-1")).build());
            int batches = 20_000;
            for (int seq = 1; seq <= batches; seq++) {
                call.sendMessage(AgentMessage.newBuilder().setFlows(FlowBatch.newBuilder().setSequence(seq)).build());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (registry.batchesAccepted() < batches) {
                assertTrue(System.nanoTime() < deadline, "stored " + registry.batchesAccepted() + " batches");
                Thread.sleep(5);
            }
            assertTrue(writtenUnready.get() <= AgentResponses.MAX_UNREADY_ACKS, writtenUnready.get()
                    + " acks written while the agent read nothing");
            assertTrue(service.acksCoalesced() > 0);

            // The agent reads again: the last ack reaches it, and says every batch is stored.
            call.request(1);
            AggregatorMessage last;
            do {
                last = acks.poll(30, TimeUnit.SECONDS);
                assertNotNull(last, "no ack for the last batch");
            } while (last.getAck().getSequence() != batches);
            call.halfClose();
        } finally {
            socket.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            socketServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void entriesCarryTheFlowsUnchanged() throws Exception {
        AgentStream agent = new AgentStream().hello("node-a", "boot-1");
        Flow[] flows = LongStream.rangeClosed(1, 3).mapToObj(id -> flow(id)).toArray(Flow[]::new);
        agent.flows(1, flows);
        assertEquals(1, agent.nextAck());
        assertEquals(List.of(flows), store.flows().read(0, 10).entries().stream().map(BoundedLog.Entry::value).toList());
        assertNull(onlyAgent().status());
        assertNull(onlyAgent().loss());
        assertEquals(Status.Code.OK, agent.finish().getCode());
    }
}
