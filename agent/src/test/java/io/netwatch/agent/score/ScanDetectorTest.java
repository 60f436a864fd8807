package io.netwatch.agent.score;

import static io.netwatch.agent.score.Flows.SECOND;
import static io.netwatch.agent.score.Flows.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Observation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Threshold Random Walk, fed synthetic first contacts: the walk's arithmetic and its bounds. */
class ScanDetectorTest {
    private static final String SCANNER = "10.1.0.10";
    private static final String TARGET = "10.1.0.20";
    private static final long MS = 1_000_000L;

    private final List<Anomaly> anomalies = new ArrayList<>();

    private ScanDetector detector(ScanConfig config) {
        return new ScanDetector(config, anomalies::add, "node-a");
    }

    static double observed(Anomaly a, String name) {
        return a.getExplanation().getObservationsList().stream().filter(o -> o.getName().equals(name))
                .mapToDouble(Observation::getObserved).findFirst().orElseThrow();
    }

    @Test
    void thresholdsFollowFromTheTargetRates() {
        ScanConfig c = ScanConfig.defaults();
        assertEquals(Math.log(0.99 / 0.001), c.upperThreshold(), 1e-12);
        assertEquals(Math.log(0.01 / 0.999), c.lowerThreshold(), 1e-12);
        assertEquals(Math.log(4), c.failureStep(), 1e-12);
        assertEquals(-Math.log(4), c.successStep(), 1e-12);
        // ln(990) / ln(4) = 4.98: the fifth failure crosses.
        assertEquals(5, c.failuresToDetect());
        // Jung et al.'s own PF = 0.01: ln(99) / ln(4) = 3.31, four failures.
        assertEquals(4, new ScanConfig(0.8, 0.2, 0.01, 0.99, Duration.ZERO, 10, 10, 1).failuresToDetect());
    }

    @Test
    void theFifthFailedFirstContactCrossesTheUpperThreshold() {
        ScanDetector d = detector(ScanConfig.defaults());
        for (int port = 1; port <= 4; port++) {
            d.onFlow(port % 2 == 0 ? Flows.refused(port, SCANNER, TARGET, port, T0 + port * MS)
                    : Flows.unanswered(port, SCANNER, TARGET, port, T0 + port * MS));
        }
        assertEquals(List.of(), anomalies, "four failures: ln Λ = 4 ln 4 = 5.55 < ln 990 = 6.90");
        d.onFlow(Flows.unanswered(5, SCANNER, TARGET, 5, T0 + 5 * MS));
        assertEquals(1, anomalies.size());
        Anomaly a = anomalies.getFirst();
        assertEquals("port_scan", a.getAnomalyType());
        assertEquals("T1046", a.getAttackTechnique());
        assertEquals(SCANNER, a.getSource().getIp());
        assertEquals(TARGET, a.getDestination().getIp());
        assertEquals(5 * Math.log(4), observed(a, "trw_log_likelihood_ratio"), 1e-9);
        assertEquals(5, observed(a, "failed_first_contacts"));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), a.getEvidenceFlowIdsList());
        assertTrue(a.getExplanation().getSummary().contains("5 failed, 0 answered"), a.getExplanation().getSummary());
        assertEquals(1, d.portScansRaised());
    }

    @Test
    void onlyFirstContactsCountSoRetriesToOnePortNeverCallAScan() {
        ScanDetector d = detector(ScanConfig.defaults());
        for (int i = 0; i < 50; i++) {
            d.onFlow(Flows.unanswered(i, SCANNER, TARGET, 443, T0 + i * SECOND));
        }
        assertEquals(List.of(), anomalies);
    }

    @Test
    void answeredContactsPullTheWalkBackAndTheBenignThresholdRestartsIt() {
        ScanDetector d = detector(ScanConfig.defaults());
        // Four answered ports: ln Λ = −4 ln 4 = −5.55 <= ln(0.01/0.999) = −4.60: benign, the test restarts at 0.
        for (int port = 1; port <= 4; port++) {
            d.onFlow(Flows.openPort(port, SCANNER, TARGET, port, T0 + port * MS));
        }
        // Without the restart these four failures would leave ln Λ at 0; with it they reach 5.55, still short.
        for (int port = 5; port <= 8; port++) {
            d.onFlow(Flows.unanswered(port, SCANNER, TARGET, port, T0 + port * MS));
        }
        assertEquals(List.of(), anomalies);
        d.onFlow(Flows.unanswered(9, SCANNER, TARGET, 9, T0 + 9 * MS));
        assertEquals(1, anomalies.size(), "the fifth failure after the restart crosses");
        assertEquals(0, observed(anomalies.getFirst(), "answered_first_contacts"));
    }

    @Test
    void aClientWhoseContactsAlternateNeverCrosses() {
        ScanDetector d = detector(ScanConfig.defaults());
        for (int port = 1; port <= 200; port++) {
            d.onFlow(port % 2 == 0 ? Flows.openPort(port, SCANNER, TARGET, port, T0 + port * MS)
                    : Flows.unanswered(port, SCANNER, TARGET, port, T0 + port * MS));
        }
        assertEquals(List.of(), anomalies, "one success undoes one failure when θ1 = 1 − θ0");
    }

    @Test
    void manyDestinationsOnOnePortIsASweepNotAPortScan() {
        ScanDetector d = detector(ScanConfig.defaults());
        for (int host = 1; host <= 5; host++) {
            d.onFlow(Flows.unanswered(host, SCANNER, "10.2.0." + host, 22, T0 + host * MS));
        }
        assertEquals(1, anomalies.size());
        Anomaly a = anomalies.getFirst();
        assertEquals("ip_sweep", a.getAnomalyType());
        assertEquals("", a.getDestination().getIp());
        assertEquals(1, d.sweepsRaised());
        assertEquals(0, d.portScansRaised());
    }

    @Test
    void udpRepliesFromServicePortsAndBroadcastsAreNotProbes() {
        ScanDetector d = detector(ScanConfig.defaults());
        for (int port = 1; port <= 20; port++) {
            d.onFlow(Flows.udp(port, "8.8.8.8", 53, TARGET, 30000 + port, T0 + port * MS, 1, 0));
            d.onFlow(Flows.udp(100 + port, SCANNER, 40000, "224.0.0.251", 5353 + port, T0 + port * MS, 1, 0));
            d.onFlow(Flows.udp(200 + port, SCANNER, 40000, "192.168.1.255", 137 + port, T0 + port * MS, 1, 0));
        }
        assertEquals(List.of(), anomalies);
        for (int port = 1; port <= 5; port++) {
            d.onFlow(Flows.udp(300 + port, SCANNER, 40000, TARGET, port, T0 + port * MS, 1, 0));
        }
        assertEquals(List.of("port_scan"), anomalies.stream().map(Anomaly::getAnomalyType).toList());
    }

    @Test
    void aScanGoingOnIsReportedOncePerCooldownAndTheRepeatsCounted() {
        ScanDetector d = detector(ScanConfig.defaults());
        for (int port = 1; port <= 1000; port++) {
            d.onFlow(Flows.unanswered(port, SCANNER, TARGET, port, T0 + port * MS));
        }
        assertEquals(1, anomalies.size());
        assertEquals(199, d.suppressed(), "every fifth of the other 995 failures crosses again");
        d.onFlow(Flows.unanswered(5000, SCANNER, TARGET, 5000, T0 + 11 * 60 * SECOND));
        for (int port = 5001; port <= 5004; port++) {
            d.onFlow(Flows.unanswered(port, SCANNER, TARGET, port, T0 + 11 * 60 * SECOND + port * MS));
        }
        assertEquals(2, anomalies.size(), "after the ten-minute cooldown the scan is reported again");
    }

    @Test
    void aScanAfterTheCaptureClockWentBackIsSuppressedOnlyForTheCooldown() {
        // Found in review: the cooldown ran from the report's time, so after the capture clock
        // went back an hour (files concatenated, a clock stepped) every scan was suppressed
        // until the clock had caught up, an hour and ten minutes of scans unreported.
        ScanDetector d = detector(ScanConfig.defaults());
        long later = T0 + 60 * 60 * SECOND;
        for (int port = 1; port <= 5; port++) {
            d.onFlow(Flows.unanswered(port, SCANNER, TARGET, port, later + port * MS));
        }
        assertEquals(1, anomalies.size());
        // The clock goes back to T0: a scan at once is within the cooldown, counted.
        for (int port = 11; port <= 15; port++) {
            d.onFlow(Flows.unanswered(port, SCANNER, TARGET, port, T0 + port * MS));
        }
        assertEquals(1, anomalies.size());
        assertEquals(1, d.suppressed());
        // Eleven minutes after the step, still fifty before the first report's time: reported.
        for (int port = 21; port <= 25; port++) {
            d.onFlow(Flows.unanswered(port, SCANNER, TARGET, port, T0 + 11 * 60 * SECOND + port * MS));
        }
        assertEquals(2, anomalies.size(), "the cooldown counts from the step back, not from the old report");
    }

    @Test
    void aFloodOfRandomSourcesIsBoundedAndCounted() {
        ScanConfig small = new ScanConfig(0.8, 0.2, 0.001, 0.99, Duration.ofMinutes(10), 100, 300, 4);
        ScanDetector d = detector(small);
        for (int i = 0; i < 10_000; i++) {
            String src = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
            d.onFlow(Flows.unanswered(i, src, TARGET, 80, T0 + i * MS));
        }
        assertEquals(List.of(), anomalies, "one contact each: nobody is a scanner");
        assertEquals(2 * 10_000 - 100, d.walkEvictions());
        assertEquals(2 * 10_000 - 300, d.contactEvictions());
    }

    @Test
    void impossibleRatesAreRefusedWithTheirNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ScanConfig(0.2, 0.8, 0.001, 0.99, Duration.ZERO, 1, 1, 1));
        assertTrue(e.getMessage().contains("scan.theta1 (a scanner's success rate) < scan.theta0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ScanConfig(0.8, 0.2, 0.5, 0.4, Duration.ZERO, 1, 1, 1));
        assertTrue(e.getMessage().contains("scan.pf (false positive rate) < scan.pd (detection rate)"), e.getMessage());
    }

    @Test
    void aScanIsMarkedAsComingFromItsRealOwnerOnlyWhenTheScannerCompletedAHandshake() {
        // A SYN scan (half-open: the scanner answers SYN-ACKs with RST) proves nothing: anyone
        // can send SYNs under another pod's address. A connect scan that completed a handshake
        // on an open port saw the SYN-ACK, so it holds its address (the blocking guardrail).
        ScanDetector d = detector(ScanConfig.defaults());
        d.onFlow(Flows.openPort(1, SCANNER, TARGET, 80, T0));
        for (int port = 1; port <= 10; port++) {
            d.onFlow(Flows.refused(100 + port, SCANNER, TARGET, 1000 + port, T0 + port * MS));
        }
        assertEquals(1, anomalies.size());
        assertFalse(anomalies.getFirst().getSourceHandshakeCompleted(), "SYN, SYN-ACK, RST: no handshake");

        String other = "10.1.0.11";
        d.onFlow(Flows.conversation(200, other, TARGET, 80, T0, T0 + SECOND, 500));
        for (int port = 1; port <= 10; port++) {
            d.onFlow(Flows.refused(300 + port, other, TARGET, 1000 + port, T0 + port * MS));
        }
        assertEquals(2, anomalies.size());
        assertTrue(anomalies.get(1).getSourceHandshakeCompleted(), "its own ACK after the SYN-ACK");
    }
}
