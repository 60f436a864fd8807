package io.netwatch.agent.score;

import static io.netwatch.agent.score.Flows.SECOND;
import static io.netwatch.agent.score.Flows.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.HTTP;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Many short accepted connections from one source to one password-taking service. */
class BruteForceDetectorTest {
    private static final String GUESSER = "10.1.0.10";
    private static final String SERVER = "10.1.0.20";

    private final List<Anomaly> anomalies = new ArrayList<>();
    private final BruteForceDetector detector = new BruteForceDetector(BruteForceConfig.defaults(), anomalies::add,
            "node-a");

    /** One SSH login attempt: 5 s, 4 KiB to the server, as in zeek's sshguess capture. */
    private static Flow guess(long id, long at) {
        return Flows.conversation(id, GUESSER, SERVER, 22, at, at + 5 * SECOND, 4096).toBuilder().setAppProto("ssh")
                .build();
    }

    @Test
    void theTenthShortLoginWithinTheWindowRaisesBruteForce() {
        for (int i = 0; i < 9; i++) {
            detector.onFlow(guess(i, T0 + i * 6 * SECOND));
        }
        assertEquals(List.of(), anomalies);
        detector.onFlow(guess(9, T0 + 54 * SECOND));
        assertEquals(1, anomalies.size());
        Anomaly a = anomalies.getFirst();
        assertEquals("brute_force", a.getAnomalyType());
        assertEquals("T1110", a.getAttackTechnique());
        assertEquals(SERVER, a.getDestination().getIp());
        assertEquals(22, a.getDestination().getPort());
        assertEquals(10, ScanDetectorTest.observed(a, "short_connections"));
        assertTrue(a.getExplanation().getSummary().contains("(ssh)"), a.getExplanation().getSummary());
        detector.onFlow(guess(10, T0 + 60 * SECOND));
        assertEquals(1, anomalies.size(), "once per window");
        assertTrue(a.getSourceHandshakeCompleted(), "the guesser acknowledged the server's SYN-ACKs");
    }

    @Test
    void answeredSynsTheSourceNeverAcknowledgedDoNotShowItHoldsItsAddress() {
        // Spoofed SYNs to the SSH port: the server answers each with a SYN-ACK that goes to the
        // real holder of the address, so no ACK ever comes from the "guesser".
        for (int i = 0; i < 10; i++) {
            Flow f = guess(i, T0 + i * SECOND);
            detector.onFlow(f.toBuilder().setTcp(f.getTcp().toBuilder().setFlagsToServer(0x02)).build());
        }
        assertEquals(1, anomalies.size());
        assertTrue(!anomalies.getFirst().getSourceHandshakeCompleted(), "spoofable: the blocking guardrail refuses it");
    }

    @Test
    void sessionsRefusedConnectionsOtherServicesAndSlowGuessesDoNotCount() {
        for (int i = 0; i < 20; i++) {
            long at = T0 + i * SECOND;
            detector.onFlow(Flows.conversation(i, GUESSER, SERVER, 22, at, at + 60 * SECOND, 4096)); // too long
            detector.onFlow(Flows.conversation(100 + i, GUESSER, SERVER, 22, at, at + SECOND, 100_000)); // too big
            detector.onFlow(Flows.unanswered(200 + i, GUESSER, SERVER, 22, at)); // no handshake, no password
            detector.onFlow(Flows.conversation(300 + i, GUESSER, SERVER, 8081, at, at + SECOND, 500)); // not a login port
        }
        for (int i = 0; i < 20; i++) {
            detector.onFlow(guess(400 + i, T0 + i * 14 * SECOND)); // 9 per 2-minute window
        }
        assertEquals(List.of(), anomalies);
    }

    @Test
    void http401AnswersCountOnAnyPort() {
        for (int i = 0; i < 10; i++) {
            long at = T0 + i * SECOND;
            detector.onFlow(Flows.conversation(i, GUESSER, SERVER, 8081, at, at + SECOND / 10, 600).toBuilder()
                    .setAppProto("http").setHttp(HTTP.newBuilder().setMethod("POST").setUri("/login").setStatus(401))
                    .build());
        }
        assertEquals(List.of("brute_force"), anomalies.stream().map(Anomaly::getAnomalyType).toList());
    }

    @Test
    void connectionsOfManyOtherPairsDoNotFlushAGuessersWindow() {
        // Between two guesses, one connection each from as many other sources as the table
        // holds (spoofed SYNs get their SYN-ACK: answered, short). The least recently used pair
        // went first, the guesser's, its window started over at each guess, and a guesser at
        // any speed stayed below the ten that call one.
        BruteForceDetector small = new BruteForceDetector(new BruteForceConfig(Duration.ofMinutes(2), 10,
                Duration.ofSeconds(30), 16_384, Set.of(22), 64, 0), anomalies::add, "node-a");
        long id = 100;
        for (int i = 0; i < 10; i++) {
            long at = T0 + i * 6 * SECOND;
            small.onFlow(guess(i, at));
            for (int k = 0; k < 64; k++) {
                small.onFlow(Flows.conversation(id++, "10.9." + i + "." + k, SERVER, 22, at + k, at + k + 1, 60));
            }
        }
        assertEquals(List.of("brute_force"), anomalies.stream().map(Anomaly::getAnomalyType).toList());
        assertTrue(small.evictions() >= 9 * 64, "the one-off pairs went instead, counted");
    }

    @Test
    void pairsAreBoundedAndBadSettingsNamed() {
        BruteForceDetector small = new BruteForceDetector(new BruteForceConfig(Duration.ofMinutes(2), 10,
                Duration.ofSeconds(30), 16_384, Set.of(22), 8, 0), anomalies::add, "node-a");
        for (int i = 0; i < 100; i++) {
            small.onFlow(Flows.conversation(i, "10.7.0." + i, SERVER, 22, T0, T0 + SECOND, 500));
        }
        assertEquals(92, small.evictions());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BruteForceConfig(
                Duration.ofMinutes(2), 1, Duration.ofSeconds(30), 16_384, Set.of(22), 8, 0));
        assertTrue(e.getMessage().contains("minAttempts >= 2"), e.getMessage());
    }
    @Test
    void guessingAfterTheCaptureClockWentBackIsReportedAgain() {
        for (int i = 0; i < 10; i++) {
            detector.onFlow(guess(i, T0 + 3600 * SECOND + i * 6 * SECOND));
        }
        assertEquals(1, anomalies.size());
        // The clock goes back an hour (a second capture): ten more guesses are a new window.
        for (int i = 0; i < 10; i++) {
            detector.onFlow(guess(100 + i, T0 + i * 6 * SECOND));
        }
        assertEquals(2, anomalies.size());
    }
}
