package io.netwatch.agent.metrics;

import static io.netwatch.agent.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.FlowSink;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.InspectionSink;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.common.metrics.Exposition;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What inspected messages said, as Prometheus scrapes it: Hubble's DNS and HTTP figures
 * (queries by type, responses by code, requests by method, responses by status) and
 * ServerHellos by version, each family with every value of its fixed label set from the start.
 */
class InspectionContentMetricsTest {
    private final Pipeline pipeline = Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(),
            DetectionConfig.defaults(), InspectionConfig.defaults(), Signatures.bundled(), FlowSink.NONE,
            AnomalySink.NONE, InspectionSink.NONE);
    private long t = 1_700_000_000_000_000_000L;
    private static final byte[] CLIENT = ipv4(10, 0, 0, 1);
    private static final byte[] SERVER = ipv4(10, 0, 0, 2);

    private void packet(byte[] src, byte[] dst, int protocol, byte[] l4, byte[] payload) {
        System.arraycopy(payload, 0, l4, protocol == 6 ? 20 : 8, payload.length);
        byte[] f = ethernet(0x0800, ipv4Packet(src, dst, protocol, l4));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }

    private void tcpExchange(int cport, int sport, byte[] request, byte[] response) {
        packet(CLIENT, SERVER, 6, tcp(cport, sport, 0x02, 100, 0), new byte[0]);
        packet(SERVER, CLIENT, 6, tcp(sport, cport, 0x12, 500, 0), new byte[0]);
        if (request.length > 0) {
            packet(CLIENT, SERVER, 6, tcp(cport, sport, 0x18, 101, request.length), request);
        }
        packet(SERVER, CLIENT, 6, tcp(sport, cport, 0x18, 501, response.length), response);
    }

    @Test
    void whatTheMessagesSaidIsServedUnderBoundedLabels() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new PipelineMetrics(pipeline).bindTo(registry);
        // A TXT query for a name that does not exist, and its NXDOMAIN.
        byte[] query = HexFormat.of().parseHex("abcd01000001000000000000" + "0178036c6162047465737400" + "00100001");
        byte[] nxdomain = HexFormat.of().parseHex("abcd81830001000000000000" + "0178036c6162047465737400" + "00100001");
        packet(CLIENT, SERVER, 17, udp(40000, 53, query.length), query);
        packet(SERVER, CLIENT, 17, udp(53, 40000, nxdomain.length), nxdomain);
        tcpExchange(40001, 80, "DELETE /x HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        // A TLS 1.0 ServerHello: version 0x0301, a random, no session id, TLS_RSA_WITH_AES_128_CBC_SHA, no extensions.
        tcpExchange(40002, 443, new byte[0], HexFormat.of().parseHex("160301002c" + "02000028" + "0301"
                + "42".repeat(32) + "00" + "002f" + "00" + "0000"));
        pipeline.finish();

        Exposition served = Exposition.parse(registry.scrape());
        assertEquals(1, served.value("netwatch_inspect_dns_queries_total{qtype=\"TXT\"}"));
        assertEquals(0, served.value("netwatch_inspect_dns_queries_total{qtype=\"A\"}"));
        assertEquals(1, served.value("netwatch_inspect_dns_responses_total{rcode=\"NXDOMAIN\"}"));
        assertEquals(0, served.value("netwatch_inspect_dns_responses_total{rcode=\"NOERROR\"}"));
        assertEquals(1, served.value("netwatch_inspect_http_requests_total{method=\"DELETE\"}"));
        assertEquals(1, served.value("netwatch_inspect_http_responses_total{status=\"4xx\"}"));
        assertEquals(1, served.value("netwatch_inspect_tls_server_hellos_total{protocol=\"tls\",version=\"tls1.0\"}"));
        assertEquals(0, served.value("netwatch_inspect_tls_server_hellos_total{protocol=\"quic\",version=\"tls1.3\"}"));

        // Every value of each fixed set is served from the start, at zero until seen.
        assertEquals(14, served.series("netwatch_inspect_dns_queries_total{").size());
        assertEquals(7, served.series("netwatch_inspect_dns_responses_total{").size());
        assertEquals(10, served.series("netwatch_inspect_http_requests_total{").size());
        assertEquals(6, served.series("netwatch_inspect_http_responses_total{").size());
        assertEquals(12, served.series("netwatch_inspect_tls_server_hellos_total{").size());
    }
}
