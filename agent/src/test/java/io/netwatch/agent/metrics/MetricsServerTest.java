package io.netwatch.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netwatch.agent.Frames;
import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.export.AgentHealth;
import io.netwatch.agent.export.ExportConfig;
import io.netwatch.agent.export.FlowStreamer;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.common.metrics.Exposition;
import io.netwatch.common.metrics.MetricsServer;
import io.netwatch.proto.ingest.v1.Hello;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scrape endpoint over real HTTP, serving the pipeline and export meters after a replay of
 * the demo capture into an export queue that nothing drains.
 */
class MetricsServerTest {
    private static final int DEMO_PACKETS = 532;
    private static final long DEMO_BYTES = 48_358;
    private static final int DEMO_FLOWS = 215;
    /** Export queue capacity: the replay's 215 flow records and 1 anomaly overflow it. */
    private static final int QUEUE = 100;
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** A label pair in the exposition: name="value" (values escape \ and "). */
    private static final Pattern IPV4 = Pattern.compile(".*\\b\\d{1,3}(\\.\\d{1,3}){3}\\b.*");
    private static final Pattern IPV6 = Pattern.compile(".*[0-9a-fA-F]{0,4}:[0-9a-fA-F]{0,4}:.*");

    private ManagedChannel channel;
    private FlowStreamer streamer;
    private Pipeline pipeline;
    private MetricsServer server;
    private final AtomicBoolean ready = new AtomicBoolean(false);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT).build();

    @BeforeEach
    void replayAndServe() throws Exception {
        // A channel to an in-process server that never exists; the streamer is never started,
        // so its queue only fills.
        channel = InProcessChannelBuilder.forName("metrics-test-no-server-" + System.nanoTime()).build();
        streamer = new FlowStreamer(channel, new ExportConfig(512, Duration.ofMillis(20), QUEUE, 4,
                Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100)),
                Hello.newBuilder().setNodeName("node-m").setBootId("boot-m").build(), AgentHealth.NONE);
        pipeline = Pipeline.create("node-m", java.util.List.of("file"), FlowTableConfig.defaults(),
                DetectionConfig.defaults(), streamer, streamer);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new PipelineMetrics(pipeline).bindTo(registry);
        new ExportMetrics(streamer).bindTo(registry);

        try (PcapFileSource source = PcapFileSource.open(demoPcap())) {
            source.run(pipeline);
        }
        // One frame cut inside its IPv4 header: 14 bytes of Ethernet and 10 of IP, 74 on the wire.
        byte[] cut = Frames.ethernet(0x0800, new byte[] {0x45, 0, 0, 60, 0, 1, 0x40, 0, 64, 6});
        pipeline.onPacket(Frames.buffer(cut), LinkType.ETHERNET, 1_795_678_007_000_000_000L, 74, 0);
        pipeline.finish();

        server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0), registry, ready::get);
    }

    @AfterEach
    void close() throws InterruptedException {
        if (server != null) {
            server.close();
        }
        streamer.close();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static Path demoPcap() {
        String root = System.getProperty("netwatch.repo.root");
        if (root != null && Files.isRegularFile(Path.of(root, "samples", "demo.pcap"))) {
            return Path.of(root, "samples", "demo.pcap");
        }
        return Path.of("..", "samples", "demo.pcap");
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsCarryTheReplayedCounts() throws Exception {
        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("content-type").orElse(""));
        Exposition s = Exposition.parse(r.body());

        assertEquals(DEMO_PACKETS + 1, s.value("netwatch_capture_packets_total"));
        assertEquals(DEMO_BYTES + 74, s.value("netwatch_capture_bytes_total"));
        assertEquals(0, s.value("netwatch_capture_truncated_packets_total"));
        assertEquals(0, s.value("netwatch_pipeline_failed_packets_total"));
        assertEquals(1, s.value("netwatch_decode_errors_total{reason=\"truncated_ip_header\"}"));
        assertEquals(0, s.value("netwatch_decode_errors_total{reason=\"bad_ip_version\"}"));
        assertEquals(0, s.value("netwatch_decode_skipped_packets_total{reason=\"not_ip\"}"));
        assertFalse(s.samples().containsKey("netwatch_decode_errors_total{reason=\"none\"}"), "decoded packets are no error");
        assertFalse(s.samples().containsKey("netwatch_decode_errors_total{reason=\"not_ip\"}"), "not_ip is a skip, not an error");
        // Not "flows.created": "_created" is a reserved OpenMetrics suffix the registry strips.
        assertEquals(DEMO_FLOWS, s.value("netwatch_flows_started_total"));
        assertEquals(DEMO_FLOWS, s.value("netwatch_flow_records_total"));
        assertEquals(0, s.value("netwatch_flows_evicted_total"));
        assertEquals(0, s.value("netwatch_flows_active"));
        assertEquals(1, s.value("netwatch_anomalies_total{severity=\"medium\",type=\"port_scan\"}"));
        assertEquals(0, s.value("netwatch_anomalies_total{severity=\"high\",type=\"port_scan\"}"));
        assertEquals(0, s.value("netwatch_anomalies_total{severity=\"medium\",type=\"syn_flood\"}"));
        assertEquals(0, s.value("netwatch_detector_evictions_total{table=\"scan_walks\"}"));

        // 215 flow records offered to a queue of 100 that nothing drains; the scan's anomaly waits in a
        // queue of its own, so the flows fill theirs.
        assertEquals(QUEUE, s.value("netwatch_export_queued_records_total{kind=\"flow\"}"));
        assertEquals(DEMO_FLOWS - QUEUE, s.value("netwatch_export_dropped_records_total{kind=\"flow\"}"));
        assertEquals(0, s.value("netwatch_export_dropped_records_total{kind=\"anomaly\"}"));
        assertEquals(0, s.value("netwatch_export_acked_records_total{kind=\"flow\"}"));
        assertEquals(0, s.value("netwatch_export_acked_records_total{kind=\"anomaly\"}"));
        assertEquals(0, s.value("netwatch_export_batches_sent_total"));
        assertEquals(0, s.value("netwatch_export_reconnects_total"));
        assertEquals(QUEUE + 1, s.value("netwatch_export_queue_depth"), "the flows' queue, full, and the anomaly");
        assertEquals(0, s.value("netwatch_export_unacked_batches"));

        // A query string does not change the path.
        assertEquals(200, get("/metrics?name[]=netwatch_flows_active").statusCode());
    }

    @Test
    void noLabelValueIsAnAddress() throws Exception {
        String body = get("/metrics").body();
        Set<String> keys = new HashSet<>();
        int values = 0;
        for (String line : body.split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            Matcher m = Exposition.LABEL.matcher(line);
            while (m.find()) {
                keys.add(m.group(1));
                String v = m.group(2);
                values++;
                assertFalse(IPV4.matcher(v).matches(), "IPv4-like label value in: " + line);
                assertFalse(IPV6.matcher(v).matches(), "IPv6-like label value in: " + line);
            }
        }
        assertTrue(values > 0, "the exposition has labelled series");
        // Cardinality stays bounded: only reasons, record kinds, anomaly types and severities,
        // application protocols, HTTP stream events, detector and table names, and what
        // inspected messages said (DNS types and codes, HTTP methods and status classes, TLS
        // versions: each a fixed list with "other") label the series.
        assertEquals(Set.of("reason", "kind", "type", "severity", "protocol", "event", "detector", "table", "qtype",
                "rcode", "method", "status", "version"), keys);
        // Sanity of the check itself: the addresses of the demo are nowhere in the exposition.
        assertFalse(body.contains("10.99.0."), "an address leaked into the exposition");
        assertFalse(body.contains("fd99::"), "an address leaked into the exposition");
    }

    @Test
    void healthReadinessAndErrors() throws Exception {
        HttpResponse<String> health = get("/healthz");
        assertEquals(200, health.statusCode());
        assertEquals("ok\n", health.body());

        HttpResponse<String> notReady = get("/readyz");
        assertEquals(503, notReady.statusCode());
        assertEquals("not ready\n", notReady.body());
        ready.set(true);
        HttpResponse<String> isReady = get("/readyz");
        assertEquals(200, isReady.statusCode());
        assertEquals("ready\n", isReady.body());

        assertEquals(404, get("/nope").statusCode());
        assertEquals(404, get("/metrics/").statusCode());

        HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri("/metrics")).timeout(TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString("x=1")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        HttpResponse<String> delete = http.send(HttpRequest.newBuilder(uri("/healthz")).timeout(TIMEOUT)
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, delete.statusCode());

        HttpResponse<Void> head = http.send(HttpRequest.newBuilder(uri("/healthz")).timeout(TIMEOUT)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(200, head.statusCode());
    }

    @Test
    void aRequestLargerThanTheLimitIsRefused() throws Exception {
        // 8 KiB is the most the endpoint aggregates; a bigger body never reaches the handler.
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/metrics")).timeout(TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(20_000))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(413, r.statusCode());
        // The server still answers afterwards.
        assertEquals(200, get("/healthz").statusCode());
    }
}
