package io.netwatch.cli;

import static io.netwatch.aggregator.response.Offenses.anomaly;
import static io.netwatch.aggregator.response.Offenses.handshake;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.aggregator.TestAgent;
import io.netwatch.aggregator.response.ResponseMode;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.query.v1.Block;
import io.netwatch.proto.query.v1.BlockState;
import io.netwatch.proto.query.v1.NodeBlockState;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code netwatch blocks list/remove/audit} against a running aggregator in enforce mode fed
 * by an agent over the real ingest stream; and the response.* configuration.
 */
class BlocksCommandTest {
    @TempDir
    Path dir;

    private static AggregatorConfig enforce() {
        AggregatorConfig c = new AggregatorConfig(new InetSocketAddress("127.0.0.1", 0), 100, 100,
                Duration.ofMinutes(5));
        return c.withResponse(c.response().withMode(ResponseMode.ENFORCE));
    }

    @Test
    void listRemoveAndAuditEndToEnd() throws Exception {
        try (AggregatorServer server = AggregatorServer.start(enforce())) {
            String at = "127.0.0.1:" + server.port();
            CliRun emptyAudit = CliRun.of("blocks", "audit", "--aggregator", at);
            assertEquals(List.of(), emptyAudit.lines());
            assertTrue(emptyAudit.stderr().startsWith("netwatch blocks audit: none"), emptyAudit.stderr());
            CliRun noFlows = CliRun.of("observe", "--aggregator", at);
            assertEquals(List.of(), noFlows.lines());
            assertEquals("netwatch observe: none", noFlows.stderr().strip());
            ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
            try (TestAgent agent = TestAgent.connect(c, "node-a")) {
                agent.sendFlows(List.of(handshake("10.0.0.5")));
                agent.sendAnomalies(List.of(anomaly("port_scan", "10.0.0.5", "node-a")));
                AggregatorMessage block = agent.nextCommand(10_000);
                assertNotNull(block);
                agent.sendCommandResult(block.getBlock().getCommandId(), true, "");
                CliRun list = awaitListed(at, "node-a=active");
                assertEquals("mode: enforce", list.lines().getFirst());
                assertTrue(list.lines().get(1).matches("response-1  active  node_drop  10\\.0\\.0\\.5  -  port_scan  "
                        + "node-a=active  expires .*"), list.lines().get(1));

                CliRun removed = CliRun.of("blocks", "remove", "--aggregator", at, "10.0.0.5");
                assertEquals(0, removed.code(), removed.stderr());
                assertTrue(removed.stdout().startsWith("removed response-1  removed"), removed.stdout());
                assertEquals("10.0.0.5", agent.nextCommand(10_000).getUnblock().getIp());

                CliRun again = CliRun.of("blocks", "remove", "--aggregator", at, "10.0.0.5");
                assertNotEquals(0, again.code());
                assertTrue(again.stderr().startsWith("netwatch blocks remove: no live block has id or address '10.0.0.5'"),
                        again.stderr());

                CliRun none = CliRun.of("blocks", "list", "--aggregator", at);
                assertEquals(List.of("mode: enforce"), none.lines());
                CliRun all = CliRun.of("blocks", "list", "--all", "--aggregator", at);
                assertTrue(all.lines().get(1).contains("  removed  node_drop  10.0.0.5"), all.stdout());

                CliRun audit = CliRun.of("blocks", "audit", "--aggregator", at);
                assertEquals(List.of("blocked", "removed"), audit.lines().stream().map(l -> l.split("  ")[1]).toList());
            } finally {
                c.shutdownNow();
            }
        }
    }

    private static CliRun awaitListed(String at, String text) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            CliRun r = CliRun.of("blocks", "list", "--aggregator", at);
            if (r.stdout().contains(text) || System.currentTimeMillis() > deadline) {
                return r;
            }
            Thread.sleep(50);
        }
    }

    private AggregatorConfig configured(String yaml, String... args) throws Exception {
        Path f = dir.resolve("aggregator.yaml");
        Files.writeString(f, yaml);
        AggregatorCommand cmd = new AggregatorCommand();
        String[] all = new String[args.length + 2];
        all[0] = "--config";
        all[1] = f.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        new CommandLine(cmd).parseArgs(all);
        cmd.configuration.environment = Map.of();
        return AggregatorSettings.toConfig(cmd.settings());
    }

    /**
     * A block the aggregator withdrew because its address became protected is listed as
     * withdrawn, saying what protects the address now (Block.end_reason); as "removed" it would
     * read as an operator's doing.
     */
    @Test
    void aWithdrawnBlockSaysWhatProtectsItsAddress() {
        Block b = Block.newBuilder().setId("response-4").setState(BlockState.BLOCK_STATE_WITHDRAWN)
                .setAction("node_drop").setIp("10.0.0.23").setActor("shop/scanner-7").addAnomalyTypes("port_scan")
                .addNodes(NodeBlockState.newBuilder().setNodeName("node-x").setState(BlockState.BLOCK_STATE_WITHDRAWN))
                .setExpires(Timestamps.fromMillis(1_700_000_600_000L))
                .setEndReason("10.0.0.23 is protected: InternalIP of node worker-3").build();
        assertEquals("response-4  withdrawn  node_drop  10.0.0.23  shop/scanner-7  port_scan  node-x=withdrawn  expires"
                + " 2023-11-14T22:23:20Z  10.0.0.23 is protected: InternalIP of node worker-3", BlocksCommand.line(b));
    }

    @Test
    void responseKeysAndTheRulesFile() throws Exception {
        Path rules = dir.resolve("response.yaml");
        Files.writeString(rules, "rules:\n  - name: q\n    types: [port_scan]\n    action: quarantine\n    ttl: 2m\n");
        AggregatorConfig c = configured("response:\n  mode: enforce\n  file: " + rules + "\n  max_active_blocks: 3\n"
                + "  protected_cidrs: [10.0.0.0/24]\n");
        assertEquals(ResponseMode.ENFORCE, c.response().mode());
        assertEquals("q", c.response().rules().getFirst().name());
        assertEquals(Duration.ofMinutes(2), c.response().rules().getFirst().ttl());
        assertEquals(3, c.response().maxActiveBlocks());
        assertEquals("10.0.0.0/24", c.response().protectedCidrs().getFirst().toString());
        assertEquals(ResponseMode.OFF, configured("response:\n  mode: enforce\n", "--response-mode", "off")
                .response().mode());

        Files.writeString(rules, "rules:\n  - name: q\n    action: drop\n");
        String m = assertThrows(NetwatchMain.UserError.class, () -> configured("response:\n  file: " + rules + "\n"))
                .getMessage();
        assertEquals(rules + " line 3, key 'action': 'drop' is not an action; allowed: node_drop, quarantine", m);
        m = assertThrows(NetwatchMain.UserError.class, () -> configured("response:\n  protected_cidrs: [10.0.0.1]\n"))
                .getMessage();
        assertTrue(m.startsWith("aggregator.yaml: response.protected_cidrs: '10.0.0.1' is not in CIDR notation"), m);
        m = assertThrows(RuntimeException.class, () -> configured("response:\n  mode: block\n")).getMessage();
        assertTrue(m.contains("response.mode") && m.contains("off, dry-run, enforce"), m);
    }
}
