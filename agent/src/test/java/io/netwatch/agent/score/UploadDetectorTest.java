package io.netwatch.agent.score;

import static io.netwatch.agent.score.Flows.SECOND;
import static io.netwatch.agent.score.Flows.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.Flow;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UploadDetectorTest {
    private final List<Anomaly> anomalies = new ArrayList<>();
    private final UploadDetector detector = new UploadDetector(anomalies::add, "node-a");

    private static Flow transfer(long id, String dst, long out, long in, long at) {
        return Flows.tcp(id, "10.244.1.66", 45000, dst, 8080, at, at + 2 * SECOND)
                .setToServer(Counters.newBuilder().setPackets(out / 1448).setBytes(out))
                .setToClient(Counters.newBuilder().setPackets(in / 1448 + 1).setBytes(in)).build();
    }

    @Test
    void aLargeUploadOutsideThePrivateRangesIsExfiltrationOfLowSeverityOncePerPair() {
        detector.onFlow(transfer(1, "198.51.100.10", 64L << 20, 2L << 20, T0));
        assertEquals(1, anomalies.size());
        Anomaly a = anomalies.getFirst();
        assertEquals("exfiltration", a.getAnomalyType());
        assertEquals(Severity.SEVERITY_LOW, a.getSeverity());
        assertEquals("T1048", a.getAttackTechnique());
        assertEquals(64L << 20, (long) a.getExplanation().getObservations(0).getObserved());
        detector.onFlow(transfer(2, "198.51.100.10", 64L << 20, 0, T0 + 60 * SECOND));
        assertEquals(1, anomalies.size(), "the same pair within 10 minutes");
        detector.onFlow(transfer(3, "198.51.100.10", 64L << 20, 0, T0 + 11 * 60 * SECOND));
        assertEquals(2, anomalies.size());
    }

    @Test
    void downloadsSmallUploadsAndPrivatePeersAreNot() {
        detector.onFlow(transfer(1, "198.51.100.10", 1L << 20, 64L << 20, T0));   // a download
        detector.onFlow(transfer(2, "198.51.100.10", 15L << 20, 0, T0));         // under 16 MiB
        detector.onFlow(transfer(3, "198.51.100.10", 64L << 20, 16L << 20, T0)); // a 4:1 exchange
        detector.onFlow(transfer(4, "10.244.2.20", 64L << 20, 0, T0));           // inside the cluster
        detector.onFlow(transfer(5, "fd00::20", 64L << 20, 0, T0));
        assertEquals(List.of(), anomalies);
        assertTrue(UploadDetector.privateAddress("172.31.0.2"));
        assertTrue(UploadDetector.privateAddress("100.64.0.1"));
        assertFalse(UploadDetector.privateAddress("172.32.0.1"));
        assertFalse(UploadDetector.privateAddress("2001:db8::1"));
        assertTrue(UploadDetector.privateAddress("not an address"), "garbage is left alone, never thrown on");
    }
}
