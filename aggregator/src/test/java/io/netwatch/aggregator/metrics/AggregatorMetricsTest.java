package io.netwatch.aggregator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.aggregator.FlowFixtures;
import io.netwatch.aggregator.TestAgent;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.common.metrics.AnomalyCounts;
import io.netwatch.common.metrics.Exposition;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.query.v1.GetAgentsRequest;
import io.netwatch.proto.query.v1.GetFlowsRequest;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The aggregator's scrape endpoint over real HTTP, fed by a real ingest stream: every family
 * the operators' dashboards need is there, and 100,000 source addresses and as many made-up
 * anomaly types make exactly the series that ten make.
 */
class AggregatorMetricsTest {
    private static final int FEW = 10;
    private static final int MANY = 100_000;
    private static final int BATCH = 2_000;
    private static final long WAIT_SECONDS = 20;
    private static final Pattern IPV4 = Pattern.compile(".*\\b\\d{1,3}(\\.\\d{1,3}){3}\\b.*");

    /** Sends flows from source addresses {@code from} to {@code to - 1}, and anomalies from them. */
    private static void send(TestAgent agent, int from, int to) throws InterruptedException {
        for (int start = from; start < to; start += BATCH) {
            List<Flow> flows = new ArrayList<>();
            List<Anomaly> anomalies = new ArrayList<>();
            for (int i = start; i < Math.min(to, start + BATCH); i++) {
                String ip = "10." + (64 + (i >> 16)) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF);
                flows.add(FlowFixtures.flow(i, "node-m", FlowFixtures.endpoint(ip, 40000 + i % 1000),
                        FlowFixtures.endpoint("10.0.0.1", 80), 6, 1_000, 1_001));
                // Every known type and made-up ones (from a hostile or newer agent), every severity.
                String type = i % 2 == 0 ? FlowStore.ANOMALY_TYPES.get(i % FlowStore.ANOMALY_TYPES.size()) : "made_up_" + i;
                anomalies.add(Anomaly.newBuilder().setId("a" + i).setAnomalyType(type)
                        .setSeverityValue(i % 7).setSource(FlowFixtures.endpoint(ip, 0)).build());
            }
            agent.sendFlows(flows);
            agent.sendAnomalies(anomalies);
        }
    }

    private static void query(ManagedChannel channel) {
        var stub = QueryGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
        stub.getAgents(GetAgentsRequest.getDefaultInstance());
        stub.getFlows(GetFlowsRequest.newBuilder().setLimit(5).build()).forEachRemaining(r -> { });
    }

    @Test
    void everyFamilyIsServedAndAddressesDoNotMakeSeries() throws Exception {
        AggregatorConfig config = new AggregatorConfig(new InetSocketAddress("127.0.0.1", 0), 2 * MANY, 2 * MANY,
                Duration.ofHours(1)).withMetrics(new InetSocketAddress("127.0.0.1", 0));
        try (AggregatorServer server = AggregatorServer.start(config)) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
            try (TestAgent agent = TestAgent.connect(channel, "node-m")) {
                send(agent, 0, FEW);
                query(channel);
                Exposition few = Exposition.scrape(server.metricsPort());

                send(agent, FEW, FEW + MANY);
                query(channel);
                Exposition many = Exposition.scrape(server.metricsPort());

                assertEquals(FEW + MANY, many.value("netwatch_ingest_flows_total"));
                assertEquals(FEW + MANY, many.value("netwatch_ingest_anomalies_total"));
                assertEquals(1, many.value("netwatch_ingest_agents_connected"));
                assertEquals(1, many.value("netwatch_ingest_streams_opened_total"));
                assertEquals(FEW + MANY, many.value("netwatch_store_records{kind=\"flows\"}"));
                // Half the anomalies carried a made-up type: they count under "other".
                double other = 0;
                for (Severity s : AnomalyCounts.severities()) {
                    other += many.value("netwatch_anomalies_total{severity=\"" + AnomalyCounts.label(s)
                            + "\",type=\"other\"}");
                }
                assertEquals((FEW + MANY) / 2, other);
                assertTrue(many.value("netwatch_query_duration_seconds_count{code=\"OK\",method=\"GetAgents\"}") == 2);
                assertTrue(many.value("netwatch_query_duration_seconds_count{code=\"OK\",method=\"GetFlows\"}") == 2);
                assertTrue(many.names().containsAll(Set.of("jvm_memory_used_bytes", "jvm_threads_live_threads",
                        "process_cpu_usage", "process_uptime_seconds", "jvm_classes_loaded_classes")),
                        "JVM and process metrics: " + many.names());

                Set<String> fewSeries = few.series("netwatch_");
                assertEquals(fewSeries, many.series("netwatch_"), "series depend on the traffic");
                int all = many.samples().size();
                assertTrue(all < 600, all + " series in all");
                System.out.printf("aggregator: %d netwatch series, %d in all, after %d source addresses%n",
                        fewSeries.size(), all, FEW + MANY);
                for (String series : many.samples().keySet()) {
                    Matcher m = Exposition.LABEL.matcher(series);
                    while (m.find()) {
                        assertFalse(IPV4.matcher(m.group(2)).matches(), "address-like label value in " + series);
                        assertFalse(m.group(2).startsWith("made_up_"), "an agent's type became a label: " + series);
                    }
                }
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aMetricsPortInUseFailsTheStartAndSaysWhichAddress() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 0);
            InetSocketAddress metrics = new InetSocketAddress("127.0.0.1", taken.getLocalPort());
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> AggregatorServer.start(AggregatorConfig.listenOn(listen).withMetrics(metrics)));
            assertTrue(e.getMessage().startsWith("cannot serve metrics on 127.0.0.1:" + taken.getLocalPort() + ": "),
                    e.getMessage());
        }
    }

    @Test
    void probesAnswerOnTheMetricsPort() throws Exception {
        AggregatorConfig config = AggregatorConfig.listenOn(new InetSocketAddress("127.0.0.1", 0))
                .withMetrics(new InetSocketAddress("127.0.0.1", 0));
        try (AggregatorServer server = AggregatorServer.start(config)) {
            HttpClient http = HttpClient.newHttpClient();
            for (String path : new String[] {"/healthz", "/readyz"}) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.metricsPort() + path)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), path + " without a cluster to watch");
            }
        }
    }
}
