package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.aggregator.TestAgent;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Endpoint;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code netwatch incidents} against a real aggregator fed over the ingest stream: the table,
 * the JSON lines, the filters, and a mistake named with what is allowed.
 */
class IncidentsCommandTest {
    private static Anomaly scan(String node, String target, long second) {
        return Anomaly.newBuilder().setId(node + "-port_scan-1").setNodeName(node).setAnomalyType("port_scan")
                .setSeverity(Severity.SEVERITY_MEDIUM).setAttackTechnique("T1046").setDetector("agent.scan")
                .setSource(Endpoint.newBuilder().setIp("10.244.9.9")).setDestination(Endpoint.newBuilder().setIp(target))
                .setStart(Timestamps.fromSeconds(second)).setEnd(Timestamps.fromSeconds(second + 2)).build();
    }

    @Test
    void showsTheIncidentOfAScannerSeenOnTwoNodes() throws Exception {
        try (AggregatorServer aggregator = AggregatorServer.start(AggregatorConfig.listenOn(
                new InetSocketAddress("127.0.0.1", 0)))) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", aggregator.port()).usePlaintext()
                    .build();
            long now = System.currentTimeMillis() / 1000;
            try (TestAgent a = TestAgent.connect(channel, "node-a"); TestAgent b = TestAgent.connect(channel, "node-b")) {
                a.sendAnomalies(List.of(scan("node-a", "10.244.1.5", now)));
                b.sendAnomalies(List.of(scan("node-b", "10.244.2.7", now + 1)));
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            assertTrue(aggregator.incidents().tracker().awaitIdle(10_000));
            String address = "127.0.0.1:" + aggregator.port();

            CliRun table = CliRun.of("incidents", "--aggregator", address);
            assertEquals(0, table.code(), table.stderr());
            assertEquals(2, table.lines().size(), table.stdout());
            String head = table.lines().getFirst();
            assertTrue(head.startsWith("OPEN     HIGH     inc-1      scan        10.244.9.9  2 detections, 2 nodes, "
                    + "2 targets  updated "), head);
            String summary = table.lines().get(1);
            assertTrue(summary.contains("port_scan x2") && summary.contains("2 nodes (node-a, node-b)")
                    && summary.contains("ATT&CK T1046") && summary.contains("raised from medium for 2 nodes"), summary);

            CliRun json = CliRun.of("incidents", "--aggregator", address, "--json");
            assertEquals(0, json.code(), json.stderr());
            JsonNode line = new ObjectMapper().readTree(json.lines().getFirst());
            assertEquals("incident", line.get("type").asText());
            assertEquals("inc-1", line.get("id").asText());
            assertEquals("open", line.get("state").asText());
            assertEquals("high", line.get("severity").asText());
            assertEquals("medium", line.get("base_severity").asText());
            assertEquals("scan", line.get("family").asText());
            assertEquals(2, line.get("types").get("port_scan").asInt());
            assertEquals("[\"node-a\",\"node-b\"]", line.get("nodes").toString());
            assertEquals("[\"node-a-port_scan-1\",\"node-b-port_scan-1\"]", line.get("anomaly_ids").toString());
            assertTrue(line.get("change") == null, "no change field outside --follow");

            CliRun critical = CliRun.of("incidents", "--aggregator", address, "--min-severity", "critical");
            assertEquals(0, critical.code());
            assertEquals("", critical.stdout());
            assertTrue(critical.stderr().contains("netwatch incidents: none"), critical.stderr());
            assertEquals("", CliRun.of("incidents", "--aggregator", address, "--state", "resolved").stdout());

            // Found by a new user: the table prints "OPEN     HIGH", and --state OPEN or
            // --min-severity HIGH, copied from it, were refused "(case-sensitive)", where
            // observe's --protocol TCP and --verdict DENIED are taken.
            CliRun upper = CliRun.of("incidents", "--aggregator", address, "--min-severity", "HIGH", "--state", "OPEN");
            assertEquals(0, upper.code(), upper.stderr());
            assertTrue(upper.stdout().startsWith("OPEN     HIGH     inc-1"), upper.stdout());

            CliRun wrong = CliRun.of("incidents", "--aggregator", address, "--state", "closed");
            assertEquals(2, wrong.code());
            assertTrue(wrong.stderr().contains("--state") && wrong.stderr().contains("open, resolved"),
                    wrong.stderr());
            CliRun since = CliRun.of("incidents", "--aggregator", address, "--since", "yesterday");
            assertEquals(2, since.code());
            assertTrue(since.stderr().contains("--since") && since.stderr().contains("5m"), since.stderr());
        }
    }
}
