package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.FlowEndReason;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent as its own process, capturing live on loopback and streaming to a real
 * aggregator: SIGTERM while a UDP flow is open (its idle timeout is a minute away) must still
 * get that flow to the aggregator, as a final record, before the process exits.
 */
@Timeout(120)
class GracefulShutdownTest {
    private static final int DATAGRAMS = 10;

    private static boolean root() {
        return ProcessHandle.current().info().user().map("root"::equals).orElse(false);
    }

    /** Flows of the aggregator's store on {@code port}. */
    private static List<Flow> flowsOn(AggregatorServer a, int port) {
        return a.store().flows().read(0, Integer.MAX_VALUE).entries().stream().map(e -> e.value())
                .filter(f -> f.getDestination().getPort() == port || f.getSource().getPort() == port).toList();
    }

    @Test
    void sigtermSendsTheOpenFlowsBeforeExiting() throws Exception {
        assumeTrue(root(), "live capture on loopback needs root");
        try (AggregatorServer aggregator = AggregatorServer.start(
                AggregatorConfig.listenOn(new InetSocketAddress("127.0.0.1", 0)));
             DatagramSocket receiver = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             DatagramSocket sender = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            int port = receiver.getLocalPort();
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            ProcessBuilder command = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), NetwatchMain.class.getName(), "agent",
                    "--interface", "lo", "--bpf", "udp and port " + port, "--immediate",
                    "--aggregator", "127.0.0.1:" + aggregator.port(), "--metrics", "none", "--node", "sigterm-test",
                    "--shutdown-grace", "15s").redirectErrorStream(true);
            // A live agent would set up its nftables tables in this machine's own namespace: not in a test.
            command.environment().put("NETWATCH_AGENT_BLOCK_ENABLED", "false");
            Process agent = command.start();
            List<String> output = new CopyOnWriteArrayList<>();
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(agent.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    r.lines().forEach(output::add);
                } catch (java.io.IOException | java.io.UncheckedIOException e) {
                    // the process ended
                }
            });
            try {
                // Capture is running once the agent said where it sends, and the aggregator heard its hello.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!(output.stream().anyMatch(l -> l.contains("→ 127.0.0.1:"))
                        && !aggregator.registry().snapshot().isEmpty())) {
                    assertTrue(agent.isAlive(), "the agent exited: " + output);
                    assertTrue(System.nanoTime() < deadline, "the agent did not start: " + output);
                    Thread.sleep(50);
                }
                byte[] payload = "netwatch graceful shutdown".getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; i < DATAGRAMS; i++) {
                    sender.send(new DatagramPacket(payload, payload.length, receiver.getLocalSocketAddress()));
                    receiver.receive(new DatagramPacket(new byte[64], 64));
                }
                Thread.sleep(1500);
                assertEquals(List.of(), flowsOn(aggregator, port), "the flow is open: nothing exported yet");

                // SIGTERM through the handle: Process.destroy() would also close the pipe we read.
                assertTrue(agent.toHandle().destroy());
                assertTrue(agent.waitFor(30, TimeUnit.SECONDS), "the agent did not exit within its grace period");
                reader.join(5000);
            } finally {
                agent.destroyForcibly();
            }
            List<Flow> flows = flowsOn(aggregator, port);
            assertEquals(1, flows.size(), "one UDP flow reached the aggregator: " + flows + "\n" + output);
            Flow f = flows.getFirst();
            assertEquals(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE, f.getEndReason());
            assertEquals(DATAGRAMS, f.getToServer().getPackets() + f.getToClient().getPackets(), f.toString());
            assertTrue(output.stream().anyMatch(l -> l.contains("stopping: ending open flows")), String.join("\n", output));
            assertTrue(output.stream().anyMatch(l -> l.contains(" 0 dropped")), String.join("\n", output));
        }
    }
}
