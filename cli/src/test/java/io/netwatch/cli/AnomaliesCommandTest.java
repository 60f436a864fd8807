package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Workload;
import org.junit.jupiter.api.Test;

/** What the query commands refuse or print when a user would otherwise be misled. */
class AnomaliesCommandTest {
    @Test
    void anUnknownTypeIsRefusedWithTheTypes() {
        // Refused before any connection: no aggregator is needed (nothing listens on port 1).
        CliRun r = CliRun.of("anomalies", "--aggregator", "127.0.0.1:1", "--type", "port_scan,portscan");
        assertEquals(2, r.code(), r.stderr());
        assertTrue(r.stderr().startsWith("netwatch anomalies: --type portscan is not an anomaly type; the types are "
                + "port_scan, ip_sweep, "), r.stderr());
    }

    @Test
    void anAggregatorThatCannotBeReachedIsAFailureNotAMistake() {
        // Found in review: it exited 2, the status of a typo, so a script could not tell an outage.
        CliRun r = CliRun.of("agents", "--aggregator", "127.0.0.1:1");
        assertEquals(1, r.code(), r.stderr());
        assertTrue(r.stderr().startsWith("netwatch agents: cannot reach the aggregator at 127.0.0.1:1"), r.stderr());
    }

    @Test
    void aSinceNotBeforeTheUntilIsRefusedNotAnsweredNone() {
        // Found in review: observe answered "none" as if nothing had been stored.
        CliRun r = CliRun.of("observe", "--aggregator", "127.0.0.1:1", "--since", "1m", "--until", "2h");
        assertEquals(2, r.code(), r.stderr());
        assertTrue(r.stderr().startsWith("netwatch observe: --since 1m is not before --until 2h"), r.stderr());
    }

    @Test
    void aFloodNamesNoSourceAndSaysSo() {
        // Found in review: "syn_flood      -> 10.10.10.10", an empty source.
        String line = TextFormat.anomaly(Anomaly.newBuilder().setAnomalyType("syn_flood")
                .setDestination(Endpoint.newBuilder().setIp("10.10.10.10")).build());
        assertTrue(line.contains("syn_flood    (many sources) -> 10.10.10.10"), line);
    }

    @Test
    void theActorAndTargetAreNamedWithTheirAddressesWhenTheAggregatorKnewThem() {
        String line = TextFormat.anomaly(Anomaly.newBuilder().setAnomalyType("port_scan")
                .setSource(Endpoint.newBuilder().setIp("10.0.0.5").setWorkload(Workload.newBuilder()
                        .setNamespace("shop").setPodName("web-1")))
                .setDestination(Endpoint.newBuilder().setIp("203.0.113.7").setWorkload(Workload.newBuilder()
                        .setExternalName("api.example.com"))).build());
        assertTrue(line.contains("port_scan    shop/web-1 (10.0.0.5) -> api.example.com (203.0.113.7)"), line);
        // An outside address without a name has its network in external_name: not a name.
        line = TextFormat.anomaly(Anomaly.newBuilder().setAnomalyType("port_scan")
                .setSource(Endpoint.newBuilder().setIp("10.0.0.5"))
                .setDestination(Endpoint.newBuilder().setIp("203.0.113.7").setWorkload(Workload.newBuilder()
                        .setExternalName("203.0.113.0/24"))).build());
        assertTrue(line.contains("port_scan    10.0.0.5 -> 203.0.113.7  score"), line);
    }
}
