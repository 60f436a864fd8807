package io.netwatch.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.netwatch.proto.flow.v1.LossCounter;
import io.netwatch.proto.flow.v1.LossReason;
import io.netwatch.proto.flow.v1.LossReport;
import io.netwatch.proto.ingest.v1.AgentMessage;
import io.netwatch.proto.ingest.v1.AgentStatus;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.FlowBatch;
import io.netwatch.proto.ingest.v1.Hello;
import io.netwatch.proto.ingest.v1.IngestGrpc;
import io.netwatch.proto.query.v1.AgentInfo;
import io.netwatch.proto.query.v1.GetAgentsRequest;
import io.netwatch.proto.query.v1.GetAgentsResponse;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What one agent's status and loss report do to GetAgents, over a real loopback socket: the
 * latest of each is kept per agent and sent whole in every GetAgents answer, which a client
 * takes up to 4 MiB, and its counts (uint64) make the agent's capture coverage.
 */
class AgentReportBoundsTest {
    private static final long WAIT_SECONDS = 10;

    private AggregatorServer server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        server = AggregatorServer.start(new AggregatorConfig(new InetSocketAddress("127.0.0.1", 0), 100, 100,
                Duration.ofHours(1)));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
        server.close();
    }

    /** Sends the messages on one stream after its hello, then a batch, and waits for its ack. */
    private void send(String node, AgentMessage... messages) throws InterruptedException {
        BlockingQueue<AggregatorMessage> acks = new LinkedBlockingQueue<>();
        StreamObserver<AgentMessage> stream = IngestGrpc.newStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                .connect(new StreamObserver<>() {
                    @Override
                    public void onNext(AggregatorMessage m) {
                        if (m.hasAck()) {
                            acks.add(m);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        stream.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setNodeName(node).setBootId("boot-1")).build());
        for (AgentMessage m : messages) {
            stream.onNext(m);
        }
        stream.onNext(AgentMessage.newBuilder().setFlows(FlowBatch.newBuilder().setSequence(1)).build());
        AggregatorMessage ack = acks.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertEquals(1, ack == null ? -1 : ack.getAck().getSequence(), "the batch after the reports was acknowledged");
        stream.onCompleted();
    }

    private double trimmed() {
        return server.meters().get("netwatch.ingest.reports.trimmed").functionCounter().count();
    }

    @Test
    void anAgentsHugeStatusAndLossReportAreKeptCutAndGetAgentsStillAnswers() throws Exception {
        // Found in review: kept whole, one status of 3,000 source states of 1,000 characters made
        // every GetAgents fail RESOURCE_EXHAUSTED ("gRPC message exceeds maximum size"), for every
        // client, as long as the agent was known.
        AgentStatus.Builder status = AgentStatus.newBuilder().setPacketsSeen(1_000);
        for (int i = 0; i < 3_000; i++) {
            status.addSourceStates("veth" + i + ": " + "x".repeat(1_000));
        }
        // As an agent replaying a pcapng file of many interfaces sends it: a counter for each.
        LossReport.Builder loss = LossReport.newBuilder().setNodeName("someone-else");
        for (int i = 0; i < 3_000; i++) {
            loss.addCounters(LossCounter.newBuilder().setReason(LossReason.LOSS_REASON_RECORDED_DROP)
                    .setInterface("if" + i + "-" + "y".repeat(1_000)).setCount(1));
        }
        loss.addCounters(LossCounter.newBuilder().setReasonValue(99).setCount(7));
        send("node-a", AgentMessage.newBuilder().setStatus(status).build(),
                AgentMessage.newBuilder().setLoss(loss).build());

        AgentInfo a = QueryGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
                .getAgents(GetAgentsRequest.getDefaultInstance()).getAgents(0);
        assertTrue(a.getSerializedSize() < 256 * 1024, a.getSerializedSize() + " bytes");
        var states = a.getStatus().getSourceStatesList();
        assertEquals(65, states.size());
        assertEquals("(2936 more sources not kept)", states.getLast());
        assertTrue(states.getFirst().startsWith("veth0: xxx") && states.getFirst().length() == 259, states.getFirst());

        // Every total is kept: the counters past the bound are summed per reason, in the reasons' order.
        assertEquals("node-a", a.getLoss().getNodeName());
        assertEquals(1_026, a.getLoss().getCountersCount());
        long recorded = a.getLoss().getCountersList().stream()
                .filter(c -> c.getReason() == LossReason.LOSS_REASON_RECORDED_DROP).mapToLong(LossCounter::getCount).sum();
        assertEquals(3_000, recorded);
        assertEquals(LossCounter.newBuilder().setReason(LossReason.LOSS_REASON_RECORDED_DROP).setInterface("(1976 more)")
                .setCount(1_976).build(), a.getLoss().getCounters(1_025));
        assertEquals(LossCounter.newBuilder().setReason(LossReason.LOSS_REASON_UNKNOWN).setInterface("(1 more)")
                .setCount(7).build(), a.getLoss().getCounters(1_024));
        assertEquals(1_000.0 / 4_000, a.getCaptureCoverage(), 1e-9);
        assertEquals(2, trimmed());
    }

    @Test
    void captureCoverageStaysWithinZeroAndOneWhateverTheCounts() throws Exception {
        // Counts are uint64: summed as Java longs, 2^64 - 10 drops of 10 packets wrapped to 0
        // and read as full coverage, and 2^63 drops made it negative.
        AgentStatus status = AgentStatus.newBuilder().setPacketsSeen(10).build();
        send("node-a", AgentMessage.newBuilder().setStatus(status).build(), AgentMessage.newBuilder().setLoss(
                LossReport.newBuilder().addCounters(LossCounter.newBuilder()
                        .setReason(LossReason.LOSS_REASON_KERNEL_DROP).setInterface("eth0").setCount(-10))).build());
        send("node-b", AgentMessage.newBuilder().setStatus(status).build(), AgentMessage.newBuilder().setLoss(
                LossReport.newBuilder().addCounters(LossCounter.newBuilder()
                        .setReason(LossReason.LOSS_REASON_INTERFACE_DROP).setInterface("eth0").setCount(Long.MIN_VALUE))
                        .addCounters(LossCounter.newBuilder().setReason(LossReason.LOSS_REASON_KERNEL_DROP)
                                .setInterface("eth0").setCount(Long.MIN_VALUE))).build());
        for (AgentInfo a : QueryGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
                .getAgents(GetAgentsRequest.getDefaultInstance()).getAgentsList()) {
            assertTrue(a.getCaptureCoverage() >= 0 && a.getCaptureCoverage() < 1e-15,
                    a.getNodeName() + ": " + a.getCaptureCoverage());
        }
    }

    @Test
    void reportsWithinTheBoundsAreKeptAsSent() throws Exception {
        AgentStatus status = AgentStatus.newBuilder().setPacketsSeen(10).addSourceStates("eth0: capturing").build();
        LossReport loss = LossReport.newBuilder().setNodeName("node-a").addCounters(LossCounter.newBuilder()
                .setReason(LossReason.LOSS_REASON_KERNEL_DROP).setInterface("eth0").setCount(3)).build();
        send("node-a", AgentMessage.newBuilder().setStatus(status).build(), AgentMessage.newBuilder().setLoss(loss).build());
        AgentInfo a = QueryGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
                .getAgents(GetAgentsRequest.getDefaultInstance()).getAgents(0);
        assertEquals(status.getSourceStatesList(), a.getStatus().getSourceStatesList());
        assertEquals(loss, a.getLoss());
        assertEquals(0, trimmed());
    }

    /** A status and loss report as large as the bounds keep them: about 100 KiB an agent in GetAgents. */
    private void sendAgentAtTheBounds(String node) throws InterruptedException {
        AgentStatus.Builder status = AgentStatus.newBuilder().setPacketsSeen(10);
        for (int i = 0; i < 64; i++) {
            status.addSourceStates("veth" + i + ": " + "x".repeat(240));
        }
        LossReport.Builder loss = LossReport.newBuilder().setNodeName(node);
        for (int i = 0; i < 1_024; i++) {
            loss.addCounters(LossCounter.newBuilder().setReason(LossReason.LOSS_REASON_KERNEL_DROP)
                    .setInterface("if" + i + "-" + "y".repeat(56)).setCount(1));
        }
        send(node, AgentMessage.newBuilder().setStatus(status).build(), AgentMessage.newBuilder().setLoss(loss).build());
    }

    @Test
    void getAgentsAnswersAPageAtATimeSoThatAClusterOfLargeAgentsFitsInMessagesAClientTakes() throws Exception {
        // Found in review: every agent went in one answer, which a client takes up to 4 MiB;
        // 60 agents at the bounds of their reports made GetAgents fail RESOURCE_EXHAUSTED for
        // every caller, though the registry keeps 10,000 agents.
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            nodes.add(String.format("node-%02d", 59 - i));
            sendAgentAtTheBounds(nodes.getLast());
        }
        var stub = QueryGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
        List<String> listed = new ArrayList<>();
        int pages = 0;
        long bytes = 0;
        String token = "";
        do {
            GetAgentsResponse page = stub.getAgents(GetAgentsRequest.newBuilder().setPageToken(token).build());
            pages++;
            assertTrue(page.getAgentsCount() > 0, "page " + pages + " is empty");
            assertTrue(page.getSerializedSize() <= (1 << 20) + 1024, "page " + pages + ": " + page.getSerializedSize());
            page.getAgentsList().forEach(a -> listed.add(a.getNodeName()));
            bytes += page.getSerializedSize();
            token = page.getNextPageToken();
        } while (!token.isEmpty() && pages < 100);
        assertEquals(nodes.stream().sorted().toList(), listed, "every agent once, by node name");
        assertTrue(bytes > 4 << 20, bytes + " bytes of agents: more than one answer takes");

        GetAgentsResponse three = stub.getAgents(GetAgentsRequest.newBuilder().setPageSize(3).build());
        assertEquals(List.of("node-00", "node-01", "node-02"),
                three.getAgentsList().stream().map(AgentInfo::getNodeName).toList());
        GetAgentsResponse next = stub.getAgents(GetAgentsRequest.newBuilder().setPageSize(3)
                .setPageToken(three.getNextPageToken()).build());
        assertEquals("node-03", next.getAgents(0).getNodeName());
    }

    @Test
    void aPageTokenGetAgentsDidNotGiveIsRefusedSayingWhatToPass() {
        var stub = QueryGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
        for (String token : List.of("node-a", "!!", "x".repeat(10_000), "YWZ0ZXI6")) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> stub.getAgents(GetAgentsRequest.newBuilder().setPageToken(token).build()), token);
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), token);
            assertTrue(e.getStatus().getDescription().contains("next_page_token"), e.getStatus().getDescription());
        }
    }
}
