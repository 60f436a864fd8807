package io.netwatch.agent.inspect.signature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The payload's automata, one per direction, and the anchored fast patterns compared at the
 * payload's start instead of looked for.
 */
class PayloadAutomataTest {
    private static RuleSet rules(String... lines) {
        RuleParser.Result r = new RuleParser(RuleVariables.defaults()).parse(String.join("\n", lines), "t.rules");
        assertEquals(List.of(), r.errors());
        return RuleSet.compile(r.rules(), List.of("t.rules"));
    }

    /** The sids fired by feeding {@code segments} in order to one direction of a new flow. */
    private static List<Integer> fired(RuleSet rules, boolean toServer, String... segments) {
        FlowSignatures f = new FlowSignatures(rules, Signatures.DEFAULT_PAYLOAD_DEPTH, true);
        MatchContext ctx = new MatchContext();
        ctx.tcp = true;
        ctx.toServer = toServer;
        ctx.ipVersion = 4;
        List<Integer> sids = new ArrayList<>();
        for (String s : segments) {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            f.stream(ByteBuffer.wrap(b), 0, b.length, ctx, (rule, buffer) -> { sids.add(rule.sid()); return true; });
        }
        return sids;
    }

    @Test
    void theBundledRulesScanResponsesByWindowsOfTheShortestBannerNotAnchored() {
        RuleSet bundled = Signatures.bundled().current();
        // Toward clients only the shell-banner rules look; "PS C:\" is anchored, and the
        // shortest of the others is "uid=0(root) gid=0(root)".
        assertEquals(23, bundled.payloadMatcher(false).skipWindow());
        assertEquals(List.of("ps c:\\"), Arrays.stream(bundled.anchoredPatterns(false))
                .map(p -> new String(p, StandardCharsets.ISO_8859_1)).toList());
        // Toward servers the Log4Shell and Shellshock strings are four bytes: no window.
        assertEquals(0, bundled.payloadMatcher(true).skipWindow());
    }

    @Test
    void eachDirectionsAutomatonHoldsTheRulesThatLookThere() {
        RuleSet rules = rules("alert tcp any any -> any any (msg:\"up\"; flow:to_server; content:\"upward-only\"; sid:1;)");
        assertNull(rules.payloadMatcher(false), "no rule looks toward the client");
        assertEquals(List.of(1), fired(rules, true, "xx upward-only yy"));
        assertEquals(List.of(), fired(rules, false, "xx upward-only yy"));
    }

    @Test
    void anAnchoredPatternFiresAtTheStartEvenSplitAcrossSegmentsAndNowhereElse() {
        RuleSet rules = rules(
                "alert tcp any any -> any any (msg:\"starts\"; content:\"PS C:|5c|\"; startswith; sid:2;)",
                "alert tcp any any -> any any (msg:\"depth\"; content:\"HELO\"; nocase; offset:0; depth:4; sid:3;)");
        assertEquals(2, rules.anchoredPatterns(true).length);
        assertNull(rules.payloadMatcher(true), "both are compared at the start, nothing is scanned for");
        assertEquals(List.of(2), fired(rules, false, "PS C:\\Users\\a> "));
        assertEquals(List.of(), fired(rules, false, "ps c:\\Users\\a> "), "the content is case-sensitive");
        assertEquals(List.of(2), fired(rules, false, "PS", " C", ":\\Users> "));
        assertEquals(List.of(), fired(rules, false, "x PS C:\\Users> "));
        assertEquals(List.of(), fired(rules, false, "x", "PS C:\\Users> "));
        assertEquals(List.of(3), fired(rules, true, "HEL", "O there"));
        assertEquals(List.of(3), fired(rules, true, "helo there"), "nocase: either case, as the automaton folds");
        assertEquals(List.of(), fired(rules, true, "HELL", "O there"));
    }

    @Test
    void aPatternAnchoredForOneRuleAndNotForAnotherIsScannedForBoth() {
        RuleSet rules = rules(
                "alert tcp any any -> any any (msg:\"at start\"; content:\"magic-word\"; startswith; sid:4;)",
                "alert tcp any any -> any any (msg:\"anywhere\"; content:\"magic-word\"; sid:5;)");
        assertEquals(0, rules.anchoredPatterns(true).length);
        assertEquals(List.of(4, 5), fired(rules, true, "magic-word and more").stream().sorted().toList());
        assertEquals(List.of(5), fired(rules, true, "and a magic-word"));
    }

    @Test
    void theAnchoredTestUsesFastPatternsOnly() {
        assertTrue(RuleSet.anchored(rules("alert tcp any any -> any any (msg:\"t\"; content:\"abc\"; startswith; sid:6;)")
                .rule(0).fastPattern()));
        RuleSet relative = rules("alert tcp any any -> any any (msg:\"t\"; content:\"x\"; content:\"abcd\"; distance:0;"
                + " within:4; sid:7;)");
        assertEquals(false, RuleSet.anchored(relative.rule(0).fastPattern()), "a relative content is not anchored");
        RuleSet deeper = rules("alert tcp any any -> any any (msg:\"t\"; content:\"abcd\"; depth:5; sid:8;)");
        assertEquals(false, RuleSet.anchored(deeper.rule(0).fastPattern()), "a depth past its length leaves room");
    }

    @Test
    void theBytesKeptFollowTheArraysTakenGrownAndGivenBack() {
        RuleSet rules = rules("alert tcp any any -> any any (msg:\"t\"; content:\"never-here\"; sid:9;)");
        FlowSignatures f = new FlowSignatures(rules, 4096, true);
        MatchContext ctx = new MatchContext();
        ctx.tcp = true;
        ctx.ipVersion = 4;
        assertEquals(0, f.keptBytes());
        ctx.toServer = true;
        f.stream(ByteBuffer.wrap(new byte[100]), 0, 100, ctx, (r, b) -> true);
        assertEquals(PayloadBuffers.SMALL, f.keptBytes(), "a small array for the first bytes");
        f.stream(ByteBuffer.wrap(new byte[600]), 0, 600, ctx, (r, b) -> true);
        assertEquals(4096, f.keptBytes(), "grown to the depth");
        ctx.toServer = false;
        f.stream(ByteBuffer.wrap(new byte[10]), 0, 10, ctx, (r, b) -> true);
        assertEquals(4096 + PayloadBuffers.SMALL, f.keptBytes(), "and the other direction's");
        f.stopPayload(true);
        assertEquals(PayloadBuffers.SMALL, f.keptBytes());
        f.stopPayload(true);
        assertEquals(PayloadBuffers.SMALL, f.keptBytes(), "stopped twice, given back once");
        f.release();
        assertEquals(0, f.keptBytes());
    }
}
