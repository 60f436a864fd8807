package io.netwatch.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netwatch.agent.inspect.InspectionEvent;
import io.netwatch.agent.inspect.dns.DnsParser;
import io.netwatch.agent.inspect.dns.DnsResult;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.agent.score.Detectors;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DetectorMetricsTest {
    /** A query for {@code name} (dotted, ASCII) at {@code nanos}, through the real parser. */
    private static InspectionEvent.Dns query(int id, String name, long nanos) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) (id >> 8), (byte) id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            b.write(label.length());
            b.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        b.writeBytes(new byte[] {0, 0, (byte) DnsParser.TYPE_A, 0, 1});
        byte[] raw = b.toByteArray();
        DnsResult.Ok ok = (DnsResult.Ok) DnsParser.parse(ByteBuffer.wrap(raw), 0, raw.length);
        return new InspectionEvent.Dns(id, nanos, new InspectionEvent.Endpoints("10.1.0.10", 40000, "10.96.0.10", 53,
                "udp"), ok.message(), raw);
    }

    @Test
    void subdomainsPastTheBoundOfADomainsWindowAreCounted() {
        DetectionConfig config = DetectionConfig.defaults();
        Detectors detectors = new Detectors(config, a -> { }, "node-a");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new DetectorMetrics(detectors).bindTo(registry);
        int bound = config.dnsTunnel().maxSubdomains();
        for (int i = 0; i < bound + 3; i++) {
            detectors.onEvent(query(i, "h" + i + ".example.com", 1_000_000_000L + i * 1_000_000L));
        }
        assertEquals(3, registry.get("netwatch.detector.dns.subdomain.overflows").functionCounter().count());
    }

    /** Names passed over for their zone, the configured ones with the cluster's own, are counted, not hidden. */
    @Test
    void queriesInTrustedZonesAreCounted() {
        DetectionConfig config = DetectionConfig.defaults().withTrustedZones(
                new io.netwatch.agent.score.TrustedZones("k8s.example.com", java.util.List.of("corp.example.net")));
        Detectors detectors = new Detectors(config, a -> { }, "node-a");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new DetectorMetrics(detectors).bindTo(registry);
        String[] names = {"web.shop.svc.k8s.example.com", "10-244-1-7.shop.pod.k8s.example.com", "4.3.2.10.in-addr.arpa",
            "build.corp.example.net", "www.example.org", "web.shop.svc.cluster.local"};
        for (int i = 0; i < names.length; i++) {
            detectors.onEvent(query(i, names[i], 1_000_000_000L + i * 1_000_000L));
        }
        assertEquals(4, registry.get("netwatch.detector.dns.trusted.zone.names").functionCounter().count());
    }

    /** Queries judged by a pod name's prefix are counted, whatever the verdict. */
    @Test
    void queriesForPodNamesJudgedByTheirPrefixAreCounted() {
        Detectors detectors = new Detectors(DetectionConfig.defaults(), a -> { }, "node-a");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new DetectorMetrics(detectors).bindTo(registry);
        String[] names = {"web-7d4b9c8f6-x2k9p.corp.example.com", "fluent-bit-7qz4m.corp.example.com",
            "web-7d4b9c8f6-x2k9p.corp.example.com", "www.example.org", "web-7d4b9c8f6-x2k9.corp.example.com"};
        for (int i = 0; i < names.length; i++) {
            detectors.onEvent(query(i, names[i], 1_000_000_000L + i * SECOND));
        }
        assertEquals(3, registry.get("netwatch.detector.dns.pod.names").functionCounter().count());
    }

    /**
     * Queries a pod made by trying a name it had just asked under the cluster domain under one of
     * the node's search domains are counted; so are the stems their table forgot.
     */
    @Test
    void queriesTriedUnderASearchDomainAreCounted() {
        Detectors detectors = new Detectors(DetectionConfig.defaults(), a -> { }, "node-a");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new DetectorMetrics(detectors).bindTo(registry);
        String[] names = {"api.stripe.com.shop.svc.cluster.local", "api.stripe.com.svc.cluster.local",
            "api.stripe.com.cluster.local", "api.stripe.com.corp.example.com", "api.stripe.com.dc1.example.com",
            "api.stripe.com", "www.example.org.corp.example.com"};
        for (int i = 0; i < names.length; i++) {
            detectors.onEvent(query(i, names[i], 1_000_000_000L + i * 1_000_000L));
        }
        assertEquals(2, registry.get("netwatch.detector.dns.search.path.names").functionCounter().count());
        for (int i = 0; i < 20; i++) {
            detectors.onEvent(query(100 + i, "n" + i + ".cluster.local", 2 * SECOND + i * 1_000_000L));
        }
        assertEquals(4 + 1, registry.get("netwatch.detector.evictions").tag("table", "dns_search_stems")
                .functionCounter().count(), "api.stripe.com and n0 to n3 replaced within their 10 s");
        assertEquals(0, registry.get("netwatch.detector.evictions").tag("table", "dns_search_clients")
                .functionCounter().count());
    }

    private static final long SECOND = 1_000_000_000L;
}
