package io.netwatch.aggregator;

import static io.netwatch.aggregator.response.Offenses.anomaly;
import static io.netwatch.aggregator.response.Offenses.handshake;
import static io.netwatch.aggregator.response.Offenses.unacknowledged;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netwatch.aggregator.response.ResponseConfig;
import io.netwatch.aggregator.response.ResponseMode;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.query.v1.Block;
import io.netwatch.proto.query.v1.BlockAuditRecord;
import io.netwatch.proto.query.v1.BlockState;
import io.netwatch.proto.query.v1.GetBlockAuditRequest;
import io.netwatch.proto.query.v1.ListBlocksRequest;
import io.netwatch.proto.query.v1.QueryGrpc;
import io.netwatch.proto.query.v1.RemoveBlockRequest;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Blocking end to end over real gRPC on loopback: an agent's anomalies lead to a BlockCommand
 * on its stream, its CommandResult moves the block's state, RemoveBlock sends the
 * UnblockCommand; dry-run decides the same and sends nothing.
 */
class BlockingEndToEndTest {
    private static final long WAIT_MILLIS = 10_000;

    private static AggregatorServer start(ResponseMode mode) throws Exception {
        return AggregatorServer.start(new AggregatorConfig(new InetSocketAddress("127.0.0.1", 0), 100, 100,
                Duration.ofMinutes(5)).withResponse(ResponseConfig.defaults().withMode(mode)));
    }

    private static QueryGrpc.QueryBlockingStub query(ManagedChannel c) {
        return QueryGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    /** The script both modes run: a scanner that completed handshakes, one that never did. */
    private static void attack(TestAgent agent) throws InterruptedException {
        agent.sendFlows(List.of(handshake("10.0.0.5"), unacknowledged("10.0.0.6")));
        agent.sendAnomalies(List.of(anomaly("port_scan", "10.0.0.5", "node-a"),
                anomaly("port_scan", "10.0.0.6", "node-a")));
    }

    private static List<String> outcomes(ManagedChannel c) {
        return query(c).getBlockAudit(GetBlockAuditRequest.getDefaultInstance()).getRecordsList().stream()
                .map(r -> r.getOutcome() + (r.getReason().isEmpty() ? "" : ":" + r.getReason())).toList();
    }

    private static Block awaitState(ManagedChannel c, BlockState state) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (true) {
            List<Block> blocks = query(c).listBlocks(ListBlocksRequest.newBuilder().setIncludeEnded(true).build())
                    .getBlocksList();
            if (!blocks.isEmpty() && blocks.getLast().getState() == state) {
                return blocks.getLast();
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("no block reached " + state + ": " + blocks);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void enforceSendsABlockCommandAndTheAgentsAnswerMovesItsState() throws Exception {
        try (AggregatorServer server = start(ResponseMode.ENFORCE)) {
            ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
            try (TestAgent agent = TestAgent.connect(c, "node-a")) {
                attack(agent);
                long t0 = System.nanoTime();
                AggregatorMessage block = agent.nextCommand(WAIT_MILLIS);
                assertNotNull(block, "no BlockCommand reached the agent");
                System.out.printf("first block command at the agent %.1f ms after its anomaly batch was"
                        + " acknowledged (cold JVM)%n", (System.nanoTime() - t0) / 1e6);
                assertEquals("10.0.0.5", block.getBlock().getIp());
                assertEquals(ResponseConfig.DEFAULT_TTL.toSeconds(), block.getBlock().getTtl().getSeconds());
                assertTrue(block.getBlock().getReason().contains("port_scan"), block.getBlock().getReason());
                Block pending = awaitState(c, BlockState.BLOCK_STATE_PENDING);
                assertEquals(block.getBlock().getCommandId(), pending.getNodes(0).getCommandId());
                try (TestAgent other = TestAgent.connect(c, "node-b")) {
                    // Another node's agent cannot confirm node-a's block.
                    other.sendFlows(List.of());
                    other.sendCommandResult(block.getBlock().getCommandId(), true, "");
                    other.sendFlows(List.of()); // acknowledged: the result before it was handled
                    awaitState(c, BlockState.BLOCK_STATE_PENDING);
                    assertEquals(1, server.meters().get("netwatch.response.commands").tag("outcome", "unknown_result")
                            .functionCounter().count());
                }

                agent.sendCommandResult(block.getBlock().getCommandId(), true, "");
                Block active = awaitState(c, BlockState.BLOCK_STATE_ACTIVE);
                assertEquals("node-a", active.getNodes(0).getNodeName());
                assertEquals(BlockState.BLOCK_STATE_ACTIVE, active.getNodes(0).getState());
                assertNull(agent.nextCommand(200), "the spoofable scanner got a command");

                var removed = query(c).removeBlock(RemoveBlockRequest.newBuilder().setBlock("10.0.0.5").build());
                assertEquals(BlockState.BLOCK_STATE_REMOVED, removed.getRemoved(0).getState());
                AggregatorMessage unblock = agent.nextCommand(WAIT_MILLIS);
                assertNotNull(unblock, "no UnblockCommand reached the agent");
                assertEquals("10.0.0.5", unblock.getUnblock().getIp());
                assertEquals(List.of("blocked", "refused:spoofable_evidence", "removed"), outcomes(c));
                assertNotFound(() -> query(c).removeBlock(RemoveBlockRequest.newBuilder().setBlock("10.0.0.5")
                        .build()));

                // An agent that cannot install the drop says so; the block fails with its words.
                long t1 = System.nanoTime();
                agent.sendAnomalies(List.of(anomaly("brute_force", "10.0.0.8", "node-a").toBuilder()
                        .setSourceHandshakeCompleted(true).build()));
                AggregatorMessage second = agent.nextCommand(WAIT_MILLIS);
                System.out.printf("second block command at the agent %.1f ms after its anomaly batch was sent%n",
                        (System.nanoTime() - t1) / 1e6);
                assertNotNull(second);
                agent.sendCommandResult(second.getBlock().getCommandId(), false, "nft: table netwatch missing");
                Block failed = awaitState(c, BlockState.BLOCK_STATE_FAILED);
                assertEquals("nft: table netwatch missing", failed.getNodes(0).getError());
                BlockAuditRecord last = query(c).getBlockAudit(GetBlockAuditRequest.newBuilder().setLimit(1).build())
                        .getRecords(0);
                assertEquals("failed", last.getOutcome());
                assertEquals(1, server.meters().get("netwatch.response.commands").tag("outcome", "confirmed")
                        .functionCounter().count());
            } finally {
                c.shutdownNow();
            }
        }
    }

    @Test
    void dryRunDecidesTheSameAndSendsNothing() throws Exception {
        try (AggregatorServer server = start(ResponseMode.DRY_RUN)) {
            ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
            try (TestAgent agent = TestAgent.connect(c, "node-a")) {
                attack(agent);
                Block would = awaitState(c, BlockState.BLOCK_STATE_WOULD_BLOCK);
                assertEquals("10.0.0.5", would.getIp());
                query(c).removeBlock(RemoveBlockRequest.newBuilder().setBlock(would.getId()).build());
                assertNull(agent.nextCommand(500), "dry-run sent a command");
                assertEquals(List.of("would_block", "refused:spoofable_evidence", "removed"), outcomes(c));
                assertEquals(1, server.meters().get("netwatch.response.decisions").tag("action", "node_drop")
                        .tag("outcome", "would_block").functionCounter().count());
            } finally {
                c.shutdownNow();
            }
        }
    }

    private static void assertNotFound(Executable call) {
        try {
            call.execute();
        } catch (StatusRuntimeException e) {
            assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
            return;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        throw new AssertionError("expected NOT_FOUND");
    }
}
