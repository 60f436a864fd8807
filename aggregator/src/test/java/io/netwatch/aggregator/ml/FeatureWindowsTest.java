package io.netwatch.aggregator.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class FeatureWindowsTest {
    private final List<FeatureWindow> closed = new ArrayList<>();
    private final FeatureWindows windows = new FeatureWindows(10_000, 1000, closed::add);
    private static final long NOW = Traffic.T0 + 3_600_000;

    private Map<String, FeatureWindow> byActor() {
        return closed.stream().collect(Collectors.toMap(FeatureWindow::actor, w -> w, (a, b) -> a));
    }

    @Test
    void aFlowCountsOutboundForItsSourceAndInboundForItsDestination() {
        windows.accept(Traffic.tcp("10.1.0.1", "10.2.0.1", 443, Traffic.T0 + 100, 500, 7000, true), NOW);
        windows.accept(Traffic.tcp("10.1.0.1", "10.2.0.2", 22, Traffic.T0 + 200, 60, 54, false), NOW);
        windows.accept(Traffic.dns("10.1.0.1", "api.example.com", Traffic.T0 + 300), NOW);
        windows.flush();
        FeatureWindow client = byActor().get("10.1.0.1");
        assertEquals(3, client.value(Feature.FLOWS_OUT));
        assertEquals(0, client.value(Feature.FLOWS_IN));
        assertEquals(500 + 60 + 55, client.value(Feature.BYTES_OUT));
        assertEquals(7000 + 54 + 105, client.value(Feature.BYTES_IN));
        assertEquals(3, client.value(Feature.PEERS_OUT));
        assertEquals(3, client.value(Feature.PORTS_OUT));
        assertEquals(1, client.value(Feature.FAILED_OUT), "the RST to port 22 was never accepted");
        assertEquals(1, client.value(Feature.DNS_QUERIES));
        assertEquals("api.example.com".length(), client.value(Feature.DNS_NAME_LENGTH));
        FeatureWindow refused = byActor().get("10.2.0.2");
        assertEquals(1, refused.value(Feature.FLOWS_IN));
        assertEquals(1, refused.value(Feature.FAILED_IN));
        assertEquals(1, refused.value(Feature.PEERS_IN));
        assertEquals(54, refused.value(Feature.BYTES_OUT), "what the responder sent is its bytes out");
        assertEquals(Traffic.T0 / 10_000 * 10_000, client.startMillis());
        assertEquals(3, client.evidenceFlowIds().length);
    }

    @Test
    void theActorIsTheWorkloadWhenTheFlowCarriesIt() {
        Flow f = Traffic.tcp("10.1.0.1", "10.2.0.1", 443, Traffic.T0, 1, 1, true).toBuilder()
                .setSource(Endpoint.newBuilder().setIp("10.1.0.1").setWorkload(Workload.newBuilder()
                        .setNamespace("shop").setWorkloadKind("Deployment").setWorkloadName("cart"))).build();
        windows.accept(f, NOW);
        windows.accept(f.toBuilder().setSource(f.getSource().toBuilder().setIp("10.1.0.9")).build(), NOW);
        windows.flush();
        assertEquals(2, byActor().get("shop/cart").value(Feature.FLOWS_OUT), "two pods of one workload, one actor");
    }

    @Test
    void aWindowClosesWhenFlowTimeMovesTwoWindowsPastItAndInterimRecordsAreSkipped() {
        windows.accept(Traffic.tcp("10.1.0.1", "10.2.0.1", 443, Traffic.T0, 1, 1, true), NOW);
        windows.accept(Traffic.tcp("10.1.0.1", "10.2.0.1", 443, Traffic.T0 + 1, 1, 1, true).toBuilder()
                .setInterim(true).build(), NOW);
        windows.accept(Traffic.tcp("10.1.0.7", "10.2.0.9", 443, Traffic.T0 + 10_000, 1, 1, true), NOW);
        assertEquals(List.of(), closed, "one window of lateness is allowed");
        windows.accept(Traffic.tcp("10.1.0.7", "10.2.0.9", 443, Traffic.T0 + 20_000, 1, 1, true), NOW);
        assertTrue(byActor().containsKey("10.1.0.1"));
        assertEquals(1, byActor().get("10.1.0.1").value(Feature.FLOWS_OUT));
        assertEquals(1, windows.skippedInterim());
    }

    @Test
    void aRecordFromANodeWhoseClockIsAheadStallsNoWindowAndMergesNone() {
        long t = Traffic.T0 - Traffic.T0 % 10_000; // receipt times follow the aggregator's clock
        // One record from a node whose clock is 30 minutes ahead; then, from nodes whose clocks
        // agree with the aggregator's, a scan and a minute of traffic after it.
        windows.accept(Traffic.tcp("10.1.0.1", "10.2.0.1", 443, t + 500 + 30 * 60_000, 1, 1, true), t + 500);
        Traffic.portScan("10.1.0.66", "10.2.0.7", 50, t + 1_000).forEach(f -> windows.accept(f, t + 1_100));
        for (int s = 2; s < 60; s++) {
            windows.accept(Traffic.tcp("10.1.0.1", "10.2.0.1", 443, t + s * 1_000L, 1, 1, true), t + s * 1_000L);
        }
        assertTrue(byActor().containsKey("10.1.0.66"), "the scan's window closed once flow time went past it");
        FeatureWindow first = byActor().get("10.1.0.1");
        assertTrue(first != null && first.value(Feature.FLOWS_OUT) == 9, "10 s of 10.1.0.1's flows: " + first);
        assertEquals(1, windows.clockAhead());
    }

    @Test
    void distinctCountsSaturateAtTheirCapAndSayISo() {
        Traffic.portScan("10.1.0.66", "10.2.0.1", 5000, Traffic.T0).forEach(f -> windows.accept(f, NOW));
        windows.flush();
        FeatureWindow scan = byActor().get("10.1.0.66");
        assertEquals(DistinctSet.CAP, scan.value(Feature.PORTS_OUT));
        assertEquals(5000, scan.value(Feature.FAILED_OUT));
        assertEquals(1, windows.saturatedWindows());
    }

    @Test
    void aFloodOfRandomSourcesStaysWithinTheActorCapAndEveryEvictionIsCounted() {
        FeatureWindows small = new FeatureWindows(10_000, 500, closed::add);
        Random r = new Random(1);
        for (int i = 0; i < 100_000; i++) {
            String src = (r.nextInt(223) + 1) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256);
            small.accept(Traffic.tcp(src, "10.2.0.1", 80, Traffic.T0 + i / 50, 60, 0, false), NOW);
            assertTrue(small.actors() <= 500);
        }
        assertTrue(small.evicted() > 90_000, "evicted " + small.evicted());
        assertTrue(small.bytes() < 500 * 4_096, "bytes held " + small.bytes());
        small.flush();
        assertEquals(0, small.actors());
    }

    @Test
    void hostileRecordsNeverThrowAndAreCounted() {
        Flow absurd = Traffic.tcp("10.1.0.1", "10.2.0.1", 443, Traffic.T0, -1, Long.MAX_VALUE, true).toBuilder()
                .setToClient(Counters.newBuilder().setPackets(-1).setBytes(-5)).build();
        windows.accept(absurd, NOW);
        windows.accept(absurd, NOW);
        windows.accept(absurd.toBuilder().setLastSeen(Traffic.ts(0).toBuilder().setSeconds(Long.MAX_VALUE)).build(),
                NOW);
        windows.accept(absurd.toBuilder().setLastSeen(Traffic.ts(0).toBuilder().setSeconds(-99)).build(), NOW);
        windows.accept(absurd.toBuilder().setLastSeen(Traffic.ts(NOW + 86_400_000)).build(), NOW);
        windows.accept(absurd.toBuilder().clearSource().build(), NOW);
        windows.accept(Flow.getDefaultInstance(), NOW);
        windows.flush();
        assertEquals(5, windows.invalid());
        FeatureWindow w = byActor().get("10.1.0.1");
        assertEquals(Long.MAX_VALUE, w.value(Feature.BYTES_OUT), "a uint64 past 2^63 saturates");
        assertEquals(Long.MAX_VALUE, w.value(Feature.BYTES_IN));
        for (float v : w.point()) {
            assertTrue(Float.isFinite(v) && v >= 0, "point " + java.util.Arrays.toString(w.point()));
        }
    }
}
