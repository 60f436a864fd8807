package io.netwatch.agent.capture;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.TestNetwork;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.TcpState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real libpcap capture on a real veth: two network namespaces on a bridge, an HTTP server in
 * one, curl in the other, the agent's pipeline capturing the client's host-side veth through
 * pcap4j. tcpdump inside the client's namespace is the oracle for the packet counts.
 */
@Timeout(120)
class LiveCaptureTest {
    private static final String CLIENT_IP = "10.231.7.10";
    private static final String SERVER_IP = "10.231.7.20";

    @Test
    void capturesAnHttpFetchOnAVethWithTheRightPacketCounts() throws Exception {
        assumeTrue(TestNetwork.available(), "needs root and iproute2 to create network namespaces");
        Path dir = Files.createTempDirectory("netwatch-live");
        try (TestNetwork net = new TestNetwork()) {
            String clientVeth = net.addHost("cli", CLIENT_IP + "/24");
            net.addHost("srv", SERVER_IP + "/24");
            Files.writeString(dir.resolve("index.html"), "hello from netwatch's live capture test\n".repeat(200));
            net.start("srv", "python3", "-m", "http.server", "8080", "--bind", SERVER_IP, "--directory", dir.toString());
            Path oracle = dir.resolve("oracle.pcap");
            net.start("cli", "tcpdump", "-i", "eth0", "-U", "-n", "-w", oracle.toString(), "tcp port 8080");
            waitForServer(net);

            List<Flow> flows = new CopyOnWriteArrayList<>();
            LiveCapture capture = LiveCapture.open(LiveCaptureConfig.of(List.of(clientVeth), "tcp port 8080"));
            Pipeline pipeline = Pipeline.create("live-test", capture.interfaceNames(), FlowTableConfig.defaults(),
                    DetectionConfig.defaults(), flows::add, AnomalySink.NONE);
            Thread loop = Thread.ofPlatform().start(() -> {
                try {
                    capture.run(pipeline);
                } catch (CaptureException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300);
            String body = net.exec("cli", "curl", "-sS", "--max-time", "10", "http://" + SERVER_IP + ":8080/index.html");
            assertTrue(body.startsWith("hello from netwatch"), body);
            Thread.sleep(1500);
            capture.close();
            loop.join(10_000);
            assertFalse(loop.isAlive(), "the capture thread stops on close()");
            pipeline.finish();
            capture.release();
            // Let tcpdump write its last packets, then stop it.
            Thread.sleep(300);
            net.close();

            Flow http = flows.stream().filter(f -> f.getDestination().getPort() == 8080).findFirst().orElseThrow(
                    () -> new AssertionError("no flow to port 8080 among " + flows));
            assertEquals(1, flows.stream().filter(f -> f.getDestination().getPort() == 8080).count());
            assertEquals(CLIENT_IP, http.getSource().getIp());
            assertEquals(SERVER_IP, http.getDestination().getIp());
            assertEquals(clientVeth, http.getInterface());
            int clientPort = http.getSource().getPort();
            long toServer = countPackets(oracle, "src host " + CLIENT_IP + " and src port " + clientPort);
            long toClient = countPackets(oracle, "src host " + SERVER_IP + " and dst port " + clientPort);
            assertTrue(toServer >= 5 && toClient >= 4, "the oracle saw the whole exchange: " + toServer + "/" + toClient);
            assertEquals(toServer, http.getToServer().getPackets(), "client → server packets, as tcpdump counted");
            assertEquals(toClient, http.getToClient().getPackets(), "server → client packets, as tcpdump counted");
            assertEquals(TcpState.TCP_STATE_CLOSED, http.getTcp().getState());
            assertTrue(pipeline.packets() >= toServer + toClient);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static void waitForServer(TestNetwork net) throws Exception {
        for (int i = 0; i < 100; i++) {
            try {
                net.exec("cli", "curl", "-sS", "-o", "/dev/null", "--max-time", "1", "http://" + SERVER_IP + ":8080/");
                return;
            } catch (java.io.IOException e) {
                Thread.sleep(100);
            }
        }
        fail("the HTTP server in the namespace did not start");
    }

    private static long countPackets(Path pcap, String filter) throws Exception {
        String out = TestNetwork.run("tcpdump", "-r", pcap.toString(), "-nn", filter);
        return out.lines().filter(l -> l.contains(" IP ")).count();
    }

    private static final int BURST = 20_000;

    /** Sends {@code count} UDP datagrams of 100 bytes from a host's namespace, as fast as Python can. */
    private static void blast(TestNetwork net, String host, String to, int port, int count) throws Exception {
        net.exec(host, "python3", "-c", "import socket\n"
                + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                + "for _ in range(" + count + "): s.sendto(b'x' * 100, ('" + to + "', " + port + "))\n");
    }

    /** Makes {@code host}'s neighbour entry for {@code ip} (the address of {@code owner}) permanent. */
    private static void pin(TestNetwork net, String host, String ip, String owner) throws Exception {
        String mac = net.exec(owner, "cat", "/sys/class/net/eth0/address").trim();
        net.exec(host, "ip", "neigh", "replace", ip, "lladdr", mac, "dev", "eth0", "nud", "permanent");
    }

    private static long txPackets(TestNetwork net, String host) throws Exception {
        String json = net.exec(host, "cat", "/sys/class/net/eth0/statistics/tx_packets");
        return Long.parseLong(json.trim());
    }

    private record Live(LiveCapture capture, Pipeline pipeline, List<Flow> flows, Thread loop) {
        void stop() throws InterruptedException {
            capture.close();
            loop.join(10_000);
            pipeline.finish();
            capture.release();
        }
    }

    private static Live start(List<String> interfaces, String filter, boolean dedupe) throws Exception {
        List<Flow> flows = new CopyOnWriteArrayList<>();
        LiveCapture capture = LiveCapture.open(LiveCaptureConfig.of(interfaces, filter));
        Pipeline pipeline = Pipeline.create("live-test", capture.interfaceNames(), FlowTableConfig.defaults(),
                DetectionConfig.defaults(), flows::add, AnomalySink.NONE);
        if (dedupe) {
            pipeline.deduplicate(io.netwatch.agent.AgentMain.DUPLICATE_WINDOW_NANOS);
        }
        Thread loop = Thread.ofPlatform().start(() -> {
            try {
                capture.run(pipeline);
            } catch (CaptureException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        return new Live(capture, pipeline, flows, loop);
    }

    @Test
    void twoInterfacesAtOnceAccountForEveryPacketSent() throws Exception {
        assumeTrue(TestNetwork.available(), "needs root and iproute2 to create network namespaces");
        try (TestNetwork net = new TestNetwork()) {
            String vethA = net.addHost("a", "10.231.8.1/24");
            String vethB = net.addHost("b", "10.231.8.2/24");
            net.addHost("c", "10.231.8.3/24");
            // Resolve neighbours first, so the bursts are all there is.
            net.exec("a", "ping", "-c", "1", "-W", "2", "10.231.8.3");
            net.exec("b", "ping", "-c", "1", "-W", "2", "10.231.8.3");
            // ... and pin them: on a loaded machine a burst outlives the neighbour entries'
            // reachable time, and the ARP probe (or the ARP reply to c's probe, before c's ICMP
            // port unreachable) is one more packet sent by a or b.
            pin(net, "a", "10.231.8.3", "c");
            pin(net, "b", "10.231.8.3", "c");
            pin(net, "c", "10.231.8.1", "a");
            pin(net, "c", "10.231.8.2", "b");
            Live live = start(List.of(vethA, vethB), "udp port 9999", false);
            long txA = txPackets(net, "a");
            long txB = txPackets(net, "b");
            blast(net, "a", "10.231.8.3", 9999, BURST);
            blast(net, "b", "10.231.8.3", 9999, BURST);
            long sentA = txPackets(net, "a") - txA;
            long sentB = txPackets(net, "b") - txB;
            Thread.sleep(1500);
            live.stop();

            assertEquals(BURST, sentA, "the kernel sent every datagram a wrote");
            assertEquals(BURST, sentB);
            long counted = live.flows().stream().filter(f -> f.getDestination().getPort() == 9999)
                    .mapToLong(f -> f.getToServer().getPackets()).sum();
            long dropped = 0;
            for (int i = 0; i < 2; i++) {
                dropped += live.capture().kernelDropped(i) + live.capture().interfaceDropped(i);
            }
            assertEquals(sentA + sentB, counted + dropped,
                    "every packet sent is counted in a flow or reported dropped (counted " + counted + ", dropped "
                            + dropped + ")");
            assertEquals(2, live.flows().stream().filter(f -> f.getDestination().getPort() == 9999).count());
            assertEquals(Set.of(vethA, vethB), live.flows().stream().map(Flow::getInterface)
                    .collect(java.util.stream.Collectors.toSet()));
        }
    }

    @Test
    void onAnyABridgedPacketIsCountedOnce() throws Exception {
        assumeTrue(TestNetwork.available(), "needs root and iproute2 to create network namespaces");
        try (TestNetwork net = new TestNetwork()) {
            net.addHost("a", "10.231.9.1/24");
            net.addHost("c", "10.231.9.3/24");
            net.exec("a", "ping", "-c", "1", "-W", "2", "10.231.9.3");
            Live live = start(List.of("any"), "udp port 9998 and host 10.231.9.3", true);
            int count = 2_000;
            blast(net, "a", "10.231.9.3", 9998, count);
            Thread.sleep(1500);
            live.stop();
            long dropped = live.capture().kernelDropped(0) + live.capture().interfaceDropped(0);
            long counted = live.flows().stream().filter(f -> f.getDestination().getPort() == 9998)
                    .mapToLong(f -> f.getToServer().getPackets()).sum();
            assertEquals(0, dropped, "2000 datagrams fit in the capture buffer");
            assertEquals(count, counted, "each datagram once, though 'any' saw it on both bridge ports");
            assertEquals(count, live.pipeline().duplicatePackets(), "the second copies are counted as duplicates");
        }
    }

    @Test
    void anUnknownInterfaceIsAClearError() {
        assumeTrue(TestNetwork.available(), "needs root to list interfaces through libpcap");
        CaptureException e = assertThrows(CaptureException.class,
                () -> LiveCapture.open(LiveCaptureConfig.of(List.of("no-such-if0"), "")));
        assertTrue(e.getMessage().contains("no interface matches 'no-such-if0'"), e.getMessage());
    }

    @Test
    void aBadFilterIsAClearError() {
        assumeTrue(TestNetwork.available(), "needs root to open an interface");
        CaptureException e = assertThrows(CaptureException.class,
                () -> LiveCapture.open(LiveCaptureConfig.of(List.of("lo"), "tcp port notaport")));
        assertTrue(e.getMessage().contains("invalid BPF filter"), e.getMessage());
    }
}
