package io.netwatch.agent.inspect.signature;

import static org.junit.jupiter.api.Assertions.*;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets for the signature engine: the rule reader and the threshold.config reader on
 * any text (rule and threshold files are user input), and the matcher on any payload split
 * into any chunks. Seeds: {@code SignatureFuzzTestInputs/readsAnyRuleText/},
 * {@code .../readsAnyThresholdText/} and {@code .../matchesAnyPayload/}.
 */
class SignatureFuzzTest {
    private static final RuleSet BUNDLED = Signatures.bundled().current();

    /** Input: rule text (UTF-8). */
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void readsAnyRuleText(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        RuleParser.Result r = new RuleParser(RuleVariables.defaults()).parse(text, "fuzz.rules");
        long lines = text.split("\r?\n", -1).length;
        for (RuleError e : r.errors()) {
            assertTrue(e.line() >= 1 && e.line() <= lines, "error line in range: " + e);
            assertFalse(e.reason().isBlank());
        }
        assertTrue(r.rules().size() + r.errors().size() <= lines);
        RuleSet set;
        try {
            List<Rule> unique = new ArrayList<>();
            java.util.Set<Integer> sids = new java.util.HashSet<>();
            for (Rule rule : r.rules()) {
                if (sids.add(rule.sid())) {
                    unique.add(rule);
                }
            }
            set = RuleSet.compile(unique, List.of("fuzz.rules"));
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().contains("more than the")) {
                // Contents past the automaton's bound: refused, as they should be.
                return;
            }
            throw e;
        }
        // Whatever was read also matches without failing, on the text itself as payload.
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        match(set, payload, List.of(payload.length));
    }

    /** Input: threshold.config text (UTF-8). */
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void readsAnyThresholdText(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        ThresholdParser.Result r = new ThresholdParser(RuleVariables.defaults()).parse(text, "fuzz.config");
        long lines = text.split("\r?\n", -1).length;
        for (RuleError e : r.errors()) {
            assertTrue(e.line() >= 1 && e.line() <= lines, "error line in range: " + e);
            assertFalse(e.reason().isBlank());
        }
        for (Suppression s : r.suppressions()) {
            assertTrue(s.line() >= 1 && s.line() <= lines, "line in range: " + s);
            assertTrue(s.sid() > 0 || s.track() != Suppression.Track.RULE, "never every alert: " + s);
        }
        for (ThresholdLine t : r.thresholds()) {
            assertTrue(t.line() >= 1 && t.line() <= lines, "line in range: " + t);
            assertTrue(t.threshold().count() >= 1 && t.threshold().seconds() >= 1, "a count and a window: " + t);
        }
        assertTrue(r.suppressions().size() + r.thresholds().size() + r.errors().size() <= lines);
        // Whatever was read is asked of an alert without failing, from and to any address.
        Suppressions in = Suppressions.of(r.suppressions());
        MatchContext m = new MatchContext();
        m.srcLo = 0xFFFF_0A00_0001L;
        m.dstHi = 0x2001_0db8_0000_0000L;
        for (Suppression s : r.suppressions()) {
            in.match(s.sid(), m);
            in.match(s.sid() + 1, m);
        }
        // And counted, at any capture time, in a table that stays within its bound.
        Thresholds thresholds = Thresholds.of(r.thresholds());
        ThresholdTable table = new ThresholdTable(4);
        long[] times = {0, 1, Long.MAX_VALUE, Long.MIN_VALUE, 1_700_000_000_000_000_000L};
        for (ThresholdLine t : thresholds.lines()) {
            for (long now : times) {
                table.admits(t.threshold(), Math.max(1, t.sid()), m, now);
            }
        }
        assertTrue(table.size() <= 4);
    }

    /** Input: a chunking (a few sizes) then payload bytes, matched by the bundled rules. */
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void matchesAnyPayload(FuzzedDataProvider data) {
        List<Integer> chunks = new ArrayList<>();
        int n = data.consumeInt(0, 8);
        for (int i = 0; i < n; i++) {
            chunks.add(data.consumeInt(1, 2048));
        }
        byte[] payload = data.consumeRemainingAsBytes();
        chunks.add(Math.max(1, payload.length));
        // Each direction has its own automaton: toward clients the bundled patterns are long,
        // and the scan steps over windows of bytes.
        for (boolean toServer : new boolean[] {true, false}) {
            List<Integer> sids = match(BUNDLED, payload, chunks, toServer);
            // Splitting the stream differently finds the same rules (the automaton resumes across chunks).
            assertEquals(sids, match(BUNDLED, payload, List.of(Math.max(1, payload.length)), toServer));
        }
    }

    private static List<Integer> match(RuleSet set, byte[] payload, List<Integer> chunks) {
        return match(set, payload, chunks, true);
    }

    /** The sids of the rules that fired, in increasing order. */
    private static List<Integer> match(RuleSet set, byte[] payload, List<Integer> chunks, boolean toServer) {
        FlowSignatures f = new FlowSignatures(set, Signatures.DEFAULT_PAYLOAD_DEPTH, true);
        MatchContext ctx = new MatchContext();
        ctx.tcp = true;
        ctx.toServer = toServer;
        ctx.appProto = "http";
        ctx.ipVersion = 4;
        List<Integer> fired = new ArrayList<>();
        int off = 0;
        for (int i = 0; off < payload.length; i = Math.min(i + 1, chunks.size() - 1)) {
            int len = Math.min(chunks.get(i), payload.length - off);
            f.stream(ByteBuffer.wrap(payload), off, len, ctx, (rule, buffer) -> { fired.add(rule.sid()); return true; });
            off += len;
        }
        f.datagram(ByteBuffer.wrap(payload), 0, payload.length, ctx, (rule, buffer) -> true);
        f.fields(Buffer.Group.HTTP_REQUEST, b -> new byte[][] {payload}, ctx,
                (rule, buffer) -> { fired.add(rule.sid()); return true; });
        assertEquals(fired.size(), new java.util.HashSet<>(fired).size(), "each rule at most once per flow");
        return fired.stream().sorted().toList();
    }
}
