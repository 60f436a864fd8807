package io.netwatch.aggregator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netwatch.aggregator.baseline.BaselineConfig;
import io.netwatch.aggregator.store.BoundedLog;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The baseline survives a restart of a real aggregator through baseline.file; a damaged file is set aside. */
class BaselinePersistenceTest {
    @TempDir
    Path dir;

    private static AggregatorServer start(BaselineConfig baseline) throws Exception {
        return AggregatorServer.start(new AggregatorConfig(new InetSocketAddress("127.0.0.1", 0), 1000, 1000,
                Duration.ofHours(1)).withBaseline(baseline));
    }

    private static Endpoint pod(String ip, String deployment, int port) {
        return Endpoint.newBuilder().setIp(ip).setPort(port).setWorkload(Workload.newBuilder().setNamespace("shop")
                .setPodName(deployment + "-1").setWorkloadKind("Deployment").setWorkloadName(deployment)).build();
    }

    private static Flow flow(long id, Endpoint source, Endpoint destination) {
        return Flow.newBuilder().setFlowId(id).setNodeName("node-a").setSource(source).setDestination(destination)
                .setIpProtocol(6).setIpVersion(4).setToServer(Counters.newBuilder().setPackets(3).setBytes(900))
                .setFirstSeen(Timestamps.fromSeconds(1_000)).setLastSeen(Timestamps.fromSeconds(1_001)).build();
    }

    /** Sends each flow as its own batch, one agent stream, then lets the baseline take them in. */
    private static void send(AggregatorServer server, Flow... flows) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        try (TestAgent agent = TestAgent.connect(channel, "node-a")) {
            for (Flow f : flows) {
                agent.sendFlows(List.of(f));
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        server.baselines().flush();
    }

    private static List<Anomaly> newEdges(AggregatorServer server) {
        return server.store().anomalies().read(0, 1000).entries().stream().map(BoundedLog.Entry::value)
                .filter(a -> a.getAnomalyType().equals("new_edge")).toList();
    }

    @Test
    void theBaselineAndItsLearningClockSurviveARestart() throws Exception {
        Path file = dir.resolve("baseline.pb");
        BaselineConfig config = BaselineConfig.defaults().withLearning(Duration.ofSeconds(2), Duration.ZERO)
                .withFile(file, Duration.ofHours(1));
        Endpoint web = pod("10.244.1.5", "web", 40000);
        Endpoint db = pod("10.244.1.6", "db", 5432);
        Endpoint cache = pod("10.244.1.7", "cache", 6379);
        try (AggregatorServer first = start(config)) {
            send(first, flow(1, web, db), flow(2, cache, db));
            assertEquals(2, first.baselines().stats().edges());
            assertTrue(first.baselines().stats().learning());
        }
        assertTrue(Files.size(file) > 0, "written on shutdown");
        Thread.sleep(2_200); // the learning period, which started with the first server's first flow, ends

        try (AggregatorServer second = start(config)) {
            assertEquals(2, second.baselines().stats().edges(), "restored from the file");
            assertFalse(second.baselines().stats().learning(), "learning is not started again by a restart");
            send(second, flow(3, web, db), flow(4, web, cache));
            List<Anomaly> raised = newEdges(second);
            assertEquals(1, raised.size(), "web -> db is known after the restart, web -> cache is new");
            assertTrue(raised.getFirst().getExplanation().getSummary().contains(
                    "shop/Deployment/web -> shop/Deployment/cache:6379/tcp"), raised.getFirst().toString());
            second.baselines().saveNow();
            assertEquals(1, second.baselines().saves());
        }
        try (AggregatorServer third = start(config)) {
            assertEquals(3, third.baselines().stats().edges(), "the edge learned after the restart was kept too");
        }
    }

    @Test
    void aDamagedFileIsSetAsideCountedAndLearningStartsAgain() throws Exception {
        Path file = dir.resolve("baseline.pb");
        byte[] garbage = "this is not a baseline \u0000\u00ff\u0001".getBytes(StandardCharsets.ISO_8859_1);
        Files.write(file, garbage);
        BaselineConfig config = BaselineConfig.defaults().withFile(file, Duration.ofHours(1));
        try (AggregatorServer server = start(config)) {
            assertEquals(1, server.baselines().loadFailures());
            assertEquals(0, server.baselines().stats().edges());
            assertTrue(server.baselines().stats().learning());
            assertArrayEquals(garbage, Files.readAllBytes(dir.resolve("baseline.pb.corrupt")), "kept for a person");
            assertTrue(server.meters().scrape().contains("netwatch_baseline_file_load_failures_total 1.0"));
        }
        assertTrue(Files.size(file) > 0, "a fresh file replaced it on shutdown");
    }

    @Test
    void aFileInAMissingDirectoryIsAStartErrorNamingIt() throws Exception {
        Path file = dir.resolve("no-such-dir").resolve("baseline.pb");
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> start(BaselineConfig.defaults().withFile(file, Duration.ofHours(1))));
        assertTrue(e.getMessage().contains("baseline.file " + file), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        // Found with the CLI's tests: the incident tracker's thread, started before, ran on.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> left;
        while (!(left = Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t))
                .map(Thread::getName).filter(n -> n.startsWith("netwatch-")).toList()).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the failed start left threads running: " + left);
            }
            Thread.sleep(10);
        }
    }
}
