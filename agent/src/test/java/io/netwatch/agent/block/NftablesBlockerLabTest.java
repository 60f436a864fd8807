package io.netwatch.agent.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.util.Timestamps;
import io.netwatch.proto.ingest.v1.BlockCommand;
import io.netwatch.proto.ingest.v1.CommandResult;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The blocker against the real kernel: nftables in a "node" namespace, real traffic between
 * "pod" namespaces (TCP connects and pings), for routed (Calico-style) and bridged (cni0)
 * pod networking, IPv4 and IPv6, whole addresses and address-port pairs, expiry, unblock and
 * dry run. Skipped without root or without nft.
 */
class NftablesBlockerLabTest {
    private static final String A = "10.77.0.2";
    private static final String B = "10.77.0.3";
    private static final String C = "10.77.0.4";

    @BeforeAll
    static void lab() {
        assumeTrue(NodeLab.available(), "needs root, iproute2 and nft");
    }

    private static BlockCommands start(NodeLab lab) {
        BlockConfig config = new BlockConfig(true, "netwatch", Duration.ofHours(1), Duration.ofSeconds(30), lab.nft());
        BlockCommands commands = BlockCommands.start(config, new NftProcess(lab.nft(), Duration.ofSeconds(10)),
                System::currentTimeMillis);
        assertTrue(commands.available(), () -> "blocker unavailable: " + commands.unavailableReason());
        return commands;
    }

    private static NodeLab routed() throws Exception {
        NodeLab lab = NodeLab.routed();
        lab.addPod("a", A, null);
        lab.addPod("b", B, null);
        lab.addPod("c", C, null);
        lab.listen("b", B, 8080);
        return lab;
    }

    @Test
    void routedPodsBlockExpireAndUnblock() throws Exception {
        try (NodeLab lab = routed(); BlockCommands commands = start(lab)) {
            assertTrue(lab.connects("a", B, 8080) && lab.pings("a", B) && lab.connects("c", B, 8080),
                    "before any block the pods talk");
            Commands c = new Commands();

            // Taken before the command, so the "not before its TTL" bound below only gets
            // safer when the machine is slow: the rule cannot be in force before it was sent.
            long sent = System.nanoTime();
            CommandResult r = c.send(commands, Commands.block(A, 5000));
            long answeredMillis = (System.nanoTime() - sent) / 1_000_000;
            assertTrue(r.getOk(), r.getError());
            long inForceMillis = Timestamps.toMillis(r.getAppliedAt()) - Timestamps.toMillis(r.getReceivedAt());
            System.out.printf("routed block: received to rule in force %d ms (command to answer %d ms)%n",
                    inForceMillis, answeredMillis);
            // The lab's requirement (docs/lab.md: cut off within 2 s), measured on a real nft:
            // tens of milliseconds when the machine is idle.
            assertTrue(inForceMillis < 2000, "a block is in force within 2 s of the command: " + inForceMillis);
            assertEquals(5000, Timestamps.toMillis(r.getExpiresAt()) - Timestamps.toMillis(r.getAppliedAt()));
            assertEquals(1, commands.active(BlockTarget.Family.IPV4));
            assertTrue(lab.node("nft", "list", "table", "inet", "netwatch").contains(A));

            assertFalse(lab.connects("a", B, 8080), "TCP from the blocked pod is dropped");
            assertFalse(lab.pings("a", B), "ping from the blocked pod is dropped");
            assertFalse(lab.pings("b", A), "traffic to the blocked pod is dropped");
            assertTrue(lab.connects("c", B, 8080) && lab.pings("c", B), "another pod still talks");
            assertTrue(dropped(lab.node("nft", "list", "chain", "inet", "netwatch", "prerouting")) > 0,
                    "the inet prerouting chain dropped the routed packets");

            assertTrue(NodeLab.eventually(Duration.ofSeconds(10), () -> lab.connects("a", B, 8080)),
                    "the block expires by itself");
            long restoredMillis = (System.nanoTime() - sent) / 1_000_000;
            System.out.printf("routed block: 5 s TTL, traffic back %d ms after the command%n", restoredMillis);
            assertTrue(restoredMillis >= 4500, "not before its TTL: " + restoredMillis + " ms");
            assertEquals(0, commands.active(BlockTarget.Family.IPV4), "expired blocks leave the bookkeeping");

            assertTrue(c.send(commands, Commands.block(A, 60_000)).getOk());
            assertFalse(lab.pings("a", B));
            CommandResult u = c.send(commands, Commands.unblock(A, 0, 0));
            assertTrue(u.getOk(), u.getError());
            assertTrue(lab.connects("a", B, 8080) && lab.pings("a", B), "unblock lifts the drop at once");
            assertEquals(0, commands.active(BlockTarget.Family.IPV4));
            assertEquals(2, commands.blocksApplied());
            assertEquals(1, commands.unblocksApplied());
            assertEquals(0, commands.failures());
        }
    }

    @Test
    void bridgedPodsAreBlockedInTheBridgeFamily() throws Exception {
        try (NodeLab lab = NodeLab.bridged(); BlockCommands commands = start(lab)) {
            lab.addPod("a", "10.78.0.2", null);
            lab.addPod("b", "10.78.0.3", null);
            lab.addPod("c", "10.78.0.4", null);
            lab.listen("b", "10.78.0.3", 8080);
            assertTrue(lab.connects("a", "10.78.0.3", 8080) && lab.pings("a", "10.78.0.3"));
            Commands c = new Commands();

            long sent = System.nanoTime();
            CommandResult r = c.send(commands, Commands.block("10.78.0.2", 2000));
            assertTrue(r.getOk(), r.getError());
            assertFalse(lab.connects("a", "10.78.0.3", 8080), "TCP across the bridge is dropped");
            assertTrue(lab.connects("c", "10.78.0.3", 8080) && lab.pings("c", "10.78.0.3"), "another pod still talks");
            assertTrue(dropped(lab.node("nft", "list", "chain", "bridge", "netwatch", "forward")) > 0,
                    "the bridge family's forward chain dropped the frames");
            assertTrue(NodeLab.eventually(Duration.ofSeconds(6), () -> lab.connects("a", "10.78.0.3", 8080)),
                    "the block expires by itself");
            assertTrue((System.nanoTime() - sent) / 1_000_000 >= 1500, "not before its TTL");

            assertTrue(c.send(commands, Commands.block("10.78.0.2", 60_000)).getOk());
            assertFalse(lab.pings("b", "10.78.0.2"), "traffic to the blocked pod is dropped");
            assertTrue(c.send(commands, Commands.unblock("10.78.0.2", 0, 0)).getOk());
            assertTrue(lab.pings("b", "10.78.0.2"), "unblock lifts the drop at once");
        }
    }

    @Test
    void ipv6AddressesAndAddressPortPairs() throws Exception {
        try (NodeLab lab = NodeLab.bridged(); BlockCommands commands = start(lab)) {
            lab.addPod("a", "10.78.0.2", "fd78::2");
            lab.addPod("b", "10.78.0.3", "fd78::3");
            lab.listen("b", "10.78.0.3", 8080);
            lab.listen("b", "10.78.0.3", 8081);
            lab.listen("b", "fd78::3", 8080);
            assertTrue(NodeLab.eventually(Duration.ofSeconds(5), () -> lab.connects("a", "fd78::3", 8080)),
                    "IPv6 works before any block");
            Commands c = new Commands();

            assertTrue(c.send(commands, Commands.block("fd78:0:0::2", 60_000)).getOk());
            assertFalse(lab.connects("a", "fd78::3", 8080), "IPv6 from the blocked address is dropped");
            assertTrue(lab.connects("a", "10.78.0.3", 8080), "its IPv4 address is another block");

            CommandResult port = c.send(commands, Commands.block(BlockCommand.newBuilder().setIp("10.78.0.2")
                    .setIpProtocol(6).setPort(8080).setTtl(Commands.ttl(60_000))));
            assertTrue(port.getOk(), port.getError());
            assertFalse(lab.connects("a", "10.78.0.3", 8080), "the blocked port is dropped");
            assertTrue(lab.connects("a", "10.78.0.3", 8081), "another port is not");
            assertTrue(lab.pings("a", "10.78.0.3"), "nor is ping");
            assertEquals(1, commands.active(BlockTarget.Family.IPV4));
            assertEquals(1, commands.active(BlockTarget.Family.IPV6));
            String sets = lab.node("nft", "list", "table", "inet", "netwatch");
            assertTrue(sets.contains("fd78::2") && sets.contains("10.78.0.2 . tcp . 8080"), sets);

            long before = commands.blocker().corrections();
            assertTrue(commands.blocker().reconcile());
            assertEquals(before, commands.blocker().corrections(), "the bookkeeping agrees with the kernel");
            assertEquals(1, commands.active(BlockTarget.Family.IPV6));

            assertTrue(c.send(commands, Commands.unblock("10.78.0.2", 6, 8080)).getOk());
            assertTrue(lab.connects("a", "10.78.0.3", 8080));
            assertTrue(c.send(commands, Commands.unblock("fd78::2", 0, 0)).getOk());
            assertTrue(lab.connects("a", "fd78::3", 8080));
        }
    }

    @Test
    void dryRunInstallsNothing() throws Exception {
        try (NodeLab lab = routed(); BlockCommands commands = start(lab)) {
            CommandResult r = new Commands().send(commands, Commands.block(BlockCommand.newBuilder().setIp(A)
                    .setTtl(Commands.ttl(60_000)).setDryRun(true).setReason("incident 42")));
            assertTrue(r.getOk() && r.getDryRun(), r.toString());
            assertFalse(r.hasAppliedAt());
            assertTrue(lab.connects("a", B, 8080), "a dry run drops nothing");
            assertFalse(lab.node("nft", "list", "table", "inet", "netwatch").contains(A));
            assertEquals(1, commands.dryRuns());
            assertEquals(0, commands.blocksApplied());
            assertEquals(0, commands.active(BlockTarget.Family.IPV4));
        }
    }

    @Test
    void startUpReusesItsTablesKeepsBlocksAndTouchesNoOtherTable() throws Exception {
        try (NodeLab lab = routed()) {
            lab.node("nft", "add table inet other; add chain inet other c { type filter hook forward priority 0; }; "
                    + "add rule inet other c counter accept");
            String other = lab.node("nft", "list", "table", "inet", "other");
            try (BlockCommands first = start(lab)) {
                assertTrue(new Commands().send(first, Commands.block(A, 60_000)).getOk());
            }
            try (BlockCommands second = start(lab)) {
                assertEquals(1, second.active(BlockTarget.Family.IPV4), "a restarted agent adopts the blocks in force");
                assertFalse(lab.pings("a", B), "and they still drop");
                assertTrue(new Commands().send(second, Commands.unblock(A, 0, 0)).getOk());
            }
            String rules = lab.node("nft", "list", "chain", "inet", "netwatch", "prerouting");
            assertEquals(4, rules.lines().filter(l -> l.contains(" drop")).count(),
                    "the chains were rebuilt, not doubled: " + rules);
            assertEquals(other.replaceAll("packets \\d+ bytes \\d+", ""),
                    lab.node("nft", "list", "table", "inet", "other").replaceAll("packets \\d+ bytes \\d+", ""),
                    "another table is untouched");
        }
    }

    @Test
    void withoutNetAdminTheBlockerIsUnavailableAndSaysWhy() throws Exception {
        try (NodeLab lab = NodeLab.routed()) {
            java.util.List<String> nft = java.util.List.of("ip", "netns", "exec", lab.node(), "setpriv",
                    "--bounding-set", "-net_admin", "nft");
            BlockConfig config = new BlockConfig(true, "netwatch", Duration.ofHours(1), Duration.ofSeconds(30), nft);
            try (BlockCommands commands = BlockCommands.start(config, new NftProcess(nft, Duration.ofSeconds(10)),
                    System::currentTimeMillis)) {
                assertFalse(commands.available());
                assertTrue(commands.unavailableReason().contains("CAP_NET_ADMIN"), commands.unavailableReason());
                CommandResult r = new Commands().send(commands, Commands.block(A, 60_000));
                assertFalse(r.getOk());
                assertTrue(r.getError().contains("CAP_NET_ADMIN"), r.getError());
                assertEquals(1, commands.failures(BlockCommands.Failure.UNAVAILABLE));
            }
            assertFalse(lab.node("nft", "list", "tables").contains("netwatch"), "nothing was created");
        }
    }

    @Test
    void aBlockLongerThanADayIsInstalled() throws Exception {
        // nft 1.0.6 refuses a timeout written as 100,000,000 ms or more ("value too large"),
        // about 27.8 h, while block.max_ttl may be up to 30 days.
        try (NodeLab lab = NodeLab.routed()) {
            BlockConfig config = new BlockConfig(true, "netwatch", BlockConfig.LONGEST_MAX_TTL, Duration.ofSeconds(30),
                    lab.nft());
            try (BlockCommands commands = BlockCommands.start(config, new NftProcess(lab.nft(), Duration.ofSeconds(10)),
                    System::currentTimeMillis)) {
                Commands c = new Commands();
                CommandResult day = c.send(commands, Commands.block("10.77.9.1", Duration.ofHours(28).toMillis()));
                assertTrue(day.getOk(), day.getError());
                CommandResult month = c.send(commands, Commands.block(BlockCommand.newBuilder().setIp("fd77::9")
                        .setIpProtocol(6).setPort(22).setTtl(Commands.ttl(BlockConfig.LONGEST_MAX_TTL.toMillis() + 1))));
                assertTrue(month.getOk(), month.getError());
                assertTrue(month.getTtlClamped());
                String sets = lab.node("nft", "list", "table", "inet", "netwatch");
                assertTrue(sets.contains("10.77.9.1 timeout 1d4h") && sets.contains("fd77::9 . tcp . 22 timeout 30d"),
                        sets);
                assertTrue(commands.blocker().reconcile());
                assertEquals(1, commands.active(BlockTarget.Family.IPV4));
                assertEquals(1, commands.active(BlockTarget.Family.IPV6));
                assertEquals(0, commands.failures());
            }
        }
    }

    @Test
    void tablesDeletedByAnotherToolAreRecreatedForTheNextBlock() throws Exception {
        // "flush ruleset" heads the usual /etc/nftables.conf: reloading it removes the agent's
        // tables too. The blocks in force are lifted (as by "nft delete table"), but the next
        // command must work without restarting the agent.
        try (NodeLab lab = routed(); BlockCommands commands = start(lab)) {
            Commands c = new Commands();
            assertTrue(c.send(commands, Commands.block(A, 60_000)).getOk());
            assertFalse(lab.pings("a", B));
            lab.node("nft", "flush", "ruleset");
            assertTrue(lab.pings("a", B), "the flush lifted the block");

            assertTrue(commands.blocker().reconcile(), "a missing table is an empty one, not an unreadable one");
            assertEquals(0, commands.active(BlockTarget.Family.IPV4), "the lifted block left the bookkeeping");

            CommandResult r = c.send(commands, Commands.block(C, 60_000));
            assertTrue(r.getOk(), r.getError());
            assertFalse(lab.pings("c", B), "the new block drops");
            assertTrue(lab.pings("a", B), "the lifted one stays lifted");
            assertTrue(lab.node("nft", "list", "table", "bridge", "netwatch").contains(C), "both tables are back");
            assertEquals(1, commands.blocker().recreations());
            assertEquals(1, commands.active(BlockTarget.Family.IPV4));
            assertEquals(0, commands.failures());
        }
    }

    @Test
    void anUnblockOfSomethingNotBlockedSucceedsWhenTheSetIsFull() throws Exception {
        // An unblock adds the element (with 1 s to live) before deleting it, so that deleting
        // one that is not there does not fail the transaction; in a full set that add itself
        // fails, though there is nothing to remove.
        try (NodeLab lab = NodeLab.routed(); BlockCommands commands = start(lab)) {
            StringBuilder fill = new StringBuilder("add element inet netwatch addr4 { ");
            for (int i = 0; i < NftScript.SET_SIZE; i++) {
                fill.append(i == 0 ? "" : ", ").append("10.100.").append(i >> 8).append('.').append(i & 0xFF)
                        .append(" timeout 1h");
            }
            Nft.Result filled = new NftProcess(lab.nft(), Duration.ofSeconds(60)).run(fill.append(" }\n").toString(),
                    List.of("-f", "-"));
            assertTrue(filled.ok(), filled.error());
            Commands c = new Commands();
            CommandResult refused = c.send(commands, Commands.block("10.77.9.9", 60_000));
            assertFalse(refused.getOk(), "the set is full");

            CommandResult u = c.send(commands, Commands.unblock("10.77.9.9", 0, 0));
            assertTrue(u.getOk(), u.getError());
            CommandResult lifted = c.send(commands, Commands.unblock("10.100.0.7", 0, 0));
            assertTrue(lifted.getOk(), lifted.getError());
            assertFalse(lab.node("nft", "list", "set", "inet", "netwatch", "addr4").contains("10.100.0.7 "));
            assertTrue(c.send(commands, Commands.block("10.77.9.9", 60_000)).getOk(), "there is room again");
            assertEquals(2, commands.unblocksApplied());
            assertEquals(1, commands.failures());
        }
    }

    /** Sum of the packets counted by the chain's drop rules. */
    private static long dropped(String chain) {
        Matcher m = Pattern.compile("counter packets (\\d+) bytes \\d+ drop").matcher(chain);
        long n = 0;
        while (m.find()) {
            n += Long.parseLong(m.group(1));
        }
        assertNotNull(chain);
        return n;
    }
}
