package io.netwatch.agent.score;

import static io.netwatch.agent.score.Flows.SECOND;
import static io.netwatch.agent.score.Flows.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Flow;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Payload protocol against port, once per edge and window. */
class ProtocolMismatchDetectorTest {
    private final List<Anomaly> anomalies = new ArrayList<>();
    private final ProtocolMismatchDetector detector = new ProtocolMismatchDetector(MismatchConfig.defaults(),
            anomalies::add, "node-a");

    private static Flow speaking(long id, String protocol, int port, long at) {
        return Flows.conversation(id, "10.1.0.10", "10.1.0.20", port, at, at + SECOND, 900).toBuilder()
                .setAppProto(protocol).build();
    }

    @Test
    void sshOnTheHttpPortIsReportedOncePerEdgeAndWindow() {
        detector.onFlow(speaking(1, "ssh", 80, T0));
        detector.onFlow(speaking(2, "ssh", 80, T0 + 10 * SECOND));
        assertEquals(1, anomalies.size());
        Anomaly a = anomalies.getFirst();
        assertEquals("protocol_mismatch", a.getAnomalyType());
        assertEquals(Severity.SEVERITY_MEDIUM, a.getSeverity());
        assertEquals("T1572", a.getAttackTechnique());
        assertTrue(a.getExplanation().getSummary().contains("spoke SSH to 10.1.0.20 on port 80, where HTTP was expected"),
                a.getExplanation().getSummary());
        assertEquals(1, detector.repeats());
        detector.onFlow(speaking(3, "ssh", 80, T0 + 3601 * SECOND));
        assertEquals(2, anomalies.size(), "a new window reports again");
    }

    @Test
    void expectedProtocolsAndUnknownPortsStayQuietButStratumAnywhereIsHigh() {
        detector.onFlow(speaking(1, "http", 80, T0));
        detector.onFlow(speaking(2, "tls", 443, T0));
        detector.onFlow(speaking(3, "tls", 9443, T0));
        detector.onFlow(speaking(4, "http", 8081, T0));
        detector.onFlow(speaking(5, "", 80, T0));
        assertEquals(List.of(), anomalies);
        detector.onFlow(speaking(6, "stratum", 9999, T0));
        detector.onFlow(speaking(7, "http", 443, T0));
        assertEquals(List.of(Severity.SEVERITY_HIGH, Severity.SEVERITY_LOW),
                anomalies.stream().map(Anomaly::getSeverity).toList());
        assertEquals("T1496", anomalies.getFirst().getAttackTechnique());
    }
}
