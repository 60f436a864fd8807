package io.netwatch.agent.score;

import static io.netwatch.agent.score.Flows.SECOND;
import static io.netwatch.agent.score.Flows.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.Flow;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An edge's bytes per minute against the baseline the aggregator pushed. */
class VolumeSpikeDetectorTest {
    private static final long MINUTE = 60 * SECOND;
    /** The minute T0 falls in starts here. */
    private static final long M0 = Math.floorDiv(T0, MINUTE) * MINUTE;
    /** 200 KiB ± 50 KiB per minute, learned over 30 minutes. */
    private static final EdgeBaselines.Expected LEARNED = new EdgeBaselines.Expected(
            "shop/Deployment/web -> shop/Deployment/db:5432/6", 200_000, 50_000, 30);

    private final List<Anomaly> anomalies = new ArrayList<>();
    /** Only the web -> db edge (port 5432) has a baseline. */
    private final EdgeBaselines baselines = f -> f.getDestination().getPort() == 5432 ? LEARNED : null;
    private final VolumeSpikeDetector detector = new VolumeSpikeDetector(VolumeSpikeConfig.defaults(), baselines,
            anomalies::add, "node-a");

    private static Flow transfer(long id, int port, long at, long bytes) {
        return Flows.tcp(id, "10.244.1.5", 40000 + (int) id, "10.244.1.6", port, at, at + SECOND)
                .setToServer(Counters.newBuilder().setPackets(10).setBytes(bytes / 2))
                .setToClient(Counters.newBuilder().setPackets(10).setBytes(bytes - bytes / 2)).build();
    }

    @Test
    void bytesFarAboveTheBaselineRaiseVolumeSpikeOncePerMinute() {
        // Ordinary minutes: 250 KB, within mean + 4 sd (400 KB).
        for (int m = 0; m < 3; m++) {
            detector.onFlow(transfer(m, 5432, M0 + m * MINUTE, 250_000));
        }
        assertEquals(List.of(), anomalies);
        // The bytes jump: 3 MB in the fourth minute, in three flows.
        long minute = M0 + 3 * MINUTE;
        detector.onFlow(transfer(10, 5432, minute + SECOND, 1_000_000));
        assertEquals(List.of(), anomalies, "1 MB is still below the 1 MiB minimum");
        detector.onFlow(transfer(11, 5432, minute + 2 * SECOND, 1_000_000));
        assertEquals(1, anomalies.size());
        detector.onFlow(transfer(12, 5432, minute + 3 * SECOND, 1_000_000));
        assertEquals(1, anomalies.size(), "once per edge and minute");

        Anomaly a = anomalies.getFirst();
        assertEquals("volume_spike", a.getAnomalyType());
        assertEquals("agent.volume_spike", a.getDetector());
        assertEquals(Severity.SEVERITY_MEDIUM, a.getSeverity());
        assertEquals(2_000_000, ScanDetectorTest.observed(a, "bytes_per_minute"));
        assertEquals(200_000, a.getExplanation().getObservations(0).getExpected());
        assertEquals(1 << 20, a.getExplanation().getObservations(1).getExpected(), 0);
        assertEquals(List.of(10L, 11L), a.getEvidenceFlowIdsList());
        String summary = a.getExplanation().getSummary();
        assertTrue(summary.contains("shop/Deployment/web -> shop/Deployment/db:5432/6 carried 2000000 bytes in 2 flows"),
                summary);
        assertTrue(summary.contains("200000 ± 50000 bytes per minute learned over 30 minutes"), summary);

        detector.onFlow(transfer(13, 5432, M0 + 4 * MINUTE, 5_000_000));
        assertEquals(2, anomalies.size(), "a new minute is judged again");
    }

    @Test
    void aRecordEndingInAnEarlierMinuteCountsInTheEdgesCurrentOne() {
        // An idle flow's record leaves the flow table minutes after its last packet, after
        // records that ended later: it must neither restart the edge's minute (losing what it
        // counted, and reporting that minute twice) nor be lost.
        long minute = M0 + 4 * MINUTE;
        detector.onFlow(transfer(1, 5432, minute + SECOND, 600_000));
        detector.onFlow(transfer(2, 5432, minute - 10 * SECOND, 10_000)); // ended in the minute before
        detector.onFlow(transfer(3, 5432, minute + 2 * SECOND, 600_000));
        assertEquals(1, anomalies.size(), "1.21 MB in the minute, over 1 MiB");
        assertEquals(1_210_000, ScanDetectorTest.observed(anomalies.getFirst(), "bytes_per_minute"));
        detector.onFlow(transfer(4, 5432, minute - 20 * SECOND, 10_000));
        detector.onFlow(transfer(5, 5432, minute + 3 * SECOND, 600_000));
        assertEquals(1, anomalies.size(), "still once per edge and minute");

        // A capture clock that goes back further (a replayed file) starts the count again.
        long replay = M0 - 60 * MINUTE;
        detector.onFlow(transfer(6, 5432, replay + SECOND, 2_000_000));
        assertEquals(2, anomalies.size());
        Anomaly a = anomalies.get(1);
        long span = Timestamps.toNanos(a.getEnd()) - Timestamps.toNanos(a.getStart());
        assertTrue(span >= 0 && span < MINUTE, "the anomaly spans its own minute's flows: " + a.getStart() + " to "
                + a.getEnd());
    }

    @Test
    void anEdgeThatCarriedTheSameBytesEveryMinuteNeedsMoreThanOneByteMoreToSpike() {
        // 2 MB every minute for 30 minutes: the standard deviation is 0, and mean + 4 x 0 would
        // make 2 MB and 100 bytes a spike.
        VolumeSpikeDetector steady = new VolumeSpikeDetector(VolumeSpikeConfig.defaults(),
                f -> new EdgeBaselines.Expected("shop/Deployment/web -> shop/Deployment/db:5432/6", 2_000_000, 0, 30),
                anomalies::add, "node-a");
        steady.onFlow(transfer(1, 5432, M0, 2_000_100));
        steady.onFlow(transfer(2, 5432, M0 + MINUTE, 3_900_000));
        assertEquals(List.of(), anomalies);
        steady.onFlow(transfer(3, 5432, M0 + 2 * MINUTE, 4_100_000));
        assertEquals(1, anomalies.size(), "twice the usual bytes is a spike");
    }

    @Test
    void edgesWithoutBaselineWeakBaselinesAndInterimRecordsAreNotJudged() {
        detector.onFlow(transfer(1, 80, M0, 50_000_000)); // no baseline for this edge
        VolumeSpikeDetector young = new VolumeSpikeDetector(VolumeSpikeConfig.defaults(),
                f -> new EdgeBaselines.Expected("e", 1000, 10, 3), anomalies::add, "node-a");
        young.onFlow(transfer(2, 5432, M0, 50_000_000)); // 3 minutes of history < 10
        detector.onFlow(transfer(3, 5432, M0, 50_000_000).toBuilder().setInterim(true).build());
        assertEquals(List.of(), anomalies);
    }

    @Test
    void theTableIsBoundedAndCountsItsEvictions() {
        VolumeSpikeDetector small = new VolumeSpikeDetector(new VolumeSpikeConfig(4, 1 << 20, 10, 64, 20),
                f -> new EdgeBaselines.Expected("edge-" + f.getDestination().getPort(), 1000, 10, 30), anomalies::add,
                "node-a");
        for (int i = 0; i < 10_000; i++) {
            small.onFlow(transfer(i, 1 + i % 60_000, M0, 100));
        }
        assertEquals(10_000 - 64, small.evictions());
    }

    @Test
    void impossibleSettingsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new VolumeSpikeConfig(0, 1, 1, 1, 1));
        assertTrue(e.getMessage().contains("k > 0"), e.getMessage());
    }
}
