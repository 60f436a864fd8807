package io.netwatch.agent.score;

import static io.netwatch.agent.score.Flows.SECOND;
import static io.netwatch.agent.score.Flows.T0;
import static io.netwatch.agent.score.ScanDetectorTest.observed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.agent.flow.FlowOutcome;
import io.netwatch.proto.anomaly.v1.Anomaly;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CUSUM on half-open and unanswered traffic per destination, fed synthetic flow records. */
class FloodDetectorTest {
    private static final String VICTIM = "10.1.0.20";
    private static final long MS = 1_000_000L;

    private final List<Anomaly> anomalies = new ArrayList<>();

    private FloodDetector detector(FloodConfig config) {
        return new FloodDetector(config, anomalies::add, "node-a");
    }

    private static String spoofed(int i) {
        return (11 + i % 200) + "." + (i >> 8 & 255) + "." + (i & 255) + ".7";
    }

    @Test
    void theCusumAccumulatesOnlyTheExcessOverMeanAndAllowance() {
        Cusum c = new Cusum(SECOND, 50, 0.05);
        c.add(T0, 0);
        // 20 quiet seconds at 10 per second: S stays 0 and the mean learns 10 (1 − 0.95^20 of it).
        for (int s = 0; s < 20; s++) {
            assertEquals(0, c.add(T0 + s * SECOND, 10), 1e-9);
        }
        c.advance(T0 + 20 * SECOND);
        assertEquals(10 * (1 - Math.pow(0.95, 20)), c.mean(), 1e-9);
        double mean = c.mean();
        // 200 in one interval: S = 200 − μ − k.
        assertEquals(200 - mean - 50, c.add(T0 + 20 * SECOND + 1, 200), 1e-9);
    }

    @Test
    void theCusumFallsBackToZeroSoSeparateBurstsDoNotAddUp() {
        Cusum c = new Cusum(SECOND, 50, 0.05);
        c.add(T0, 120); // S = 70 once the interval closes
        c.advance(T0 + SECOND);
        assertEquals(70, c.closed(), 1e-9);
        c.advance(T0 + 2 * SECOND); // one empty interval: 70 − 0 − 50 = 20
        assertEquals(20, c.closed(), 1e-9);
        c.advance(T0 + 3 * SECOND); // max(0, 20 − 50) = 0: reset
        assertEquals(0, c.closed(), 1e-9);
        assertEquals(70, c.add(T0 + 3 * SECOND, 120), 1e-9, "a second burst starts from 0, not from 70");
    }

    @Test
    void spoofedSynsToOneServiceRaiseASynFloodAtTheThreshold() {
        FloodDetector d = detector(FloodConfig.defaults());
        // h = 100, k = 50, μ = 0: the 150th half-open SYN within one second makes S = 100.
        for (int i = 0; i < 149; i++) {
            d.onFlow(Flows.unanswered(i, spoofed(i), VICTIM, 443, T0 + i * MS));
        }
        assertEquals(List.of(), anomalies);
        d.onFlow(Flows.unanswered(149, spoofed(149), VICTIM, 443, T0 + 149 * MS));
        assertEquals(1, anomalies.size());
        Anomaly a = anomalies.getFirst();
        assertEquals("syn_flood", a.getAnomalyType());
        assertEquals(VICTIM, a.getDestination().getIp());
        assertEquals(443, a.getDestination().getPort());
        assertEquals("", a.getSource().getIp(), "aggregated by destination: no single source is blamed");
        assertEquals(100, observed(a, "cusum"), 1e-9);
        assertEquals(150, observed(a, "half_open_syns"), 1e-9);
        double sources = observed(a, "distinct_sources_estimate");
        assertTrue(Math.abs(sources - 150) < 15, "linear counting of 150 sources: " + sources);
        assertEquals(20, a.getEvidenceFlowIdsCount());
    }

    @Test
    void aSynScanSpreadOverPortsAndCompletedHandshakesAreNoFlood() {
        FloodDetector d = detector(FloodConfig.defaults());
        for (int i = 0; i < 1000; i++) {
            d.onFlow(Flows.unanswered(i, "10.9.9.9", VICTIM, i + 1, T0 + i * MS));
            d.onFlow(Flows.conversation(5000 + i, spoofed(i), VICTIM, 80, T0 + i * MS, T0 + i * MS + 10 * MS, 500));
        }
        assertEquals(List.of(), anomalies);
    }

    @Test
    void aSteadyLoadIsLearntAndOnlyTheJumpAboveItAlarms() {
        // k = 50, h = 100, weight 0.05, no cooldown so every alarm shows. The mean is learnt only while S is 0.
        FloodConfig config = new FloodConfig(Duration.ofSeconds(1), 50, 100, 0.05, Duration.ZERO, 16, 20);
        int id = 0;
        // Unlearnt (μ = 0), 80 unanswered SYNs per second add 80 − 0 − 50 = 30 to S each second: an alarm every
        // 4 s (S = 30, 60, 90, then 100 within the 4th second). S is 0 only briefly after each alarm, so the mean
        // hardly moves and the load is never learnt this way.
        FloodDetector cold = detector(config);
        for (int s = 0; s < 20; s++) {
            for (int i = 0; i < 80; i++) {
                cold.onFlow(Flows.unanswered(id++, spoofed(id), VICTIM, 443, T0 + s * SECOND + i * MS));
            }
        }
        assertEquals(5, anomalies.size(), "80 per second against a mean of 0 alarms every 4 s");
        anomalies.clear();
        // The same load reached gradually: 60 s of 40 per second (within k) teach μ ≈ 38, then 80 per second
        // stays below μ + k (80 − 38 − 50 < 0), S stays 0 and μ follows the load to ≈ 78.
        FloodDetector warm = detector(config);
        for (int s = 0; s < 120; s++) {
            for (int i = 0; i < (s < 60 ? 40 : 80); i++) {
                warm.onFlow(Flows.unanswered(id++, spoofed(id), VICTIM, 443, T0 + s * SECOND + i * MS));
            }
        }
        assertEquals(List.of(), anomalies, "80 per second, once learnt as the mean, must not alarm");
        // A jump against μ ≈ 78: 200 in one second makes S = 200 − 78 − 50 ≈ 72 < h (against μ = 0 it would
        // alarm at the 150th); the 229th makes S ≈ 101 ≥ h.
        for (int i = 0; i < 200; i++) {
            warm.onFlow(Flows.unanswered(id++, spoofed(id), VICTIM, 443, T0 + 120 * SECOND + i * MS));
        }
        assertEquals(List.of(), anomalies, "200 per second is measured against the learnt mean near 78, not 0");
        for (int i = 200; i < 240; i++) {
            warm.onFlow(Flows.unanswered(id++, spoofed(id), VICTIM, 443, T0 + 120 * SECOND + i * MS));
        }
        assertEquals(1, anomalies.size(), "a jump to 240 per second against a mean near 78 alarms");
    }

    @Test
    void unansweredUdpDatagramsRaiseAUdpFloodAnsweredOnesDoNot() {
        FloodDetector d = detector(FloodConfig.defaults());
        d.onFlow(Flows.udp(1, "10.3.0.1", 40000, VICTIM, 53, T0, 5000, 5000));
        assertEquals(List.of(), anomalies);
        d.onFlow(Flows.udp(2, "10.3.0.1", 40000, VICTIM, 9999, T0 + MS, 150, 0));
        assertEquals(1, anomalies.size());
        assertEquals("udp_flood", anomalies.getFirst().getAnomalyType());
        assertEquals(150, observed(anomalies.getFirst(), "unanswered_datagrams"), 1e-9);
    }

    /** A one-way UDP flow from 10.3.0.1:40000 to the victim's port 9999 as the table shows it at {@code lastNanos}. */
    private static io.netwatch.agent.flow.FlowOutcome oneWay(long sent, long answers, long lastNanos) {
        return io.netwatch.agent.flow.FlowOutcome.of(Flows.udp(7, "10.3.0.1", 40000, VICTIM, 9999, T0, (int) sent,
                (int) answers).toBuilder().setLastSeen(com.google.protobuf.util.Timestamps.fromNanos(lastNanos))
                .build());
    }

    @Test
    void aFlowsRepeatsCountAsTheAttemptsTheyAreWhileNobodyAnswers() {
        // One flow: 60 datagrams at its decision half a second in (S = 60 − 50 = 10). A repeat
        // at 120 a second is under k + h = 150 (what alone would pass h in an interval) and
        // counts nothing, so S is back at 0; one at 160 a second makes S = 110, past h = 100.
        FloodDetector d = detector(FloodConfig.defaults());
        d.onOutcome(oneWay(60, 0, T0 + SECOND / 2));
        d.onRepeat(oneWay(180, 0, T0 + 3 * SECOND / 2), 120, T0 + SECOND / 2);
        assertEquals(List.of(), anomalies);
        d.onRepeat(oneWay(340, 0, T0 + 5 * SECOND / 2), 160, T0 + 3 * SECOND / 2);
        assertEquals(1, anomalies.size());
        Anomaly a = anomalies.getFirst();
        assertEquals("udp_flood", a.getAnomalyType());
        assertEquals(160, observed(a, "unanswered_datagrams"), 1e-9);
        assertEquals(List.of(7L), a.getEvidenceFlowIdsList(), "one flow, one piece of evidence");
        // The same repeats of a flow that was answered meanwhile are no attempts.
        anomalies.clear();
        FloodDetector answered = detector(FloodConfig.defaults());
        answered.onOutcome(oneWay(60, 0, T0 + SECOND / 2));
        for (int s = 1; s < 10; s++) {
            answered.onRepeat(oneWay(60 + 200L * s, 1, T0 + SECOND / 2 + s * SECOND), 200,
                    T0 + SECOND / 2 + (s - 1) * SECOND);
        }
        assertEquals(List.of(), anomalies);
    }

    @Test
    void aRepeatSpanningManyShortIntervalsCountsAtItsRateNotAllInOne() {
        // 100 ms steps, k = 50, h = 100 per step: 1,500 a second in one step is the alarm. A
        // one-way stream of 400 a second, repeated once a second, is 40 per step, far below it
        // (all 400 in one step would make S = 350).
        FloodConfig tenth = new FloodConfig(Duration.ofMillis(100), 50, 100, 0.05, Duration.ZERO, 16, 20);
        FloodDetector d = detector(tenth);
        d.onOutcome(oneWay(20, 0, T0 + 50 * MS));
        for (int s = 1; s <= 30; s++) {
            d.onRepeat(oneWay(20 + 400L * s, 0, T0 + s * SECOND), 400, T0 + (s - 1) * SECOND);
        }
        assertEquals(List.of(), anomalies);
        // 2,000 a second is 200 per step: S = 150 at the first repeat.
        FloodDetector fast = detector(tenth);
        fast.onOutcome(oneWay(100, 0, T0 + 50 * MS));
        fast.onRepeat(oneWay(2100, 0, T0 + SECOND), 2000, T0);
        assertEquals(1, anomalies.size());
    }

    @Test
    void destinationsAreBoundedAndTheirEvictionsCounted() {
        FloodDetector d = detector(new FloodConfig(Duration.ofSeconds(1), 50, 100, 0.05, Duration.ZERO, 10, 0));
        for (int i = 0; i < 1000; i++) {
            d.onFlow(Flows.unanswered(i, spoofed(i), "10.5." + (i >> 8) + "." + (i & 255), 80, T0 + i * MS));
        }
        assertEquals(990, d.evictions());
        assertEquals(List.of(), anomalies);
    }
    @Test
    void aCaptureClockSteppingBackDoesNotPileLaterTrafficIntoOneInterval() {
        FloodDetector d = detector(FloodConfig.defaults());
        // A file whose clock jumps back an hour (two captures concatenated, a clock stepped by
        // NTP), then a DNS server that leaves 5 queries a second unanswered for a minute: 300
        // datagrams, never more than 5 in one second, far below k = 50.
        d.onFlow(Flows.udp(1, "10.2.0.9", 40000, "10.1.0.53", 53, T0 + 3600 * SECOND, 1, 0));
        for (int i = 0; i < 300; i++) {
            d.onFlow(Flows.udp(10 + i, "10.2.0." + (i % 50 + 10), 40000 + i, "10.1.0.53", 53, T0 + i * 200 * MS, 1,
                    0));
        }
        assertEquals(List.of(), anomalies);
    }

    @Test
    void aFloodsAnomalyNamesTheFloodNotTheStrayAttemptsBeforeIt() {
        FloodDetector d = detector(FloodConfig.defaults());
        // An hour of one SYN a minute left unanswered (a client retrying a dead backend), each
        // alone in its interval: S never leaves 0.
        for (int i = 0; i < 60; i++) {
            d.onFlow(Flows.unanswered(i, "10.3.0.1", VICTIM, 443, T0 + i * 60 * SECOND));
        }
        long flood = T0 + 3600 * SECOND;
        // The mean learnt a trace of the stray SYNs: the alarm comes with the flood's 151st.
        for (int i = 0; i < 160; i++) {
            d.onFlow(Flows.unanswered(1000 + i, spoofed(i), VICTIM, 443, flood + i * MS));
        }
        assertEquals(1, anomalies.size());
        Anomaly a = anomalies.getFirst();
        assertTrue(a.getEvidenceFlowIdsList().stream().allMatch(id -> id >= 1000),
                "evidence is the flood's flows: " + a.getEvidenceFlowIdsList());
        assertEquals(flood, com.google.protobuf.util.Timestamps.toNanos(a.getStart()), "the window starts with the flood");
        assertEquals(151, observed(a, "half_open_syns"), 1e-9);
        double sources = observed(a, "distinct_sources_estimate");
        assertTrue(Math.abs(sources - 151) < 15, "the flood's sources, not the stray client's too: " + sources);
    }
    @Test
    void aFloodAfterTheCaptureClockWentBackIsSuppressedOnlyForTheCooldown() {
        FloodDetector d = detector(FloodConfig.defaults());
        long late = T0 + 3600 * SECOND;
        for (int i = 0; i < 150; i++) {
            d.onFlow(Flows.unanswered(i, spoofed(i), VICTIM, 443, late + i * MS));
        }
        assertEquals(1, anomalies.size());
        // The clock goes back an hour; one stray SYN, then another flood 11 minutes later: past
        // the 10-minute cooldown, counted from where the clock went back, not from an hour ahead.
        d.onFlow(Flows.unanswered(500, "10.3.0.1", VICTIM, 443, T0));
        for (int i = 0; i < 150; i++) {
            d.onFlow(Flows.unanswered(1000 + i, spoofed(i), VICTIM, 443, T0 + 660 * SECOND + i * MS));
        }
        assertEquals(2, anomalies.size());
    }

    /**
     * The destinations are kept by a 64-bit hash of the address, port and protocol. Found in
     * review: the hash had no secret (a fixed mix, inverted as below), so anyone could compute an
     * address whose key is a chosen destination's. One multicast datagram there (a target never
     * counted) hid every UDP flood of that destination, and a unicast one would have had the
     * flood named by the attacker's address. The key is keyed per detector since.
     */
    @Test
    void noAddressCanBeComputedToTakeAnotherDestinationsPlace() throws Exception {
        FlowOutcome victim = FlowOutcome.of(Flows.udp(1, "10.3.0.1", 40000, VICTIM, 9999, T0, 1, 0));
        int portAndProtocol = 17 << 16 | 9999;
        long key = RecentTable.hash(victim.destinationHi(), victim.destinationLo(), 0, 0, portAndProtocol);
        // hash(a, b, 0, 0, e) = mix(mix(mix(mix(mix(C ^ a) ^ b))) ^ e), each mix a bijection.
        long hi = 0xFF02_0000_0000_0000L; // ff02::/16, link-local multicast
        long h2 = unmix(unmix(unmix(key) ^ portAndProtocol));
        long lo = unmix(h2) ^ mixOnce(0x243F_6A88_85A3_08D3L ^ hi);
        assertEquals(key, RecentTable.hash(hi, lo, 0, 0, portAndProtocol), "a computed collision");
        byte[] bytes = java.nio.ByteBuffer.allocate(16).putLong(hi).putLong(lo).array();
        String multicast = java.net.InetAddress.getByAddress(bytes).getHostAddress();

        FloodDetector d = detector(FloodConfig.defaults());
        d.onOutcome(FlowOutcome.of(Flows.udp(2, "10.3.0.1", 40000, multicast, 9999, T0, 1, 0).toBuilder()
                .setIpVersion(6).build()));
        for (int i = 0; i < 150; i++) {
            d.onFlow(Flows.udp(10 + i, spoofed(i), 40000, VICTIM, 9999, T0 + SECOND + i * MS, 1, 0));
        }
        assertEquals(1, anomalies.size(), "the flood is its own destination's");
        assertEquals(VICTIM, anomalies.getFirst().getDestination().getIp());
    }

    /** RecentTable's mix (splitmix64's finalizer). */
    private static long mixOnce(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    /** The inverse of {@link #mixOnce}. */
    private static long unmix(long z) {
        z = unshift(z, 31);
        z *= inverse(0x94D0_49BB_1331_11EBL);
        z = unshift(z, 27);
        z *= inverse(0xBF58_476D_1CE4_E5B9L);
        return unshift(z, 30);
    }

    /** The x with x ^ (x >>> shift) == y. */
    private static long unshift(long y, int shift) {
        long x = y;
        for (int i = 0; i < 64 / shift + 1; i++) {
            x = y ^ (x >>> shift);
        }
        return x;
    }

    /** The multiplicative inverse of an odd number modulo 2^64 (Newton's iteration). */
    private static long inverse(long odd) {
        long x = odd;
        for (int i = 0; i < 6; i++) {
            x *= 2 - odd * x;
        }
        return x;
    }
}
