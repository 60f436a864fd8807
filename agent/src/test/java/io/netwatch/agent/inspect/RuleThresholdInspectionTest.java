package io.netwatch.agent.inspect;

import static io.netwatch.agent.Frames.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.CaptureException;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.signature.RuleTuning;
import io.netwatch.agent.inspect.signature.RuleVariables;
import io.netwatch.agent.inspect.signature.RuleWatcher;
import io.netwatch.agent.inspect.signature.RulesConfig;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.inspect.signature.Suppression;
import io.netwatch.agent.inspect.signature.Threshold;
import io.netwatch.agent.metrics.SignatureMetrics;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.SignatureAlert;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thresholds inside the pipeline, as a Suricata user tunes a noisy rule with them: a
 * threshold.config line or a rule's own threshold keyword limits how often the rule's alerts
 * are raised across flows (no alert event, no line in the flow record, no anomaly for one held
 * back, which is counted), each flow counting once, in capture time.
 */
class RuleThresholdInspectionTest {
    private static final long SECOND = 1_000_000_000L;
    private static final Path CORPUS = Path.of(System.getProperty("netwatch.shared.pcaps", "../../shared/pcaps"));
    private static final String MARKER_RULE =
            "alert tcp any any -> any any (msg:\"marker\"; flow:to_server; content:\"MARKER-7Q\"; sid:1000001; rev:1;)\n";

    @TempDir
    Path dir;
    private final List<Flow> flows = new ArrayList<>();
    private final List<InspectionEvent> events = new ArrayList<>();
    private final List<Anomaly> anomalies = new ArrayList<>();
    private Pipeline pipeline;
    private Signatures signatures;
    private Path thresholdFile;
    private long t = 1_700_000_000L * SECOND;
    private int port = 40000;

    private static final byte[] SERVER = ipv4(10, 0, 0, 2);

    /** Local rules {@code rules}, without the bundled ones, and threshold file {@code threshold}, in a pipeline. */
    private void load(String rules, String threshold) throws Exception {
        Path r = dir.resolve("local.rules");
        Files.writeString(r, rules);
        thresholdFile = dir.resolve("threshold.config");
        Files.writeString(thresholdFile, threshold);
        signatures = new RulesConfig(List.of(r), false, Duration.ZERO, Signatures.DEFAULT_PAYLOAD_DEPTH,
                RuleVariables.defaults(), new RuleTuning(List.of(), thresholdFile)).load();
        assertEquals(List.of(), signatures.lastLoad().errors());
        assertEquals(List.of(), signatures.lastLoad().tuningErrors());
        pipeline = Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(), DetectionConfig.defaults(),
                InspectionConfig.defaults(), signatures, flows::add, anomalies::add, events::add);
    }

    private void segment(byte[] src, int sport, byte[] dst, int dport, int flags, int seq, String data) {
        byte[] payload = data.getBytes(StandardCharsets.ISO_8859_1);
        byte[] tcp = tcp(sport, dport, flags, seq, payload.length);
        System.arraycopy(payload, 0, tcp, 20, payload.length);
        byte[] f = ethernet(0x0800, ipv4Packet(src, dst, 6, tcp));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }

    /** A flow of its own from {@code client} to the server's {@code dport}, its client sending {@code requests}. */
    private void flow(byte[] client, int dport, String... requests) {
        int cport = port++;
        segment(client, cport, SERVER, dport, 0x02, 100, "");
        segment(SERVER, dport, client, cport, 0x12, 500, "");
        segment(client, cport, SERVER, dport, 0x10, 101, "");
        int seq = 101;
        for (String r : requests) {
            segment(client, cport, SERVER, dport, 0x18, seq, r);
            seq += r.length();
        }
        segment(client, cport, SERVER, dport, 0x11, seq, "");
        segment(SERVER, dport, client, cport, 0x11, 501, "");
    }

    /** One flow whose client sends the marker. */
    private void marker(byte[] client) {
        flow(client, 9000, "MARKER-7Q\n");
    }

    private static byte[] client(int n) {
        return ipv4(10, 1, n >> 8, n & 0xFF);
    }

    private List<Integer> alerted() {
        return events.stream().filter(e -> e instanceof InspectionEvent.Alert)
                .map(e -> ((InspectionEvent.Alert) e).rule().sid()).toList();
    }

    private List<Integer> recorded() {
        pipeline.finish();
        return flows.stream().flatMap(f -> f.getAlertsList().stream()).map(SignatureAlert::getSid).toList();
    }

    private long signatureAnomalies() {
        return anomalies.stream().filter(a -> a.getAnomalyType().equals("signature")).count();
    }

    private long heldBack(Threshold.Type type) {
        return pipeline.inspector().thresholds().heldBack(type);
    }

    @Test
    void aLimitBySourceLetsOneAlertPerSourcePerMinuteThroughAcrossManyFlows() throws Exception {
        load(MARKER_RULE, "threshold gen_id 1, sig_id 1000001, type limit, track by_src, count 1, seconds 60\n");
        // A scanner opens 200 flows in 40 s, each with the marker; a second source 3 meanwhile.
        for (int i = 0; i < 200; i++) {
            marker(client(1));
            if (i % 70 == 0) {
                marker(client(2));
            }
            t += SECOND / 5;
        }
        assertEquals(List.of(1000001, 1000001), alerted(), "one alert per source");
        assertEquals(203 - 2, heldBack(Threshold.Type.LIMIT));
        assertEquals(2, pipeline.inspector().alerts(), "held back alerts are not counted as raised");
        // A minute after the scanner's first match (capture time), its window has passed.
        t += 21 * SECOND;
        marker(client(1));
        marker(client(1));
        assertEquals(List.of(1000001, 1000001, 1000001), alerted());
        assertEquals(List.of(1000001, 1000001, 1000001), recorded(), "no line in the held back flows' records");
        assertEquals(2, signatureAnomalies(), "no anomaly for a held back alert (the detector's own 5 minutes"
                + " keep the scanner's second alert to one anomaly)");
        assertEquals(2, pipeline.inspector().thresholds().size(), "one count per source");
    }

    @Test
    void withoutAThresholdEveryFlowAlertsAndNoCountIsKept() throws Exception {
        // The baseline the test above departs from, and proof that no threshold costs no entry.
        load(MARKER_RULE, "# nothing\n");
        for (int i = 0; i < 20; i++) {
            marker(client(1));
        }
        assertEquals(20, alerted().size());
        assertEquals(0, pipeline.inspector().thresholds().size());
        for (Threshold.Type type : Threshold.Type.values()) {
            assertEquals(0, heldBack(type));
        }
    }

    @Test
    void thresholdAlertsOnEveryCountthFlowAndBothOnceAWindow() throws Exception {
        load(MARKER_RULE + MARKER_RULE.replace("MARKER-7Q", "OTHER-7Q").replace("1000001", "1000002"),
                "threshold gen_id 1, sig_id 1000001, type threshold, track by_dst, count 3, seconds 60\n"
                        + "event_filter gen_id 1, sig_id 1000002, type both, track by_rule, count 2, seconds 60\n");
        for (int i = 0; i < 10; i++) {
            marker(client(i));
            flow(client(i), 9000, "OTHER-7Q\n");
        }
        // by_dst: ten clients, one server: every third flow to it alerts; by_rule: the second only.
        assertEquals(List.of(1000002, 1000001, 1000001, 1000001), alerted());
        assertEquals(7, heldBack(Threshold.Type.THRESHOLD));
        assertEquals(9, heldBack(Threshold.Type.BOTH));
    }

    /**
     * A match counts once per flow and rule: a rule alerts at most once per flow, and one whose
     * alert a threshold held back has fired for it too. Three requests in one flow are one
     * match toward a threshold of 2; the second flow's is the second match.
     */
    @Test
    void aFlowCountsOnceTowardTheThreshold() throws Exception {
        load("alert http any any -> any any (msg:\"uri\"; http.uri; content:\"/MARKER-7Q\"; "
                        + "threshold: type threshold, track by_src, count 2, seconds 60; sid:1000003; rev:1;)\n", "");
        String get = "GET /MARKER-7Q HTTP/1.1\r\nHost: h\r\n\r\n";
        flow(client(1), 80, get, get, get);
        assertEquals(List.of(), alerted());
        assertEquals(1, heldBack(Threshold.Type.THRESHOLD));
        flow(client(1), 80, get);
        assertEquals(List.of(1000003), alerted());
    }

    @Test
    void aRulesThresholdKeywordLimitsItsAlertsAndAFileLineForItsSidReplacesIt() throws Exception {
        // The form of ET Open's "MSIE 6.0 in use" rule: at most one alert per host in 3 minutes.
        String rules = "alert tcp any any -> any any (msg:\"et-like\"; flow:to_server; content:\"MARKER-7Q\"; "
                + "threshold: type limit, track by_src, seconds 180, count 1; sid:1000004; rev:1;)\n"
                + "alert tcp any any -> any any (msg:\"plain\"; flow:to_server; content:\"OTHER-7Q\"; sid:1000005;)\n";
        load(rules, "");
        for (int i = 0; i < 5; i++) {
            marker(client(1));
        }
        assertEquals(List.of(1000004), alerted());

        // A line for its sid replaces the rule's own (Suricata: "will override the signature setting").
        events.clear();
        load(rules, "threshold gen_id 1, sig_id 1000004, type limit, track by_src, count 3, seconds 180\n");
        for (int i = 0; i < 5; i++) {
            marker(client(1));
        }
        assertEquals(List.of(1000004, 1000004, 1000004), alerted());

        // sig_id 0 gives every rule without a threshold of its own one, and leaves the rule's own alone.
        events.clear();
        load(rules, "threshold gen_id 1, sig_id 0, type limit, track by_rule, count 2, seconds 60\n");
        for (int i = 0; i < 5; i++) {
            marker(client(i));
            flow(client(i), 9000, "OTHER-7Q\n");
        }
        assertEquals(List.of(1000004, 1000005, 1000004, 1000005, 1000004, 1000004, 1000004), alerted(),
                "1000004 once per source as its keyword says; 1000005 twice in all, by_rule");
    }

    @Test
    void aDetectionFilterAlertsOnlyAfterItsCountOfFlowsInItsWindow() throws Exception {
        // Suricata's example: alert after 15 matches in 2 seconds, here 3 flows in 2 seconds.
        load("alert tcp any any -> any any (msg:\"burst\"; flow:to_server; content:\"MARKER-7Q\"; "
                + "detection_filter: track by_src, count 3, seconds 2; sid:1000006; rev:1;)\n", "");
        for (int i = 0; i < 6; i++) {
            marker(client(1));
        }
        assertEquals(List.of(1000006, 1000006, 1000006), alerted(), "the 4th, 5th and 6th flows");
        assertEquals(3, heldBack(Threshold.Type.DETECTION_FILTER));
        // Slow matches, 3 s apart, never pass the count in any window.
        events.clear();
        for (int i = 0; i < 6; i++) {
            t += 3 * SECOND;
            marker(client(2));
        }
        assertEquals(List.of(), alerted());
    }

    @Test
    void aSuppressedMatchDoesNotCountTowardTheThreshold() throws Exception {
        // As in Suricata, suppress lines are applied first: the scanner's matches are suppressed
        // (counted there) and leave the rule's count for everyone else untouched.
        load(MARKER_RULE, "suppress gen_id 1, sig_id 1000001, track by_src, ip 10.1.0.1\n"
                + "threshold gen_id 1, sig_id 1000001, type threshold, track by_rule, count 2, seconds 60\n");
        for (int i = 0; i < 5; i++) {
            marker(client(1));
        }
        marker(client(2));
        assertEquals(List.of(), alerted());
        marker(client(3));
        assertEquals(List.of(1000001), alerted(), "the second match not suppressed");
        assertEquals(5, signatures.suppressed(Suppression.Track.BY_SRC));
        assertEquals(1, heldBack(Threshold.Type.THRESHOLD));
    }

    @Test
    void aReloadKeepsTheCountsOfAnUnchangedThresholdAndStartsAChangedOneAfresh() throws Exception {
        load(MARKER_RULE, "threshold gen_id 1, sig_id 1000001, type limit, track by_src, count 1, seconds 600\n");
        List<Signatures.LoadReport> reports = new ArrayList<>();
        try (RuleWatcher w = signatures.watch(Duration.ofHours(1), reports::add)) {
            marker(client(1));
            marker(client(1));
            assertEquals(List.of(1000001), alerted());

            // Another line added, this one as it was: the source's count goes on.
            Files.writeString(thresholdFile, "# tuned\n"
                    + "threshold gen_id 1, sig_id 1000001, type limit, track by_src, count 1, seconds 600\n"
                    + "threshold gen_id 1, sig_id 0, type limit, track by_src, count 1, seconds 600\n");
            assertTrue(w.checkNow());
            assertEquals(2, signatures.thresholds().size());
            marker(client(1));
            assertEquals(List.of(1000001), alerted(), "still held back");

            // The count changed: its window opens again with the next match.
            Files.writeString(thresholdFile, "threshold gen_id 1, sig_id 1000001, type limit, track by_src, count 2,"
                    + " seconds 600\n");
            assertTrue(w.checkNow());
            marker(client(1));
            marker(client(1));
            marker(client(1));
            assertEquals(List.of(1000001, 1000001, 1000001), alerted());

            // Without a line, the rule alerts on every flow again.
            Files.writeString(thresholdFile, "");
            assertTrue(w.checkNow());
            marker(client(1));
            assertEquals(4, alerted().size());
            assertEquals(3, heldBack(Threshold.Type.LIMIT));
        }
    }

    @Test
    void theMetricsCountTheAlertsHeldBackByTypeAndTheCountsKept() throws Exception {
        load(MARKER_RULE, "threshold gen_id 1, sig_id 1000001, type limit, track by_src, count 1, seconds 60\n");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new SignatureMetrics(signatures, pipeline.inspector()).bindTo(registry);
        for (int i = 0; i < 4; i++) {
            marker(client(1));
            marker(client(2));
        }
        assertEquals(6, registry.get("netwatch.signature.thresholded").tag("type", "limit").functionCounter().count());
        assertEquals(0, registry.get("netwatch.signature.thresholded").tag("type", "detection_filter")
                .functionCounter().count());
        assertEquals(1, registry.get("netwatch.signature.thresholds").gauge().value());
        assertEquals(2, registry.get("netwatch.signature.threshold.entries").gauge().value());
        assertEquals(0, registry.get("netwatch.signature.threshold.evictions").functionCounter().count());
    }

    @Test
    void theThresholdEntriesBoundHoldsInThePipelineAndItsEvictionsAreCounted() throws Exception {
        Path r = dir.resolve("local.rules");
        Files.writeString(r, MARKER_RULE);
        Path f = dir.resolve("threshold.config");
        Files.writeString(f, "threshold gen_id 1, sig_id 1000001, type limit, track by_src, count 1, seconds 60\n");
        signatures = new RulesConfig(List.of(r), false, Duration.ZERO, Signatures.DEFAULT_PAYLOAD_DEPTH,
                RuleVariables.defaults(), new RuleTuning(List.of(), f, 8)).load();
        pipeline = Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(), DetectionConfig.defaults(),
                InspectionConfig.defaults(), signatures, flows::add, anomalies::add, events::add);
        for (int i = 0; i < 40; i++) {
            marker(client(i));
        }
        assertEquals(8, pipeline.inspector().thresholds().size());
        assertEquals(32, pipeline.inspector().thresholds().evictions());
        assertEquals(40, alerted().size(), "every source's first match alerts");
    }

    /**
     * The real nmap -sV capture: its NSE user agent matches the bundled rule 9100060 in four
     * flows from one scanner within a tenth of a second. A threshold line of one alert per
     * source per minute leaves one, and the other rules that fire there untouched.
     */
    @Test
    void onTheNmapCaptureALimitLeavesOneUserAgentAlertOfFour() throws Exception {
        Path capture = CORPUS.resolve("esnet-nmap_80_w_service_detection.pcap");
        assumeTrue(Files.isRegularFile(capture), "corpus not found at " + CORPUS + " (set -Dnetwatch.shared.pcaps)");
        Map<Integer, Integer> untuned = replay(capture, "");
        assertEquals(Map.of(9100060, 4, 9100061, 1, 9100070, 1), untuned);

        Map<Integer, Integer> tuned = replay(capture,
                "threshold gen_id 1, sig_id 9100060, type limit, track by_src, count 1, seconds 60\n");
        assertEquals(Map.of(9100060, 1, 9100061, 1, 9100070, 1), tuned);
        assertEquals(3, heldBack(Threshold.Type.LIMIT));

        // The same by the rule's own address pair, and a detection_filter-like "both" that needs 4.
        assertEquals(Map.of(9100060, 1, 9100061, 1, 9100070, 1), replay(capture,
                "event_filter gen_id 1, sig_id 9100060, type both, track by_both, count 4, seconds 1\n"));
        assertEquals(Map.of(9100061, 1, 9100070, 1), replay(capture,
                "event_filter gen_id 1, sig_id 9100060, type both, track by_both, count 5, seconds 1\n"),
                "four flows never reach five");
    }

    /** The sids alerted on {@code capture} with the bundled rules and threshold file {@code threshold}, and how often. */
    private Map<Integer, Integer> replay(Path capture, String threshold) throws Exception {
        thresholdFile = dir.resolve("threshold.config");
        Files.writeString(thresholdFile, threshold);
        signatures = new RulesConfig(List.of(), true, Duration.ZERO, Signatures.DEFAULT_PAYLOAD_DEPTH,
                RuleVariables.defaults(), new RuleTuning(List.of(), thresholdFile)).load();
        assertEquals(List.of(), signatures.lastLoad().tuningErrors());
        events.clear();
        try (PcapFileSource source = PcapFileSource.open(capture)) {
            pipeline = Pipeline.create("n", source.interfaceNames(), FlowTableConfig.defaults(),
                    DetectionConfig.defaults(), InspectionConfig.defaults(), signatures, flows::add, anomalies::add,
                    events::add);
            try {
                source.run(pipeline);
            } catch (CaptureException damaged) {
                throw new AssertionError(damaged);
            }
            pipeline.finish();
        }
        Map<Integer, Integer> sids = new TreeMap<>();
        alerted().forEach(sid -> sids.merge(sid, 1, Integer::sum));
        return sids;
    }
}
