package io.netwatch.aggregator.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Observation;
import io.netwatch.proto.flow.v1.Flow;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class MlDetectorTest {
    private static final long NOW = Traffic.T0 + 3_600_000;

    private static FlowStore store() {
        return new FlowStore(1_000_000, 10_000, Duration.ofDays(365 * 100));
    }

    /** Waits (the build machines are shared) until the queue is empty, then closes: the open windows are scored. */
    private static void drain(MlDetector ml) throws InterruptedException {
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (ml.queued() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        ml.close();
    }

    @Test
    void aScanAfterBenignTrafficBecomesAnExplainedAnomalyInTheStore() throws Exception {
        FlowStore store = store();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        MlDetector ml = MlDetector.start(new MlConfig(true, Duration.ofSeconds(10), MlConfig.DEFAULT_THRESHOLD, 128,
                1000), store, meters);
        List<Flow> benign = Traffic.benign(10, 60, 1);
        benign.forEach(f -> store.addFlow(f, NOW));
        long scanAt = Traffic.T0 + 600_000;
        Traffic.portScan("10.1.0.66", "10.2.0.1", 800, scanAt).forEach(f -> store.addFlow(f, NOW));
        drain(ml);

        List<Anomaly> found = store.anomalies().read(0, 10_000).entries().stream().map(e -> e.value())
                .filter(a -> a.getAnomalyType().equals("ml_outlier")).toList();
        Anomaly scan = found.stream().filter(a -> a.getSource().getIp().equals("10.1.0.66")).findFirst()
                .orElseThrow(() -> new AssertionError("no ml_outlier for the scanner; raised " + found + " scored "
                        + ml.windowsScored() + " warming " + ml.windowsWarming() + " failures " + ml.failures()
                        + " flows " + ml.windows().flows() + " invalid " + ml.windows().invalid() + " dropped " + ml.dropped()));
        assertEquals(OutlierAnomalies.DETECTOR, scan.getDetector());
        assertTrue(scan.getId().startsWith("ml-"), scan.getId());
        assertEquals("", scan.getNodeName());
        assertEquals("T1046", scan.getAttackTechnique());
        assertEquals(scanAt / 10_000 * 10, scan.getStart().getSeconds());
        assertTrue(scan.getEvidenceFlowIdsCount() > 0);
        Observation ports = scan.getExplanation().getObservationsList().stream()
                .filter(o -> o.getName().equals("distinct_destination_ports_high")).findFirst()
                .orElseThrow(() -> new AssertionError(scan.getExplanation().getSummary()));
        assertEquals(DistinctSet.CAP, ports.getObserved());
        assertTrue(ports.getExpected() < 10, "expected " + ports.getExpected());
        assertTrue(scan.getExplanation().getSummary().contains("distinct_destination_ports high"),
                scan.getExplanation().getSummary());
        long benignOutliers = found.stream().filter(a -> a.getSource().getIp().startsWith("10.1.0.")
                && !a.getSource().getIp().equals("10.1.0.66")).count();
        assertTrue(benignOutliers <= 2, "benign pods called outliers: " + benignOutliers);

        assertEquals(found.size(), store.anomalyCounts().count("ml_outlier"), "counted by the store like any other");
        assertEquals(found.size(), meters.get("netwatch.ml.outliers").functionCounter().count());
        assertTrue(meters.get("netwatch.ml.windows.scored").functionCounter().count() > 400);
        assertEquals(128, meters.get("netwatch.ml.windows.warming").functionCounter().count());
        assertEquals(ml.windowsScored(), meters.get("netwatch.ml.scoring").timer().count());
        assertEquals(1, meters.get("netwatch.ml.forests").gauge().value());
        assertEquals(0, meters.get("netwatch.ml.flows.dropped").functionCounter().count());
    }

    @Test
    void disabledMeansNoDetectorAndNoListener() {
        FlowStore store = store();
        assertNull(MlDetector.start(MlConfig.defaults().disabled(), store, new SimpleMeterRegistry()));
    }

    @Test
    void hostileFlowsAreCountedAndTheDetectorGoesOn() throws Exception {
        FlowStore store = store();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        MlDetector ml = MlDetector.start(new MlConfig(true, Duration.ofSeconds(10), 2.8, 4, 100), store, meters);
        Flow absurd = Traffic.tcp("10.1.0.1", "10.2.0.1", 443, Traffic.T0, -1, -1, true);
        for (int i = 0; i < 1000; i++) {
            store.addFlow(absurd.toBuilder().setLastSeen(Traffic.ts(Traffic.T0 + i * 1000L)).build(), NOW);
            store.addFlow(Flow.getDefaultInstance(), NOW);
        }
        drain(ml);
        assertEquals(1000, ml.windows().invalid());
        assertEquals(0, ml.failures());
        assertEquals(0, store.listenerFailures());
        assertTrue(ml.windowsScored() + ml.windowsWarming() > 100);
    }
}
