package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code netwatch observe|anomalies|incidents --follow | head -1} as a shell runs it: the CLI
 * in a process of its own, its standard output a real pipe, following a real aggregator over
 * loopback that has nothing more to send. Once the reader closes its end, the follower must
 * end by itself, not at its next write, which in a quiet cluster may be hours away.
 */
class FollowReaderGoneTest {
    /** A hang guard only: the follower ends as soon as the pipe's reader is gone. */
    private static final long GUARD_SECONDS = 60;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"observe", "anomalies", "incidents"})
    void aFollowerEndsWhenTheReaderOfItsPipeLeavesThoughNothingMoreArrives(String command) throws Exception {
        // Found in review: `netwatch anomalies -f | head -1` held its stream to the aggregator
        // until the next anomaly, whose write was the first to find the pipe closed.
        try (AggregatorServer aggregator = AggregatorServer.start(AggregatorConfig.listenOn(
                new InetSocketAddress("127.0.0.1", 0)))) {
            long now = System.currentTimeMillis();
            aggregator.store().addFlow(Flow.newBuilder().setFlowId(1).setNodeName("node-a").setIpProtocol(6)
                    .setSource(Endpoint.newBuilder().setIp("10.244.1.5").setPort(41000))
                    .setDestination(Endpoint.newBuilder().setIp("10.244.1.6").setPort(9000))
                    .setFirstSeen(Timestamps.fromMillis(now)).setLastSeen(Timestamps.fromMillis(now)).build(), now);
            aggregator.store().addAnomaly(Anomaly.newBuilder().setId("node-a-port_scan-1").setNodeName("node-a")
                    .setAnomalyType("port_scan").setSeverity(Severity.SEVERITY_MEDIUM).setDetector("agent.scan")
                    .setSource(Endpoint.newBuilder().setIp("10.244.9.9"))
                    .setDestination(Endpoint.newBuilder().setIp("10.244.1.5"))
                    .setStart(Timestamps.fromMillis(now)).setEnd(Timestamps.fromMillis(now)).build(), now);
            assertTrue(aggregator.incidents().tracker().awaitIdle(10_000), "the anomaly's incident was not made");

            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Path stderr = tmp.resolve("stderr");
            Process cli = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-cp",
                    System.getProperty("java.class.path"), NetwatchMain.class.getName(), command, "--follow",
                    "--aggregator", "127.0.0.1:" + aggregator.port())
                    .redirectError(stderr.toFile()).start();
            try {
                cli.getOutputStream().close();
                BufferedReader out = new BufferedReader(new InputStreamReader(cli.getInputStream(),
                        StandardCharsets.UTF_8));
                String first = out.readLine();
                assertTrue(first != null, "nothing printed: " + Files.readString(stderr));
                // head -1 leaves: this process held the pipe's only read end.
                out.close();
                boolean ended = cli.waitFor(GUARD_SECONDS, TimeUnit.SECONDS);
                assertTrue(ended, command + " --follow still runs " + GUARD_SECONDS
                        + " s after the reader of its standard output left");
                // As when a write finds the pipe closed: status 0 and nothing said, as tcpdump.
                assertEquals(0, cli.exitValue(), Files.readString(stderr));
                assertEquals("", Files.readString(stderr));
            } finally {
                cli.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
