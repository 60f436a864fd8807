package io.netwatch.agent.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Observation;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.TCP;
import io.netwatch.proto.flow.v1.TcpState;
import io.netwatch.proto.flow.v1.UDP;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The simple vertical port-scan detector, fed synthetic flow records. */
class PortScanDetectorTest {
    private static final long SECOND = 1_000_000_000L;
    /** Capture time of the first probe: nanoseconds since the epoch (2023-11-14). */
    private static final long T0 = 1_700_000_000L * SECOND;
    private static final int SYN = 0x02;
    private static final int RST = 0x04;
    private static final int PSH = 0x08;
    private static final int ACK = 0x10;
    private static final int FIN = 0x01;
    private static final String SCANNER = "10.1.0.10";
    private static final String TARGET = "10.1.0.20";

    private final List<Anomaly> anomalies = new ArrayList<>();

    private PortScanDetector detector(PortScanConfig config) {
        return new PortScanDetector(config, anomalies::add, "node-a");
    }

    private PortScanDetector detector() {
        return detector(PortScanConfig.defaults());
    }

    private static Flow.Builder tcp(long id, String src, String dst, int dport, long first, long last) {
        return Flow.newBuilder()
                .setFlowId(id)
                .setNodeName("node-a")
                .setSource(Endpoint.newBuilder().setIp(src).setPort(45000))
                .setDestination(Endpoint.newBuilder().setIp(dst).setPort(dport))
                .setIpProtocol(6)
                .setIpVersion(4)
                .setFirstSeen(Timestamps.fromNanos(first))
                .setLastSeen(Timestamps.fromNanos(last));
    }

    /** A SYN that got nothing back. */
    private static Flow unanswered(long id, String src, String dst, int dport, long at) {
        return tcp(id, src, dst, dport, at, at)
                .setToServer(Counters.newBuilder().setPackets(1).setBytes(58))
                .setToClient(Counters.getDefaultInstance())
                .setTcp(TCP.newBuilder().setFlagsToServer(SYN).setState(TcpState.TCP_STATE_SYN_SENT))
                .build();
    }

    /** A SYN answered by RST,ACK: a closed port. */
    private static Flow refused(long id, String src, String dst, int dport, long at) {
        return tcp(id, src, dst, dport, at, at + 1000)
                .setToServer(Counters.newBuilder().setPackets(1).setBytes(58))
                .setToClient(Counters.newBuilder().setPackets(1).setBytes(54))
                .setTcp(TCP.newBuilder().setFlagsToServer(SYN).setFlagsToClient(RST | ACK)
                        .setState(TcpState.TCP_STATE_RESET))
                .build();
    }

    /** A SYN answered by SYN,ACK, then reset by the scanner: an open port, as nmap -sS leaves it. */
    private static Flow openPort(long id, String src, String dst, int dport, long at) {
        return tcp(id, src, dst, dport, at, at + 2000)
                .setToServer(Counters.newBuilder().setPackets(2).setBytes(112))
                .setToClient(Counters.newBuilder().setPackets(1).setBytes(58))
                .setTcp(TCP.newBuilder().setFlagsToServer(SYN | RST).setFlagsToClient(SYN | ACK)
                        .setState(TcpState.TCP_STATE_RESET))
                .build();
    }

    /** An ordinary conversation: handshake, data both ways, orderly close. */
    private static Flow conversation(long id, String src, String dst, int dport, long first, long last) {
        return tcp(id, src, dst, dport, first, last)
                .setToServer(Counters.newBuilder().setPackets(6).setBytes(700))
                .setToClient(Counters.newBuilder().setPackets(5).setBytes(4000))
                .setTcp(TCP.newBuilder().setFlagsToServer(SYN | ACK | PSH | FIN)
                        .setFlagsToClient(SYN | ACK | PSH | FIN).setState(TcpState.TCP_STATE_CLOSED))
                .build();
    }

    private static Flow udp(long id, String src, String dst, int dport, long at) {
        return Flow.newBuilder().setFlowId(id)
                .setSource(Endpoint.newBuilder().setIp(src).setPort(45000))
                .setDestination(Endpoint.newBuilder().setIp(dst).setPort(dport))
                .setIpProtocol(17).setIpVersion(4)
                .setToServer(Counters.newBuilder().setPackets(1).setBytes(60))
                .setToClient(Counters.getDefaultInstance())
                .setFirstSeen(Timestamps.fromNanos(at)).setLastSeen(Timestamps.fromNanos(at))
                .setUdp(UDP.getDefaultInstance())
                .build();
    }

    /** Probes {@code count} ports from 1 up, 10 ms apart, odd ports unanswered and even ones refused. */
    private static void failedProbes(PortScanDetector d, String src, String dst, int count, long idBase, long start) {
        for (int port = 1; port <= count; port++) {
            long at = start + (port - 1) * 10_000_000L;
            d.onFlow(port % 2 == 1 ? unanswered(idBase + port, src, dst, port, at)
                    : refused(idBase + port, src, dst, port, at));
        }
    }

    private static double observed(Anomaly a, String name) {
        for (Observation o : a.getExplanation().getObservationsList()) {
            if (o.getName().equals(name)) {
                return o.getObserved();
            }
        }
        throw new AssertionError("no observation " + name + " in " + a.getExplanation());
    }

    private static double expected(Anomaly a, String name) {
        return a.getExplanation().getObservationsList().stream().filter(o -> o.getName().equals(name))
                .findFirst().orElseThrow().getExpected();
    }

    @Test
    void aScanWhoseRecordsLeaveTheFlowTableLateIsStillOneScan() {
        // Live capture: refused probes linger in the flow table for its closed timeout (10 s),
        // and the expiry scan emits them in several rounds. Quiet is measured from when the
        // records arrived, not from their last packet, so the scan is not cut in two.
        PortScanDetector d = detector();
        long probe = 2_000_000L; // 2 ms between probes
        d.tick(T0 + 10 * SECOND);
        for (int i = 0; i < 21; i++) {
            d.onFlow(refused(i + 1, SCANNER, TARGET, 1000 + i, T0 + i * probe));
        }
        d.tick(T0 + 11 * SECOND);
        for (int i = 21; i < 100; i++) {
            d.onFlow(refused(i + 1, SCANNER, TARGET, 1000 + i, T0 + i * probe));
        }
        d.tick(T0 + 12 * SECOND);
        assertTrue(anomalies.isEmpty(), "not reported while records are still arriving");
        d.tick(T0 + 16 * SECOND);
        assertEquals(1, anomalies.size());
        assertEquals(100, anomalies.getFirst().getExplanation().getObservations(0).getObserved());
    }

    @Test
    void aVerticalScanOfThirtyPortsIsReportedOnceWithTheFailedProbesAsEvidence() {
        PortScanDetector d = detector();
        // An ordinary conversation between the same pair, before the scan: not evidence, not the start.
        d.onFlow(conversation(900, SCANNER, TARGET, 30, T0 - 2 * SECOND, T0 - SECOND));
        // Ports 1..27 fail; 28 and 29 are open (SYN,ACK then the scanner's RST).
        failedProbes(d, SCANNER, TARGET, 27, 100, T0);
        d.onFlow(openPort(128, SCANNER, TARGET, 28, T0 + 270_000_000L));
        d.onFlow(openPort(129, SCANNER, TARGET, 29, T0 + 280_000_000L));
        assertEquals(List.of(), anomalies, "a scan is reported when it ends, not while it goes on");

        d.flush();

        assertEquals(1, anomalies.size());
        assertEquals(1, d.anomaliesRaised());
        Anomaly a = anomalies.getFirst();
        assertEquals(PortScanDetector.TYPE, a.getAnomalyType());
        assertEquals("port_scan", a.getAnomalyType());
        assertEquals("T1046", a.getAttackTechnique());
        assertEquals(Severity.SEVERITY_MEDIUM, a.getSeverity());
        assertEquals("agent.port_scan", a.getDetector());
        assertEquals("node-a", a.getNodeName());
        assertEquals("node-a-scan-1", a.getId());
        assertEquals(SCANNER, a.getSource().getIp());
        assertEquals(TARGET, a.getDestination().getIp());
        assertEquals(30, observed(a, "distinct_destination_ports"));
        assertEquals(20, expected(a, "distinct_destination_ports"));
        assertEquals(27.0 / 30, observed(a, "failed_probe_ratio"), 1e-9);
        assertEquals(0.8, expected(a, "failed_probe_ratio"), 1e-9);
        assertEquals(30 / 100.0, a.getScore(), 1e-9);
        assertEquals(LongStream.rangeClosed(101, 127).boxed().toList(), a.getEvidenceFlowIdsList());
        assertEquals(T0, Timestamps.toNanos(a.getStart()), "start is the first failed probe");
        assertEquals(T0 + 280_000_000L + 2000, Timestamps.toNanos(a.getEnd()));
        assertTrue(a.getExplanation().getSummary().contains("probed 30 distinct TCP ports on 10.1.0.20"),
                a.getExplanation().getSummary());
        assertTrue(a.getExplanation().getSummary().contains("27 of them (90%)"), a.getExplanation().getSummary());

        d.flush();
        d.tick(T0 + 3600 * SECOND);
        assertEquals(1, anomalies.size(), "a reported scan is forgotten, not reported again");
    }

    @Test
    void aScanIsReportedWhenTheQuietPeriodHasPassed() {
        PortScanDetector d = detector();
        failedProbes(d, SCANNER, TARGET, 30, 0, T0);
        long last = T0 + 29 * 10_000_000L + 1000; // the last (even, refused) probe ends 1 µs after its SYN
        d.tick(last + Duration.ofSeconds(5).toNanos() - 1);
        assertEquals(0, anomalies.size(), "quiet for just under 5 s: still pending");

        d.tick(last + Duration.ofSeconds(5).toNanos());

        assertEquals(1, anomalies.size());
        Anomaly a = anomalies.getFirst();
        assertEquals(30, observed(a, "distinct_destination_ports"));
        assertEquals(1.0, observed(a, "failed_probe_ratio"));
        assertEquals(Severity.SEVERITY_MEDIUM, a.getSeverity());
        assertEquals(30, a.getEvidenceFlowIdsCount());
        assertEquals(T0, Timestamps.toNanos(a.getStart()));
        assertEquals(last, Timestamps.toNanos(a.getEnd()));
        d.flush();
        assertEquals(1, anomalies.size());
    }

    @Test
    void aLaterFlowOfAnotherPairReportsAQuietScanWithoutAnExplicitTick() {
        PortScanDetector d = detector();
        failedProbes(d, SCANNER, TARGET, 30, 0, T0);
        // Capture time moves on: the next record, of an unrelated pair, is 10 s later.
        d.onFlow(conversation(500, "10.1.0.30", "10.1.0.40", 443, T0 + 9 * SECOND, T0 + 10 * SECOND));

        assertEquals(1, anomalies.size(), "the quiet scan is reported as capture time passes");
        assertEquals(SCANNER, anomalies.getFirst().getSource().getIp());
    }

    @Test
    void aScanLongerThanTheWindowIsReportedWhenTheWindowCloses() {
        PortScanDetector d = detector();
        // One probe every 3 s: never quiet for 5 s, but the 60 s window closes at the 21st probe.
        for (int port = 1; port <= 30; port++) {
            d.onFlow(unanswered(port, SCANNER, TARGET, port, T0 + (port - 1) * 3 * SECOND));
        }
        assertEquals(1, anomalies.size());
        Anomaly a = anomalies.getFirst();
        assertEquals(21, observed(a, "distinct_destination_ports"));
        assertEquals(T0, Timestamps.toNanos(a.getStart()));
        assertEquals(T0 + 60 * SECOND, Timestamps.toNanos(a.getEnd()));
        assertEquals(LongStream.rangeClosed(1, 21).boxed().toList(), a.getEvidenceFlowIdsList());

        d.flush();
        assertEquals(1, anomalies.size(), "the 9 probes after the window are below minPorts");
    }

    @Test
    void aHundredPortsIsHighSeverity() {
        PortScanDetector d = detector();
        failedProbes(d, SCANNER, TARGET, 99, 0, T0);
        failedProbes(d, SCANNER, "10.1.0.21", 100, 1000, T0);
        d.flush();

        assertEquals(2, anomalies.size());
        Anomaly ninetyNine = anomalies.stream().filter(a -> a.getDestination().getIp().equals(TARGET)).findFirst()
                .orElseThrow();
        Anomaly hundred = anomalies.stream().filter(a -> a.getDestination().getIp().equals("10.1.0.21")).findFirst()
                .orElseThrow();
        assertEquals(Severity.SEVERITY_MEDIUM, ninetyNine.getSeverity());
        assertEquals(99, observed(ninetyNine, "distinct_destination_ports"));
        assertEquals(0.99, ninetyNine.getScore(), 1e-9);
        assertEquals(Severity.SEVERITY_HIGH, hundred.getSeverity());
        assertEquals(100, observed(hundred, "distinct_destination_ports"));
        assertEquals(1.0, hundred.getScore(), 1e-9);
        assertEquals(100, hundred.getEvidenceFlowIdsCount(), "evidence is capped at maxEvidence (100)");
    }

    @Test
    void evidenceIsCappedAtMaxEvidence() {
        PortScanDetector d = detector(new PortScanConfig(20, 0.8, Duration.ofSeconds(5), Duration.ofSeconds(60),
                65_536, 7));
        failedProbes(d, SCANNER, TARGET, 30, 0, T0);
        d.flush();
        assertEquals(1, anomalies.size());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), anomalies.getFirst().getEvidenceFlowIdsList());
        assertEquals(30, observed(anomalies.getFirst(), "distinct_destination_ports"));
    }

    @Test
    void fifteenPortsAreBelowMinPorts() {
        PortScanDetector d = detector();
        failedProbes(d, SCANNER, TARGET, 15, 0, T0);
        d.tick(T0 + 3600 * SECOND);
        d.flush();
        assertEquals(List.of(), anomalies);
        assertEquals(0, d.anomaliesRaised());
    }

    @Test
    void nineteenAndTwentyPortsStraddleMinPorts() {
        PortScanDetector d = detector();
        failedProbes(d, SCANNER, TARGET, 19, 0, T0);
        failedProbes(d, SCANNER, "10.1.0.21", 20, 100, T0);
        d.flush();
        assertEquals(1, anomalies.size());
        assertEquals("10.1.0.21", anomalies.getFirst().getDestination().getIp());
        assertEquals(20, observed(anomalies.getFirst(), "distinct_destination_ports"));
    }

    @Test
    void thirtyPortsMostlyAnsweredAreNoScan() {
        PortScanDetector d = detector();
        failedProbes(d, SCANNER, TARGET, 10, 0, T0);
        for (int port = 11; port <= 30; port++) {
            d.onFlow(conversation(port, SCANNER, TARGET, port, T0 + port * 10_000_000L, T0 + SECOND));
        }
        d.flush();
        assertEquals(List.of(), anomalies, "10 of 30 failed: ratio 0.33 < 0.8");
    }

    @Test
    void theFailedRatioThresholdIsInclusive() {
        PortScanDetector d = detector();
        // 24 of 30 failed is exactly 0.8: a scan. 23 of 30 is not.
        failedProbes(d, SCANNER, TARGET, 24, 0, T0);
        for (int port = 25; port <= 30; port++) {
            d.onFlow(openPort(port, SCANNER, TARGET, port, T0 + port * 10_000_000L));
        }
        failedProbes(d, SCANNER, "10.1.0.21", 23, 100, T0);
        for (int port = 24; port <= 30; port++) {
            d.onFlow(openPort(100 + port, SCANNER, "10.1.0.21", port, T0 + port * 10_000_000L));
        }
        d.flush();
        assertEquals(1, anomalies.size());
        assertEquals(TARGET, anomalies.getFirst().getDestination().getIp());
        assertEquals(0.8, observed(anomalies.getFirst(), "failed_probe_ratio"), 1e-9);
        assertEquals(24, anomalies.getFirst().getEvidenceFlowIdsCount());
    }

    @Test
    void aResetConversationIsNotAFailedProbe() {
        PortScanDetector d = detector();
        // 30 conversations the server ended with RST: replies carry data, so they are not refusals.
        for (int port = 1; port <= 30; port++) {
            d.onFlow(tcp(port, SCANNER, TARGET, port, T0, T0 + SECOND)
                    .setToServer(Counters.newBuilder().setPackets(4).setBytes(400))
                    .setToClient(Counters.newBuilder().setPackets(4).setBytes(900))
                    .setTcp(TCP.newBuilder().setFlagsToServer(SYN | ACK | PSH)
                            .setFlagsToClient(SYN | ACK | PSH | RST).setState(TcpState.TCP_STATE_RESET))
                    .build());
        }
        d.flush();
        assertEquals(List.of(), anomalies);
    }

    @Test
    void udpAndInterimRecordsAreIgnored() {
        PortScanDetector d = detector(new PortScanConfig(20, 0.8, Duration.ofSeconds(5), Duration.ofSeconds(60), 1,
                100));
        for (int port = 1; port <= 30; port++) {
            d.onFlow(udp(port, SCANNER, TARGET, port, T0 + port));
            d.onFlow(unanswered(100 + port, "10.1.0.99", TARGET, port, T0 + port).toBuilder().setInterim(true).build());
        }
        d.flush();
        assertEquals(List.of(), anomalies);
        assertEquals(0, d.untrackedPairs(), "ignored records take no pair slot");

        // The single pair slot is still free for a real TCP scan.
        failedProbes(d, SCANNER, TARGET, 30, 200, T0 + SECOND);
        d.flush();
        assertEquals(1, anomalies.size());
        assertEquals(0, d.untrackedPairs());
    }

    @Test
    void pairsPastMaxTrackedPairsAreCountedNotTracked() {
        PortScanDetector d = detector(new PortScanConfig(20, 0.8, Duration.ofSeconds(5), Duration.ofSeconds(60), 2,
                100));
        failedProbes(d, SCANNER, TARGET, 30, 0, T0);
        d.onFlow(unanswered(100, "10.1.0.11", TARGET, 22, T0));
        // The table is full (2 pairs): every flow of a new pair is counted instead of tracked.
        d.onFlow(unanswered(101, "10.1.0.12", TARGET, 22, T0));
        d.onFlow(unanswered(102, "10.1.0.13", TARGET, 22, T0));
        assertEquals(2, d.untrackedPairs());
        failedProbes(d, "10.1.0.14", TARGET, 30, 200, T0);
        assertEquals(32, d.untrackedPairs(), "counted once per record of an untracked pair");
        // A tracked pair still gets records.
        failedProbes(d, SCANNER, TARGET, 40, 300, T0 + 300_000_000L);

        d.flush();
        assertEquals(1, anomalies.size(), "the untracked scanner is not detected; the tracked one is");
        assertEquals(SCANNER, anomalies.getFirst().getSource().getIp());
        assertEquals(40, observed(anomalies.getFirst(), "distinct_destination_ports"));

        // Reporting frees the slots: a new pair is tracked again.
        failedProbes(d, "10.1.0.14", TARGET, 30, 400, T0 + SECOND);
        assertEquals(32, d.untrackedPairs());
        d.flush();
        assertEquals(2, anomalies.size());
        assertEquals("10.1.0.14", anomalies.get(1).getSource().getIp());
    }

    @Test
    void configRejectsNonsense() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new PortScanConfig(1, 0.8, Duration.ofSeconds(5), Duration.ofSeconds(60), 10, 10));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new PortScanConfig(20, 0, Duration.ofSeconds(5), Duration.ofSeconds(60), 10, 10));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new PortScanConfig(20, 1.5, Duration.ofSeconds(5), Duration.ofSeconds(60), 10, 10));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new PortScanConfig(20, 0.8, Duration.ofSeconds(5), Duration.ofSeconds(60), 0, 10));
    }
}
