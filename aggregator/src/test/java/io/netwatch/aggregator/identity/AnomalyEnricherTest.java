package io.netwatch.aggregator.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Workload;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An agent's anomaly's ends named by the pods that held their addresses when it began. */
class AnomalyEnricherTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * S;
    private static final long NOW_MILLIS = T0 / 1_000_000 + 120_000;

    private static Workload workload(String pod) {
        return Workload.newBuilder().setNamespace("shop").setPodName(pod).setWorkloadKind("Deployment")
                .setWorkloadName(pod.substring(0, pod.indexOf('-'))).build();
    }

    private static AddressHolder pod(String name) {
        return new AddressHolder("uid-" + name, workload(name), null, List.of());
    }

    private static IdentityIndex index() {
        return new IdentityIndex(100, 4, Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofSeconds(2));
    }

    private static Anomaly anomaly(long startNanos, Endpoint source, Endpoint destination) {
        return Anomaly.newBuilder().setId("node-a-port_scan-1").setAnomalyType("port_scan").setSource(source)
                .setDestination(destination).setStart(Timestamps.fromNanos(startNanos)).build();
    }

    private static Endpoint at(String ip) {
        return Endpoint.newBuilder().setIp(ip).build();
    }

    @Test
    void bothEndsAreNamedByTheirHoldersWhenTheAnomalyBegan() {
        IdentityIndex index = index();
        index.claim(IpKey.parse("10.0.0.1"), pod("web-1"), T0);
        index.release(IpKey.parse("10.0.0.1"), "uid-web-1", T0 + 60 * S);
        index.claim(IpKey.parse("10.0.0.1"), pod("batch-1"), T0 + 61 * S);
        index.claim(IpKey.parse("10.0.0.2"), pod("db-1"), T0);
        AnomalyEnricher enricher = new AnomalyEnricher(index);

        Anomaly a = enricher.enrich(anomaly(T0 + 30 * S, at("10.0.0.1"),
                at("10.0.0.2").toBuilder().setPort(5432).build()), NOW_MILLIS);
        assertEquals("web-1", a.getSource().getWorkload().getPodName(), "the pod of its start, not today's");
        assertEquals("10.0.0.1", a.getSource().getIp());
        assertEquals("db-1", a.getDestination().getWorkload().getPodName());
        assertEquals(5432, a.getDestination().getPort());
        assertEquals(2, enricher.endsNamed());
    }

    @Test
    void aTunnelsDomainAnOutsideAddressAndAnUnknownOneAreLeftAsTheyCame() {
        AnomalyEnricher enricher = new AnomalyEnricher(index());
        Endpoint domain = Endpoint.newBuilder().setWorkload(Workload.newBuilder().setExternalName("tunnel.example"))
                .build();
        Anomaly tunnel = anomaly(T0, at("10.0.0.9"), domain);
        assertSame(tunnel, enricher.enrich(tunnel, NOW_MILLIS));
        Anomaly garbage = anomaly(T0, at("not an address"), at("203.0.113.7"));
        assertSame(garbage, enricher.enrich(garbage, NOW_MILLIS));
        assertEquals(0, enricher.endsNamed());
        assertEquals(3, enricher.endsUnknown(), "the ends with an address");
    }

    @Test
    void anAgentsLabelGivesWayToTheHistoryAndIsKeptOnlyWhenItKnowsNothing() {
        IdentityIndex index = index();
        index.claim(IpKey.parse("10.0.0.1"), pod("web-1"), T0);
        index.claim(IpKey.parse("10.0.0.2"), pod("web-2"), T0 + 100 * S);
        AnomalyEnricher enricher = new AnomalyEnricher(index);
        Endpoint claimsAdmin = at("10.0.0.1").toBuilder().setWorkload(workload("admin-1").toBuilder()
                .setExternalName("tunnel.example")).build();
        Endpoint laterPod = at("10.0.0.2").toBuilder().setWorkload(workload("web-2")).build();
        Anomaly a = enricher.enrich(anomaly(T0 + S, claimsAdmin, laterPod), NOW_MILLIS);
        assertEquals(workload("web-1").toBuilder().setExternalName("tunnel.example").build(),
                a.getSource().getWorkload(), "the holder's, the agent's external name kept");
        assertFalse(a.getDestination().hasWorkload(), "nobody held it then: the later pod's label dropped");

        Endpoint unknown = at("10.0.0.3").toBuilder().setWorkload(workload("cart-1")).build();
        Anomaly kept = enricher.enrich(anomaly(T0, unknown, Endpoint.getDefaultInstance()), NOW_MILLIS);
        assertEquals("cart-1", kept.getSource().getWorkload().getPodName(), "the history has nothing for it");
    }

    @Test
    void aStartOutOfRangeOrMissingIsTakenAsTheArrival() {
        IdentityIndex index = index();
        index.claim(IpKey.parse("10.0.0.1"), pod("web-1"), T0 + 60 * S);
        AnomalyEnricher enricher = new AnomalyEnricher(index);
        Anomaly hostile = anomaly(T0, at("10.0.0.1"), Endpoint.getDefaultInstance()).toBuilder()
                .setStart(Timestamp.newBuilder().setSeconds(Long.MAX_VALUE).setNanos(-1)).build();
        assertEquals("web-1", enricher.enrich(hostile, NOW_MILLIS).getSource().getWorkload().getPodName());
        Anomaly none = hostile.toBuilder().clearStart().build();
        assertEquals("web-1", enricher.enrich(none, NOW_MILLIS).getSource().getWorkload().getPodName());
        assertEquals("", enricher.enrich(hostile, T0 / 1_000_000).getSource().getWorkload().getPodName(),
                "received before the pod held it");
    }
}
