package io.netwatch.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netwatch.agent.Frames;
import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.export.AgentHealth;
import io.netwatch.agent.export.ExportConfig;
import io.netwatch.agent.export.FlowStreamer;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.InspectionSink;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.score.PortScanConfig;
import io.netwatch.common.metrics.Exposition;
import io.netwatch.proto.ingest.v1.Hello;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Cardinality stays bounded whatever the traffic: 100,000 source addresses make exactly the
 * series that ten make, and no label value is an address.
 */
class CardinalityTest {
    private static final int MANY = 100_000;
    private static final int FEW = 10;
    private static final byte[] SERVER = Frames.ipv4(10, 0, 0, 1);
    private static final int SYN = 0x02;
    private static final int SYN_ACK = 0x12;
    private static final int RST_ACK = 0x14;
    private static final Pattern IPV4 = Pattern.compile(".*\\b\\d{1,3}(\\.\\d{1,3}){3}\\b.*");
    private static final Pattern IPV6 = Pattern.compile(".*[0-9a-fA-F]{0,4}:[0-9a-fA-F]{0,4}:.*");

    /** What the agent would serve after {@code sources} addresses connected to one server. */
    private record Run(Exposition metrics, long packets) {
    }

    private static Run run(int sources) throws InterruptedException {
        ManagedChannel channel = InProcessChannelBuilder.forName("cardinality-" + System.nanoTime()).build();
        // Never started: the queue only fills, and the overflow is counted.
        FlowStreamer streamer = new FlowStreamer(channel, new ExportConfig(512, Duration.ofMillis(20), 1000, 4,
                Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100)),
                Hello.newBuilder().setNodeName("node-c").setBootId("boot-c").build(), AgentHealth.NONE);
        Signatures signatures = Signatures.bundled();
        Pipeline pipeline = Pipeline.create("node-c", List.of("eth0"), FlowTableConfig.defaults(),
                PortScanConfig.defaults(), InspectionConfig.defaults(), signatures, streamer, streamer,
                InspectionSink.NONE);
        PrometheusMeterRegistry registry = AgentMeters.create(pipeline, streamer, signatures, null);
        long t = 1_800_000_000_000_000_000L;
        long packets = 0;
        for (int i = 0; i < sources; i++) {
            byte[] client = Frames.ipv4(10, 64 + (i >> 16), (i >> 8) & 0xFF, i & 0xFF);
            int port = 40_000 + (i % 20_000);
            // A handshake to the server, answered.
            packets += offer(pipeline, Frames.ethernetIpv4Tcp(client, port, SERVER, 80, SYN, 0), t++);
            packets += offer(pipeline, Frames.ethernetIpv4Tcp(SERVER, 80, client, port, SYN_ACK, 0), t++);
            if (i % 100 == 0) {
                // Every hundredth source also probes 30 closed ports: the port-scan detector fires.
                for (int p = 1; p <= 30; p++) {
                    packets += offer(pipeline, Frames.ethernetIpv4Tcp(client, port, SERVER, 1000 + p, SYN, 0), t++);
                    packets += offer(pipeline, Frames.ethernetIpv4Tcp(SERVER, 1000 + p, client, port, RST_ACK, 0),
                            t++);
                }
            }
            if (i % 1000 == 0) {
                // A frame cut inside its IP header: a decode error.
                byte[] cut = Frames.ethernet(0x0800, new byte[] {0x45, 0, 0, 60, 0, 1, 0x40, 0, 64, 6});
                pipeline.onPacket(Frames.buffer(cut), LinkType.ETHERNET, t++, 74, 0);
                packets++;
            }
        }
        pipeline.finish();
        Exposition metrics = Exposition.parse(registry.scrape());
        streamer.close();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        return new Run(metrics, packets);
    }

    private static int offer(Pipeline pipeline, byte[] frame, long t) {
        pipeline.onPacket(Frames.buffer(frame), LinkType.ETHERNET, t * 1000, frame.length, 0);
        return 1;
    }

    @Test
    void hundredThousandAddressesMakeNoMoreSeriesThanTen() throws Exception {
        Run few = run(FEW);
        Run many = run(MANY);

        // The traffic went through: every packet counted, the flows made, the scans detected.
        assertEquals(many.packets(), many.metrics().value("netwatch_capture_packets_total"));
        assertTrue(many.metrics().value("netwatch_flows_started_total") >= MANY);
        assertTrue(many.metrics().value("netwatch_anomalies_total{type=\"port_scan\"}") > 0, "scans were detected");
        assertTrue(many.metrics().value("netwatch_export_dropped_records_total{kind=\"flow\"}") > 0,
                "the export queue overflowed, counted");

        Set<String> fewSeries = few.metrics().series("netwatch_");
        Set<String> manySeries = many.metrics().series("netwatch_");
        assertEquals(fewSeries, manySeries, "the agent's own series depend on the traffic's addresses");
        // JVM and process series are a fixed set per JVM (pools, collectors, thread states).
        int all = many.metrics().samples().size();
        assertTrue(all < 400, all + " series in all");
        System.out.printf("agent: %d netwatch series, %d in all, after %d source addresses and %d packets%n",
                manySeries.size(), all, MANY, many.packets());

        for (String series : many.metrics().samples().keySet()) {
            Matcher m = Exposition.LABEL.matcher(series);
            while (m.find()) {
                assertFalse(IPV4.matcher(m.group(2)).matches(), "IPv4-like label value in " + series);
                assertFalse(IPV6.matcher(m.group(2)).matches(), "IPv6-like label value in " + series);
            }
        }
    }
}
