package io.netwatch.agent.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.LossCounter;
import io.netwatch.proto.flow.v1.LossReason;
import io.netwatch.proto.flow.v1.LossReport;
import io.netwatch.proto.ingest.v1.Ack;
import io.netwatch.proto.ingest.v1.AgentMessage;
import io.netwatch.proto.ingest.v1.AgentStatus;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.BlockCommand;
import io.netwatch.proto.ingest.v1.CommandResult;
import io.netwatch.proto.ingest.v1.FlowBatch;
import io.netwatch.proto.ingest.v1.Hello;
import io.netwatch.proto.ingest.v1.IngestGrpc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The export stream against a fake aggregator on the in-process transport. */
class FlowStreamerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Hello HELLO = Hello.newBuilder().setNodeName("node-x").setVersion("test")
            .setBootId("boot-7f3a").addCapabilities("flows").build();

    /** What the fake aggregator does with a flow or anomaly batch. */
    enum Mode {
        /** Acknowledges every batch. */
        ACK,
        /** Never acknowledges. */
        SILENT,
        /** On the first stream, fails the stream (UNAVAILABLE) on the first batch without acking; acks afterwards. */
        FAIL_FIRST_STREAM,
        /** Holds the first batch until {@link FakeIngest#gate} opens (taking no more meanwhile), then acks every batch. */
        GATED
    }

    /** A message as the fake aggregator received it, with the number of its stream (1, 2, ...). */
    record Received(int stream, AgentMessage message) {
    }

    /** A fake aggregator: records what it receives, and acks (or not) as told. */
    static final class FakeIngest extends IngestGrpc.IngestImplBase {
        final Mode mode;
        final List<Received> received = new CopyOnWriteArrayList<>();
        /** How the agent ended each stream it ended (cancelled, or failed), by stream number. */
        final Map<Integer, Status> ended = new java.util.concurrent.ConcurrentHashMap<>();
        /** Opens the way for {@link Mode#GATED}. */
        final java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        private int streams;

        FakeIngest(Mode mode) {
            this.mode = mode;
        }

        synchronized int streams() {
            return streams;
        }

        @Override
        public StreamObserver<AgentMessage> connect(StreamObserver<AggregatorMessage> responses) {
            int stream;
            synchronized (this) {
                stream = ++streams;
            }
            return new StreamObserver<>() {
                private boolean failed;

                @Override
                public void onNext(AgentMessage m) {
                    if (failed) {
                        return;
                    }
                    received.add(new Received(stream, m));
                    long seq;
                    if (m.hasFlows()) {
                        seq = m.getFlows().getSequence();
                    } else if (m.hasAnomalies()) {
                        seq = m.getAnomalies().getSequence();
                    } else {
                        return;
                    }
                    switch (mode) {
                        case SILENT -> {
                        }
                        case FAIL_FIRST_STREAM -> {
                            if (stream == 1) {
                                failed = true;
                                responses.onError(Status.UNAVAILABLE.withDescription("aggregator restarting")
                                        .asRuntimeException());
                            } else {
                                ack(seq);
                            }
                        }
                        case ACK -> ack(seq);
                        case GATED -> {
                            try {
                                gate.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            ack(seq);
                        }
                    }
                }

                private void ack(long seq) {
                    responses.onNext(AggregatorMessage.newBuilder().setAck(Ack.newBuilder().setSequence(seq)).build());
                }

                @Override
                public void onError(Throwable t) {
                    // the agent went away
                    ended.put(stream, Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                    if (!failed) {
                        responses.onCompleted();
                    }
                }
            };
        }

        List<Received> ofStream(int stream) {
            return received.stream().filter(r -> r.stream() == stream).toList();
        }

        List<FlowBatch> flowBatches() {
            return received.stream().map(Received::message).filter(AgentMessage::hasFlows)
                    .map(AgentMessage::getFlows).toList();
        }

        List<LossReport> lossReports() {
            return received.stream().map(Received::message).filter(AgentMessage::hasLoss)
                    .map(AgentMessage::getLoss).toList();
        }
    }

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private FakeIngest ingest;

    @AfterEach
    void tearDown() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    /** Serves {@code service} in process until the test ends; a channel to it, through {@code interceptors}. */
    private ManagedChannel serve(ServerServiceDefinition service, ClientInterceptor... interceptors) throws IOException {
        String name = "ingest-" + System.nanoTime();
        Server server = InProcessServerBuilder.forName(name).addService(service).build().start();
        cleanup.add(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        ManagedChannel channel = InProcessChannelBuilder.forName(name).intercept(interceptors).build();
        cleanup.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return channel;
    }

    private FlowStreamer streamer(Mode mode, ExportConfig config, AgentHealth health) throws Exception {
        ingest = new FakeIngest(mode);
        FlowStreamer s = new FlowStreamer(serve(ingest.bindService()), config, HELLO, health);
        cleanup.add(s);
        return s;
    }

    /** Short delays: 20 ms batch delay, 10-50 ms reconnect, 100 ms status. */
    private static ExportConfig config(int maxBatchRecords, int queueCapacity, int maxUnackedBatches) {
        return new ExportConfig(maxBatchRecords, Duration.ofMillis(20), queueCapacity, maxUnackedBatches,
                Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100));
    }

    private static Flow flow(long id) {
        return Flow.newBuilder().setFlowId(id).setNodeName("node-x").setIpProtocol(6).build();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        await(what, condition, WAIT);
    }

    private static void await(String what, BooleanSupplier condition, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + wait + " waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private static long count(LossReport report, LossReason reason) {
        return report.getCountersList().stream().filter(c -> c.getReason() == reason)
                .mapToLong(LossCounter::getCount).sum();
    }

    @Test
    void helloComesFirstAndEveryFlowIsAcknowledgedInBoundedBatches() throws Exception {
        FlowStreamer s = streamer(Mode.ACK, config(64, 2048, 4), AgentHealth.NONE);
        int n = 1000;
        // Queued before the sender starts, so every batch but the last is full.
        for (long id = 1; id <= n; id++) {
            s.onFlow(flow(id));
        }
        assertEquals(n, s.flowsQueued());
        s.start();

        assertTrue(s.drain(WAIT), "drained: acked " + s.flowsAcked());
        assertEquals(n, s.flowsAcked());
        assertEquals(0, s.flowsDropped());
        assertEquals(0, s.queueDepth());
        assertEquals(0, s.unackedBatches());
        assertEquals(0, s.reconnects());

        AgentMessage first = ingest.received.getFirst().message();
        assertTrue(first.hasHello(), "the first message is Hello: " + first);
        assertEquals("boot-7f3a", first.getHello().getBootId());
        assertEquals("node-x", first.getHello().getNodeName());
        assertEquals(1, ingest.received.stream().filter(r -> r.message().hasHello()).count());
        assertEquals(1, ingest.streams());

        List<FlowBatch> batches = ingest.flowBatches();
        assertEquals(16, batches.size(), "1000 records in batches of at most 64");
        assertEquals(16, s.batchesSent());
        for (int i = 0; i < batches.size(); i++) {
            assertEquals(i + 1, batches.get(i).getSequence(), "sequences start at 1 and increase by one");
            assertEquals(i < 15 ? 64 : 1000 - 15 * 64, batches.get(i).getFlowsCount());
        }
        List<Long> ids = batches.stream().flatMap(b -> b.getFlowsList().stream()).map(Flow::getFlowId).toList();
        assertEquals(LongStream.rangeClosed(1, n).boxed().toList(), ids, "each flow once, in order");

        // drain() ends with a status and a loss report, sent after the last ack.
        await("final reports", () -> ingest.received.getLast().message().hasLoss());
        s.close();
        List<AgentMessage> all = ingest.received.stream().map(Received::message).toList();
        int lastBatch = all.indexOf(all.stream().filter(AgentMessage::hasFlows).toList().getLast());
        assertTrue(all.get(all.size() - 1).hasLoss());
        assertTrue(all.get(all.size() - 2).hasStatus());
        assertTrue(all.size() - 2 > lastBatch);
        LossReport loss = all.getLast().getLoss();
        assertEquals("node-x", loss.getNodeName());
        assertEquals(0, count(loss, LossReason.LOSS_REASON_EXPORT_QUEUE_FULL));
        AgentStatus status = all.get(all.size() - 2).getStatus();
        assertEquals(0, status.getExportQueueDepth());
        assertEquals(0, status.getUnackedBatches());
    }

    /**
     * Found by a new user: a replay of a capture damaged after its first packet ended before the
     * sender had opened its stream, and drain() returned at once without the last reports, so the
     * aggregator showed "packets 0" for an agent that said "1 packet".
     */
    @Test
    void aDrainBeforeTheFirstStreamOpensWaitsForItToSendTheLastReports() throws Exception {
        // The first stream opens only when the test lets it, on a thread of its own.
        CountDownLatch open = new CountDownLatch(1);
        AtomicBoolean opened = new AtomicBoolean();
        ClientInterceptor late = new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                                                         Channel next) {
                boolean interrupted = false;
                while (open.getCount() > 0) {
                    try {
                        open.await();
                    } catch (InterruptedException e) {
                        interrupted = true; // the sender's close: the stream opens all the same
                    }
                }
                opened.set(true);
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                return next.newCall(method, options);
            }
        };
        ingest = new FakeIngest(Mode.ACK);
        AgentHealth onePacket = new AgentHealth() {
            @Override
            public AgentStatus.Builder status() {
                return AgentStatus.newBuilder().setPacketsSeen(1).addSourceStates("file x.pcap: failed");
            }

            @Override
            public List<LossCounter> lossCounters() {
                return List.of();
            }
        };
        FlowStreamer s = new FlowStreamer(serve(ingest.bindService(), late), config(64, 128, 4), HELLO, onePacket);
        cleanup.add(s);
        cleanup.add(open::countDown);
        s.start();
        Thread releaser = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            open.countDown();
        });
        cleanup.add(releaser::join);

        assertTrue(s.drain(WAIT), "nothing to acknowledge");
        assertTrue(opened.get(), "drain() returned before the stream it sends its last reports on was opened");
        await("the last reports", () -> ingest.received.stream().anyMatch(r -> r.message().hasLoss()));
        s.close();
        AgentStatus status = ingest.received.stream().map(Received::message).filter(AgentMessage::hasStatus)
                .map(AgentMessage::getStatus).reduce((a, b) -> b).orElseThrow();
        assertEquals(1, status.getPacketsSeen());
        assertEquals(List.of("file x.pcap: failed"), status.getSourceStatesList());
    }

    @Test
    void anAnomalyDoesNotWaitForItsBatchToFill() throws Exception {
        // A batch delay of a day: flows alone would wait for it, so only the anomaly can cut the
        // batch short. The waits below only bound a hang.
        ExportConfig slow = new ExportConfig(512, Duration.ofDays(1), 1000, 4, Duration.ofMillis(10),
                Duration.ofMillis(50), Duration.ofDays(1));
        FlowStreamer s = streamer(Mode.ACK, slow, AgentHealth.NONE).start();
        s.onFlow(flow(1));
        s.onAnomaly(Anomaly.newBuilder().setId("a-1").setAnomalyType("port_scan").build());
        await("the anomaly batch", () -> s.anomaliesAcked() == 1);
        await("the flows queued before it", () -> s.flowsAcked() == 1);
    }

    @Test
    void aFullAnomalyQueueDropsAndCountsTheAnomaly() throws Exception {
        FlowStreamer s = streamer(Mode.SILENT, config(5, 10, 1), AgentHealth.NONE);
        for (int i = 0; i < 11; i++) {
            s.onAnomaly(Anomaly.newBuilder().setId("a-" + i).build());
        }
        assertEquals(1, s.anomaliesDropped(), "its queue holds as many as the flows' queue, here 10");
        assertEquals(1, count(s.lossReport(), LossReason.LOSS_REASON_ANOMALY_QUEUE_FULL));
        assertEquals(10, s.queueDepth());
    }

    @Test
    void anAnomalyGoesAheadOfFlowBatchesNotYetSentAndNothingIsStoredTwice() throws Exception {
        // Found in the lab: an anomaly queued behind the flow records of earlier floods reached
        // the aggregator 3 to 6 s late, and its block with it.
        FlowStreamer s = streamer(Mode.GATED, config(10, 10_000, 256), AgentHealth.NONE).start();
        for (int i = 1; i <= 2000; i++) {
            s.onFlow(flow(i));
        }
        // The aggregator holds the first batch: the rest are batched and wait to be sent.
        await("flow batches waiting", () -> s.unackedBatches() >= 150);
        s.onAnomaly(Anomaly.newBuilder().setId("a-1").setAnomalyType("port_scan").build());
        await("the anomaly batched", () -> s.queueDepth() == 0 && s.unackedBatches() >= 151);
        ingest.gate.countDown();
        await("everything acknowledged", () -> s.anomaliesAcked() == 1 && s.flowsAcked() == 2000);
        List<AgentMessage> batches = ingest.received.stream().map(Received::message)
                .filter(m -> m.hasFlows() || m.hasAnomalies()).toList();
        int anomalyAt = -1;
        for (int i = 0; i < batches.size(); i++) {
            if (batches.get(i).hasAnomalies()) {
                anomalyAt = i;
            }
        }
        assertTrue(anomalyAt >= 0 && anomalyAt <= 5, "the anomaly went ahead of the flows batched before it: it was"
                + " batch " + anomalyAt + " of " + batches.size());
        long last = 0;
        for (AgentMessage m : batches) {
            long seq = m.hasFlows() ? m.getFlows().getSequence() : m.getAnomalies().getSequence();
            assertTrue(seq > last, "sequences rise in the order sent (the aggregator takes no lower one): " + seq
                    + " after " + last);
            last = seq;
        }
        assertEquals(java.util.stream.LongStream.rangeClosed(1, 2000).boxed().toList(), ingest.flowBatches().stream()
                .flatMap(b -> b.getFlowsList().stream()).map(Flow::getFlowId).sorted().toList(),
                "every flow once, none twice");
    }

    @Test
    void aBacklogGoesAsTheStreamTakesItNotWhenTheSenderNextLooksAtItsQueues() throws Exception {
        // Found by the test above failing on a busy machine: with no flows coming, the sender
        // waited on the flow queue, which the stream turning ready does not wake, so the backlog
        // left one batch per 50 ms wait (the in-process transport takes one message at a time),
        // 10 s for its 200 batches. Waits of a day here: only the stream's readiness can end them,
        // and the awaits below only bound a hang.
        FlowStreamer s = streamer(Mode.GATED, config(10, 1000, 256), AgentHealth.NONE).anomalyWait(Duration.ofDays(1));
        for (int i = 1; i <= 100; i++) {
            s.onFlow(flow(i));
        }
        s.start();
        // The aggregator holds the first batch; the sender made the other nine and waits, with
        // nothing left to batch, for the stream to take them.
        await("the first batch held, the others waiting", () -> ingest.flowBatches().size() == 1
                && s.unackedBatches() == 10 && senderWaits());
        ingest.gate.countDown();
        await("everything acknowledged", () -> s.flowsAcked() == 100);
        assertEquals(10, ingest.flowBatches().size());
    }

    /** The export thread waits with a timeout: here, for the flows or the stream, nothing else to do. */
    private static boolean senderWaits() {
        List<Thread> senders = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("netwatch-export") && t.isAlive()).toList();
        return !senders.isEmpty() && senders.stream().allMatch(t -> t.getState() == Thread.State.TIMED_WAITING);
    }

    @Test
    void flowsAndAnomaliesOfferedWhileRunningAreAllAcknowledged() throws Exception {
        FlowStreamer s = streamer(Mode.ACK, config(10, 1000, 2), AgentHealth.NONE).start();
        for (long id = 1; id <= 95; id++) {
            s.onFlow(flow(id));
            if (id % 19 == 0) {
                s.onAnomaly(Anomaly.newBuilder().setId("a-" + id).setAnomalyType("port_scan").build());
            }
        }
        assertTrue(s.drain(WAIT));
        assertEquals(95, s.flowsAcked());
        assertEquals(5, s.anomaliesAcked());
        for (FlowBatch b : ingest.flowBatches()) {
            assertTrue(b.getFlowsCount() >= 1 && b.getFlowsCount() <= 10, "batch size " + b.getFlowsCount());
        }
        List<Long> sequences = ingest.received.stream().map(Received::message)
                .filter(m -> m.hasFlows() || m.hasAnomalies())
                .map(m -> m.hasFlows() ? m.getFlows().getSequence() : m.getAnomalies().getSequence()).toList();
        assertEquals(LongStream.rangeClosed(1, sequences.size()).boxed().toList(), sequences,
                "flow and anomaly batches share one gap-free sequence");
        assertEquals(Set.of("a-19", "a-38", "a-57", "a-76", "a-95"), ingest.received.stream()
                .map(Received::message).filter(AgentMessage::hasAnomalies)
                .flatMap(m -> m.getAnomalies().getAnomaliesList().stream()).map(Anomaly::getId)
                .collect(Collectors.toSet()));
    }

    @Test
    void aFullQueueDropsAndCountsAndReportsTheLoss() throws Exception {
        AgentHealth health = new AgentHealth() {
            @Override
            public AgentStatus.Builder status() {
                return AgentStatus.newBuilder().setPacketsSeen(532);
            }

            @Override
            public List<LossCounter> lossCounters() {
                return List.of(LossCounter.newBuilder().setReason(LossReason.LOSS_REASON_DECODE_ERROR)
                        .setCount(3).build());
            }
        };
        // The aggregator never acks; one unacked batch stops batching, so the queue of 10 fills.
        FlowStreamer s = streamer(Mode.SILENT, config(5, 10, 1), health);
        for (long id = 1; id <= 5; id++) {
            s.onFlow(flow(id));
        }
        s.start();
        await("the first batch", () -> ingest.flowBatches().size() == 1);
        await("the queue emptied into the batch", () -> s.queueDepth() == 0);
        assertEquals(1, s.unackedBatches());
        assertEquals(5, ingest.flowBatches().getFirst().getFlowsCount());

        for (long id = 6; id <= 35; id++) {
            s.onFlow(flow(id));
        }
        s.onAnomaly(Anomaly.newBuilder().setId("kept").build());

        assertEquals(15, s.flowsQueued());
        assertEquals(20, s.flowsDropped());
        assertEquals(0, s.anomaliesDropped(), "an anomaly has a queue of its own: a flood of flows does not crowd it out");
        await("the anomaly sent past the full window", () -> ingest.received.stream()
                .anyMatch(r -> r.message().hasAnomalies()));
        assertEquals(10, s.queueDepth());
        assertEquals(0, s.flowsAcked());

        LossReport loss = s.lossReport();
        assertEquals("node-x", loss.getNodeName());
        assertEquals(20, count(loss, LossReason.LOSS_REASON_EXPORT_QUEUE_FULL));
        assertEquals(0, count(loss, LossReason.LOSS_REASON_ANOMALY_QUEUE_FULL));
        assertEquals(3, count(loss, LossReason.LOSS_REASON_DECODE_ERROR), "the other stages' losses come along");
        assertEquals(LossReason.LOSS_REASON_DECODE_ERROR, loss.getCounters(0).getReason());

        // The periodic report on the stream carries the same loss.
        await("a streamed loss report with the drops", () -> ingest.lossReports().stream()
                .anyMatch(r -> count(r, LossReason.LOSS_REASON_EXPORT_QUEUE_FULL) == 20));
        // The flow batch, and the anomaly's past the window.
        await("a streamed status with the backlog", () -> ingest.received.stream().map(Received::message)
                .filter(AgentMessage::hasStatus).map(AgentMessage::getStatus)
                .anyMatch(st -> st.getExportQueueDepth() == 10 && st.getUnackedBatches() == 2
                        && st.getPacketsSeen() == 532));

        assertFalse(s.drain(Duration.ofMillis(100)), "nothing was acknowledged");
        assertEquals(1, ingest.flowBatches().size(), "batching stays paused while the window is full");
    }

    @Test
    void eachStreamCarriesThePodTokenAsItIsNow(@TempDir Path dir) throws Exception {
        // The aggregator checks the node a hello names against this token; the kubelet rotates
        // the file, so it is read for every stream.
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "first-token\n");
        List<String> seen = new CopyOnWriteArrayList<>();
        ingest = new FakeIngest(Mode.FAIL_FIRST_STREAM);
        ServerInterceptor tokens = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                seen.add(String.valueOf(headers.get(FlowStreamer.NODE_TOKEN)));
                try {
                    // The kubelet rotates the token while the first stream is open.
                    Files.writeString(tokenFile, "rotated-token\n");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return next.startCall(call, headers);
            }
        };
        ManagedChannel channel = serve(ServerInterceptors.intercept(ingest, tokens));
        ClientTls tls = new ClientTls(null, null, null, null, Duration.ZERO).withNodeTokenFile(tokenFile);
        FlowStreamer s = new FlowStreamer(channel, config(10, 100, 4), HELLO, AgentHealth.NONE).nodeToken(tls::nodeToken);
        cleanup.add(s);
        s.onFlow(flow(1));
        s.start();
        assertTrue(s.drain(WAIT), "the flow acknowledged on the second stream");
        assertEquals(List.of("first-token", "rotated-token"), seen);
        Files.writeString(tokenFile, "not a token\n");
        ByteArrayOutputStream err = captureLog();
        assertEquals(null, tls.nodeToken(), "a file that holds no token sends none");
        // Found in review: said nowhere; the aggregator's refusal then asked for a token the agent was given.
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("export: the node token file " + tokenFile
                + " holds no token (one line of printable ASCII"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aRefusalIsReportedWithTheAggregatorsReasonUntilAStreamIsTaken() throws Exception {
        // Found in an end-to-end test: an agent refused for its node token was told "no answer
        // from the aggregator", and to check the aggregator's address and TLS names.
        String why = "the agent's token was issued on node node-a, and its hello names node node-x";
        AtomicInteger streams = new AtomicInteger();
        ManagedChannel channel = aggregatorAnswering(n -> n <= 2 ? Status.PERMISSION_DENIED.withDescription(why) : null,
                streams);
        FlowStreamer s = hinted(channel, "is it running there?");
        assertEquals(null, s.refusal());
        s.onFlow(flow(1));
        s.start();
        await("the first refusal", () -> s.refusal() != null);
        assertEquals("PERMISSION_DENIED: " + why, s.refusal());

        assertTrue(s.drain(WAIT), "taken on the third stream");
        assertEquals(3, streams.get());
        assertEquals(null, s.refusal(), "forgotten once a stream is answered");
        assertTrue(FlowStreamer.REFUSALS.contains(Status.Code.UNAUTHENTICATED));
        assertFalse(FlowStreamer.REFUSALS.contains(Status.Code.UNAVAILABLE), "no answer, or a TLS failure");
    }

    /** A streamer to {@code channel} whose "no answer" warning ends with {@code hint}, closed after the test. */
    private FlowStreamer hinted(ManagedChannel channel, String hint) {
        FlowStreamer s = new FlowStreamer(channel, config(10, 100, 4), HELLO, AgentHealth.NONE).unansweredHint(hint);
        cleanup.add(s);
        return s;
    }

    /** A fake aggregator that ends each stream at its hello with what {@code answer} gives for its number (1, 2, ...), or acks when that is null. */
    private ManagedChannel aggregatorAnswering(java.util.function.IntFunction<Status> answer, AtomicInteger streams)
            throws IOException {
        IngestGrpc.IngestImplBase aggregator = new IngestGrpc.IngestImplBase() {
            @Override
            public StreamObserver<AgentMessage> connect(StreamObserver<AggregatorMessage> out) {
                Status end = answer.apply(streams.incrementAndGet());
                return new StreamObserver<>() {
                    @Override
                    public void onNext(AgentMessage m) {
                        if (end != null && m.hasHello()) {
                            out.onError(end.asRuntimeException());
                        } else if (end == null && m.hasFlows()) {
                            out.onNext(AggregatorMessage.newBuilder().setAck(Ack.newBuilder()
                                    .setSequence(m.getFlows().getSequence())).build());
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                };
            }
        };
        return serve(aggregator.bindService());
    }

    /** Captures standard error, where slf4j-simple writes the streamer's log, until the test ends. */
    private ByteArrayOutputStream captureLog() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        cleanup.add(() -> System.setErr(old));
        return err;
    }

    /** The streamer's log lines that mention {@code text} (others' late lines left out). */
    private static List<String> exportLog(ByteArrayOutputStream err, String text) {
        return err.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains("FlowStreamer - export: ") && l.contains(text)).toList();
    }

    @Test
    void anAggregatorWithNoRoomForAnotherAgentRefusesIt() throws Exception {
        // Found in review: RESOURCE_EXHAUSTED was not a refusal, so a full aggregator was "no
        // answer from the aggregator", with the hint to check its address and TLS names.
        String why = "the aggregator knows 10000 agents, all connected; it takes no more";
        ByteArrayOutputStream err = captureLog();
        AtomicInteger streams = new AtomicInteger();
        ManagedChannel channel = aggregatorAnswering(n -> Status.RESOURCE_EXHAUSTED.withDescription(why), streams);
        FlowStreamer s = hinted(channel, "is a full one running there?");
        s.onFlow(flow(1));
        s.start();
        await("the refusal", () -> s.refusal() != null);
        assertEquals("RESOURCE_EXHAUSTED: " + why, s.refusal());
        s.close();
        List<String> said = exportLog(err, why);
        assertTrue(said.getFirst().endsWith("export: the aggregator at localhost refused this agent (RESOURCE_EXHAUSTED: "
                + why + "); retrying, each wait longer up to export.reconnect_max"), said.toString());
        assertEquals(List.of(), exportLog(err, "is a full one running there?"), "no hint about addresses and TLS");
    }

    @Test
    void theAggregatorsOwnUnavailableIsSaidOncePerReasonWithoutTheAddressAndTlsHint() throws Exception {
        // Found in review: an aggregator that cannot ask the API server about the agent's token
        // answers UNAVAILABLE, "try again"; before the first answer that came out as "no answer
        // from the aggregator", with the hint to check its address and TLS names.
        String cannotAsk = "cannot ask the API server whose token this is now; try again";
        String tooMany = "too many agent tokens to review this second; try again";
        ByteArrayOutputStream err = captureLog();
        AtomicInteger streams = new AtomicInteger();
        ManagedChannel channel = aggregatorAnswering(n -> n <= 2 ? Status.UNAVAILABLE.withDescription(cannotAsk)
                : n == 3 ? Status.UNAVAILABLE.withDescription(tooMany) : null, streams);
        FlowStreamer s = hinted(channel, "is a reviewing one running there?");
        s.onFlow(flow(1));
        s.start();
        await("the aggregator's own end kept", () -> s.peerEnd() != null);
        assertEquals("UNAVAILABLE: " + cannotAsk, s.peerEnd(), "for a replay that cannot drain to say");
        assertTrue(s.drain(WAIT), "taken on the fourth stream");
        assertEquals(4, streams.get());
        assertEquals(null, s.refusal(), "UNAVAILABLE is no refusal");
        assertEquals(null, s.peerEnd(), "forgotten once a stream is answered");
        s.close();
        assertEquals(List.of(), exportLog(err, "is a reviewing one running there?"), "no hint about addresses and TLS");
        List<String> said = exportLog(err, "; try again");
        String ended = "export: the aggregator at localhost ended the stream (UNAVAILABLE: ";
        String retrying = "); retrying, each wait longer up to export.reconnect_max";
        assertEquals(List.of(" WARN ", " INFO ", " WARN "), said.stream()
                .map(l -> l.contains(" WARN ") ? " WARN " : " INFO ").toList(), "once per reason: " + said);
        assertTrue(said.get(0).endsWith(ended + cannotAsk + retrying), said.toString());
        assertTrue(said.get(1).endsWith("export: stream to aggregator ended: UNAVAILABLE: " + cannotAsk), said.toString());
        assertTrue(said.get(2).endsWith(ended + tooMany + retrying), said.toString());
    }

    @Test
    void aStreamGrpcFailsBeforeAnyAnswerGetsTheHint() throws Exception {
        // The other side of the test above: no server at the in-process name, so gRPC fails
        // the stream (UNAVAILABLE, with no cause, as the aggregator's own would have none).
        ByteArrayOutputStream err = captureLog();
        ManagedChannel channel = InProcessChannelBuilder.forName("nobody-" + System.nanoTime()).build();
        cleanup.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        FlowStreamer s = hinted(channel, "is one running at that name?");
        s.start();
        await("a reconnect", () -> s.reconnects() >= 1);
        s.close();
        List<String> said = exportLog(err, "is one running at that name?");
        assertEquals(1, said.size(), said.toString());
        assertTrue(said.getFirst().contains(" WARN ") && said.getFirst().contains("export: no answer from the aggregator at "),
                said.toString());
        assertEquals(null, s.refusal());
    }

    @Test
    void anAggregatorNameThatDoesNotResolveIsSaidSoNotAskedWhetherOneRunsThere() throws Exception {
        // Found in review: a name that resolves to nothing got the hint about a running
        // aggregator and its TLS. .invalid never resolves (RFC 6761).
        ByteArrayOutputStream err = captureLog();
        ManagedChannel channel = io.grpc.netty.NettyChannelBuilder.forTarget("nohost.invalid:50051").usePlaintext().build();
        cleanup.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        FlowStreamer s = hinted(channel, "is one running at that name?").unresolvedHint("check the name");
        s.start();
        await("two reconnects", () -> s.reconnects() >= 2);
        s.close();
        assertEquals(List.of(), exportLog(err, "is one running at that name?"));
        List<String> said = exportLog(err, "Unable to resolve host nohost.invalid");
        assertTrue(said.size() >= 2, said.toString());
        assertTrue(said.getFirst().contains(" WARN ") && said.getFirst().endsWith("export: cannot reach the aggregator"
                + " at nohost.invalid:50051: its host name does not resolve (UNAVAILABLE: Unable to resolve host"
                + " nohost.invalid); check the name"), said.toString());
        assertTrue(said.stream().skip(1).noneMatch(l -> l.contains(" WARN ")), "said once: " + said);
    }

    @Test
    void anOlderStreamsLastAnswerLeavesTheRefusalOfTheStreamOpenNow() throws Exception {
        // Found in review: onNext of a stream this agent had cancelled (its ack delivered late,
        // on another gRPC thread) cleared the refusal of the stream open now; and onError wrote
        // the refusal and read it back, so that clearing in between threw a NullPointerException
        // and the stream was never ended. Here the late ack is held until the next stream is refused.
        String why = "the agent's token was issued on node node-a, and its hello names node node-x";
        AtomicInteger streams = new AtomicInteger();
        IngestGrpc.IngestImplBase aggregator = new IngestGrpc.IngestImplBase() {
            @Override
            public StreamObserver<AgentMessage> connect(StreamObserver<AggregatorMessage> out) {
                boolean first = streams.incrementAndGet() == 1;
                return new StreamObserver<>() {
                    @Override
                    public void onNext(AgentMessage m) {
                        if (m.hasHello() && first) {
                            out.onNext(AggregatorMessage.newBuilder().setAck(Ack.newBuilder().setSequence(0)).build());
                        } else if (m.hasHello()) {
                            out.onError(Status.PERMISSION_DENIED.withDescription(why).asRuntimeException());
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                };
            }
        };
        // Holds the first stream's first message on its gRPC thread until released.
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch delivered = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        ClientInterceptor holdFirst = new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                boolean hold = calls.incrementAndGet() == 1;
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        super.start(!hold ? listener : new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(
                                listener) {
                            @Override
                            public void onMessage(R message) {
                                held.countDown();
                                try {
                                    release.await();
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                                super.onMessage(message);
                                delivered.countDown();
                            }
                        }, headers);
                    }
                };
            }
        };
        ManagedChannel channel = serve(aggregator.bindService(), holdFirst);
        cleanup.add(release::countDown);
        // The first flow's labelling fails, and the sender cancels the first stream for it.
        AtomicBoolean failed = new AtomicBoolean();
        UnaryOperator<Flow> label = f -> {
            if (failed.compareAndSet(false, true)) {
                throw new IllegalStateException("a labelling bug");
            }
            return f;
        };
        // reconnect_min 1 s: the third stream comes at least 1 s after the second's refusal.
        ExportConfig c = new ExportConfig(10, Duration.ofMillis(20), 100, 4, Duration.ofSeconds(1),
                Duration.ofSeconds(8), Duration.ofMillis(100));
        FlowStreamer s = new FlowStreamer(channel, c, HELLO, AgentHealth.NONE, u -> { }, label);
        cleanup.add(s);
        s.start();
        assertTrue(held.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the first stream's ack is held");
        s.onFlow(flow(1));
        await("the second stream's refusal", () -> s.refusal() != null);

        release.countDown();
        assertTrue(delivered.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the held ack reached the streamer");
        Thread.sleep(50); // the first stream's own end (CANCELLED), on the same thread
        assertEquals(2, streams.get(), "no third stream yet: the refusal below is the second's");
        assertEquals("PERMISSION_DENIED: " + why, s.refusal(), "the first stream's late ack does not clear it");
    }

    @Test
    void anAnswerMadeAfterItsCommandsStreamEndedIsSentOnTheNextStream() throws Exception {
        // Found in review: the answer was dropped, so the aggregator failed a block the node had
        // put in force, and could no longer remove it.
        CompletableFuture<Consumer<CommandResult>> reply = new CompletableFuture<>();
        CommandHandler slowNft = (command, answer) -> reply.complete(answer);
        List<String> seen = new CopyOnWriteArrayList<>();
        AtomicInteger streams = new AtomicInteger();
        AtomicReference<StreamObserver<AggregatorMessage>> first = new AtomicReference<>();
        IngestGrpc.IngestImplBase aggregator = new IngestGrpc.IngestImplBase() {
            @Override
            public StreamObserver<AgentMessage> connect(StreamObserver<AggregatorMessage> out) {
                int n = streams.incrementAndGet();
                return new StreamObserver<>() {
                    @Override
                    public void onNext(AgentMessage m) {
                        if (m.hasHello()) {
                            seen.add(n + ": hello");
                            if (n == 1) {
                                first.set(out);
                                out.onNext(AggregatorMessage.newBuilder().setBlock(BlockCommand.newBuilder()
                                        .setCommandId("b1@node-x").setIp("10.0.0.9")).build());
                            }
                        } else if (m.hasCommandResult()) {
                            seen.add(n + ": result " + m.getCommandResult().getCommandId());
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                };
            }
        };
        ManagedChannel channel = serve(aggregator.bindService());
        FlowStreamer s = new FlowStreamer(channel, config(10, 100, 4), HELLO, AgentHealth.NONE, u -> { },
                UnaryOperator.identity(), slowNft);
        cleanup.add(s);
        s.start();

        Consumer<CommandResult> answer = reply.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        // The aggregator restarts while nft is still installing the rule.
        first.get().onError(Status.UNAVAILABLE.withDescription("aggregator restarting").asRuntimeException());
        await("the second stream's hello", () -> seen.contains("2: hello"));
        answer.accept(CommandResult.newBuilder().setCommandId("b1@node-x").setOk(true).build());

        await("the answer", () -> seen.contains("2: result b1@node-x"));
        assertEquals(List.of("1: hello", "2: hello", "2: result b1@node-x"), seen);
        assertEquals(0, s.resultsLost());
    }

    @Test
    void afterTheAggregatorFailsTheStreamTheStreamerReconnectsAndResends() throws Exception {
        FlowStreamer s = streamer(Mode.FAIL_FIRST_STREAM, config(10, 1000, 4), AgentHealth.NONE);
        int n = 100;
        for (long id = 1; id <= n; id++) {
            s.onFlow(flow(id));
        }
        s.start();

        assertTrue(s.drain(WAIT), "drained: acked " + s.flowsAcked());
        assertEquals(n, s.flowsAcked());
        assertEquals(1, s.reconnects());
        assertEquals(2, ingest.streams());

        // Both streams begin with the same Hello.
        for (int stream = 1; stream <= 2; stream++) {
            AgentMessage first = ingest.ofStream(stream).getFirst().message();
            assertTrue(first.hasHello(), "stream " + stream + " starts with Hello: " + first);
            assertEquals("boot-7f3a", first.getHello().getBootId());
        }
        // The first stream got batch 1 and failed; the second got batch 1 again.
        List<FlowBatch> onFirst = ingest.ofStream(1).stream().map(Received::message).filter(AgentMessage::hasFlows)
                .map(AgentMessage::getFlows).toList();
        assertEquals(1, onFirst.size());
        assertEquals(1, onFirst.getFirst().getSequence());
        List<FlowBatch> onSecond = ingest.ofStream(2).stream().map(Received::message)
                .filter(AgentMessage::hasFlows).map(AgentMessage::getFlows).toList();
        assertEquals(1, onSecond.getFirst().getSequence(), "the unacknowledged batch is sent again first");
        assertEquals(onFirst.getFirst(), onSecond.getFirst(), "resent unchanged");

        // Every flow reached the aggregator; on the second stream each exactly once, in order.
        Set<Long> seen = new TreeSet<>();
        ingest.flowBatches().forEach(b -> b.getFlowsList().forEach(f -> seen.add(f.getFlowId())));
        assertEquals(LongStream.rangeClosed(1, n).boxed().collect(Collectors.toCollection(TreeSet::new)), seen);
        assertEquals(LongStream.rangeClosed(1, n).boxed().toList(), onSecond.stream()
                .flatMap(b -> b.getFlowsList().stream()).map(Flow::getFlowId).toList());
        Map<Long, Integer> sizes = new HashMap<>();
        onSecond.forEach(b -> sizes.put(b.getSequence(), b.getFlowsCount()));
        assertEquals(10, sizes.size(), "sequences 1..10 of 10 flows each");
        assertTrue(sizes.values().stream().allMatch(c -> c == 10));
    }

    /**
     * The largest flow record the DNS inspection can make: 64 answers, each a name of 1016
     * characters (compression pointers make it from a few bytes) and 4096 characters of data.
     */
    private static Flow largestDnsFlow(long id) {
        io.netwatch.proto.flow.v1.DNS.Builder dns = io.netwatch.proto.flow.v1.DNS.newBuilder()
                .setQuery("q.example").setResponse(true);
        for (int i = 0; i < 64; i++) {
            dns.addAnswers(io.netwatch.proto.flow.v1.DnsAnswer.newBuilder().setName("a".repeat(1016)).setType(16)
                    .setData("t".repeat(4096)));
        }
        return flow(id).toBuilder().setIpProtocol(17).setDns(dns).build();
    }

    /** An aggregator with gRPC's default limit on an incoming message (4 MiB), over a socket. */
    private ManagedChannel serveOverSocket(ServerServiceDefinition service) throws IOException {
        Server server = io.grpc.netty.NettyServerBuilder.forAddress(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0))
                .addService(service).build().start();
        cleanup.add(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        ManagedChannel channel = io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
                .usePlaintext().build();
        cleanup.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return channel;
    }

    @Test
    void aBatchStaysUnderTheAggregatorsMessageLimitWhateverItsRecordsWeigh() throws Exception {
        // Found in review: batches were bounded by count only. 20 DNS flows of 330 kB (crafted
        // answers make them) made a 6.6 MB batch; the aggregator refused it past gRPC's 4 MiB
        // limit, and the agent resent it first on every stream, for good: nothing after it
        // was ever delivered. The wait only bounds a hang.
        ingest = new FakeIngest(Mode.ACK);
        FlowStreamer s = new FlowStreamer(serveOverSocket(ingest.bindService()), config(512, 1000, 4), HELLO,
                AgentHealth.NONE).reconnectSleeper(nanos -> { });
        cleanup.add(s);
        int n = 20;
        assertTrue(largestDnsFlow(1).getSerializedSize() > 300_000, "a heavy record");
        for (long id = 1; id <= n; id++) {
            s.onFlow(largestDnsFlow(id));
        }
        // Anomalies are bounded alike (none is this heavy: it only takes the same path).
        for (int i = 1; i <= 100; i++) {
            s.onAnomaly(Anomaly.newBuilder().setId("a-" + i).setExplanation(
                    io.netwatch.proto.anomaly.v1.Explanation.newBuilder().setSummary("s".repeat(50_000))).build());
        }
        s.start();

        assertTrue(s.drain(WAIT), "drained: acked " + s.flowsAcked() + " flows and " + s.anomaliesAcked()
                + " anomalies on " + ingest.streams() + " streams");
        assertEquals(n, s.flowsAcked());
        assertEquals(100, s.anomaliesAcked());
        assertEquals(1, ingest.streams());
        for (AgentMessage m : ingest.received.stream().map(Received::message).toList()) {
            // A batch's records, their tags and lengths, and its sequence number's few bytes.
            assertTrue(m.getSerializedSize() <= FlowStreamer.MAX_BATCH_BYTES + 32, "a message of "
                    + m.getSerializedSize() + " bytes");
        }
        assertEquals(LongStream.rangeClosed(1, n).boxed().toList(), ingest.flowBatches().stream()
                .flatMap(b -> b.getFlowsList().stream()).map(Flow::getFlowId).toList(), "each flow once, in order");
    }

    @Test
    void anAggregatorThatTakesBatchesButNeverAcknowledgesIsGivenUpAfterTheAckTimeoutAndReconnectedTo()
            throws Exception {
        // Found in review: an aggregator hung with its connection up (its handler stuck, its
        // transport still answering keepalive pings) kept the agent's stream, and the agent
        // waiting for its acks, until something restarted the aggregator. Over a real socket, as
        // the agent runs: the aggregator reads every batch and acknowledges none. The wait only
        // bounds a hang.
        ingest = new FakeIngest(Mode.SILENT);
        ExportConfig c = new ExportConfig(5, Duration.ofMillis(20), 100, 4, Duration.ofMillis(10),
                Duration.ofMillis(50), Duration.ofDays(1), Duration.ofMillis(200));
        FlowStreamer s = new FlowStreamer(serveOverSocket(ingest.bindService()), c, HELLO, AgentHealth.NONE);
        cleanup.add(s);
        for (long id = 1; id <= 5; id++) {
            s.onFlow(flow(id));
        }
        s.start();

        await("the batch sent again on a second stream", () -> ingest.ofStream(2).stream()
                .anyMatch(r -> r.message().hasFlows()));
        assertTrue(s.ackTimeouts() >= 1, "counted: " + s.ackTimeouts());
        assertTrue(s.reconnects() >= 1, "reconnected: " + s.reconnects());
        await("the first stream's end, as the aggregator saw it", () -> ingest.ended.containsKey(1));
        assertEquals(Status.Code.CANCELLED, ingest.ended.get(1).getCode(), "the agent gave it up");

        // Kept and sent again unchanged, still the only batch: nothing dropped, nothing acked.
        AgentMessage first = ingest.ofStream(1).stream().map(Received::message).filter(AgentMessage::hasFlows)
                .findFirst().orElseThrow();
        AgentMessage again = ingest.ofStream(2).stream().map(Received::message).filter(AgentMessage::hasFlows)
                .findFirst().orElseThrow();
        assertTrue(ingest.ofStream(2).getFirst().message().hasHello(), "the new stream says hello first");
        assertEquals(first, again);
        assertEquals(1, first.getFlows().getSequence());
        assertEquals(5, first.getFlows().getFlowsCount());
        assertEquals(1, s.unackedBatches());
        assertEquals(0, s.flowsDropped());
        assertEquals(0, s.flowsAcked());
    }

    @Test
    void statusAndLossReportsWaitForAnAggregatorThatReadsNothingInsteadOfPilingUp() throws Exception {
        // Found in review: every status interval wrote a status and a loss report whatever gRPC's
        // flow control said, so an aggregator that hung with its connection up (the transport
        // still answers keepalive pings) had them pile up in the agent for as long as it hung:
        // kilobytes each on a node with many interfaces. They are cumulative: the next one
        // carries everything a skipped one would have.
        AtomicReference<io.grpc.stub.ServerCallStreamObserver<AggregatorMessage>> reader = new AtomicReference<>();
        List<AgentMessage> got = new CopyOnWriteArrayList<>();
        IngestGrpc.IngestImplBase hung = new IngestGrpc.IngestImplBase() {
            @Override
            public StreamObserver<AgentMessage> connect(StreamObserver<AggregatorMessage> out) {
                var call = (io.grpc.stub.ServerCallStreamObserver<AggregatorMessage>) out;
                call.disableAutoRequest();
                call.request(1); // the hello, then nothing
                reader.set(call);
                return new StreamObserver<>() {
                    @Override
                    public void onNext(AgentMessage m) {
                        got.add(m);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                };
            }
        };
        AtomicInteger writtenUnready = new AtomicInteger();
        ClientInterceptor counting = new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                                                         Channel next) {
                return new io.grpc.ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void sendMessage(Q message) {
                        if (!isReady() && (((AgentMessage) message).hasStatus() || ((AgentMessage) message).hasLoss())) {
                            writtenUnready.incrementAndGet();
                        }
                        super.sendMessage(message);
                    }
                };
            }
        };
        // A status due every millisecond, and each flow takes 2 ms to label: every turn of the
        // sender (one batch of one flow each) finds a status due.
        ExportConfig c = new ExportConfig(1, Duration.ofMillis(20), 100, 100, Duration.ofMillis(10),
                Duration.ofMillis(50), Duration.ofMillis(1));
        FlowStreamer s = new FlowStreamer(serve(hung.bindService(), counting), c, HELLO, AgentHealth.NONE, u -> { },
                f -> {
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return f;
                });
        cleanup.add(s);
        for (long id = 1; id <= 20; id++) {
            s.onFlow(flow(id));
        }
        s.start();
        await("twenty batches made, none sent", () -> s.unackedBatches() == 20 && s.queueDepth() == 0);
        assertEquals(0, writtenUnready.get(), "reports written while the aggregator read nothing");
        assertEquals(1, got.size(), "only the hello was read");

        // The aggregator reads again: the reports come, and the batches.
        reader.get().request(Integer.MAX_VALUE);
        await("a status and a loss report", () -> got.stream().anyMatch(AgentMessage::hasStatus)
                && got.stream().anyMatch(AgentMessage::hasLoss));
        await("the batches", () -> got.stream().filter(AgentMessage::hasFlows).count() == 20);
    }

    @Test
    void anAddressWhereNoAggregatorListensIsRetriedWithGrowingWaits() throws Exception {
        int port;
        try (java.net.ServerSocket closed = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        // A real channel, named as a user names the aggregator: the stream opens at once and fails
        // after, once the name is resolved and the connection refused.
        ManagedChannel channel = io.grpc.netty.NettyChannelBuilder.forTarget("localhost:" + port).usePlaintext().build();
        cleanup.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        // reconnect_min 40 ms, reconnect_max 640 ms: each wait is half to all of 40, 80, 160, 320, 640, 640 ms...
        ExportConfig c = new ExportConfig(10, Duration.ofMillis(20), 100, 4, Duration.ofMillis(40),
                Duration.ofMillis(640), Duration.ofMillis(100));
        // The waits are recorded, not waited; after the eighth the sender waits until closed.
        List<Long> waits = new CopyOnWriteArrayList<>();
        FlowStreamer s = new FlowStreamer(channel, c, HELLO, AgentHealth.NONE).reconnectSleeper(nanos -> {
            waits.add(nanos);
            if (waits.size() >= 8) {
                new java.util.concurrent.CountDownLatch(1).await();
            }
        });
        cleanup.add(s);
        s.onFlow(flow(1));
        s.start();
        // As at the end of a file's replay: waiting for acknowledgements, the sender polls its queue briefly.
        Thread drainer = Thread.ofVirtual().start(() -> {
            try {
                s.drain(WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        cleanup.add(drainer::interrupt);
        // Each failed attempt takes the channel's own connection attempt (and, now and then,
        // gRPC's reconnect backoff of about a second): the 40 s only bounds a hang.
        await("eight waits", () -> waits.size() >= 8, Duration.ofSeconds(40));
        long[] ceilings = {40, 80, 160, 320, 640, 640, 640, 640};
        for (int i = 0; i < ceilings.length; i++) {
            long ceiling = TimeUnit.MILLISECONDS.toNanos(ceilings[i]);
            long wait = waits.get(i);
            assertTrue(wait >= ceiling / 2 && wait <= ceiling, "wait " + (i + 1) + " is half to all of "
                    + ceilings[i] + " ms: " + waits);
        }
        // Seven waits ended, each followed by a new stream (when the stream failed before it
        // was open, by another wait instead).
        assertTrue(s.reconnects() <= 7, "no stream after the first without a wait before it: " + s.reconnects());
        assertEquals(0, s.flowsAcked());
    }
}
