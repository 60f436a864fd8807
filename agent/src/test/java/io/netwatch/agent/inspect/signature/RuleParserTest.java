package io.netwatch.agent.inspect.signature;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The rule syntax Netwatch reads, and the errors a user gets for rules it cannot. */
class RuleParserTest {
    private final RuleParser parser = new RuleParser(RuleVariables.defaults());

    private Rule one(String text) {
        RuleParser.Result r = parser.parse(text, "test.rules");
        assertEquals(List.of(), r.errors());
        assertEquals(1, r.rules().size());
        return r.rules().getFirst();
    }

    @Test
    void readsEveryPartOfARule() {
        Rule r = one("alert http $HOME_NET any -> [10.1.0.0/16,!10.1.2.3] $HTTP_PORTS (msg:\"A \\\"quoted\\\" msg\"; "
                + "flow:established,to_server; http.uri; content:\"/a|3b 3B|b\"; nocase; depth:20; "
                + "content:\"x\"; distance:2; within:5; http.user_agent; content:!\"curl\"; "
                + "reference:url,example; metadata:created_at 2024; classtype:web-application-attack; sid:42; rev:3;)");
        assertEquals(42, r.sid());
        assertEquals(3, r.rev());
        assertEquals("A \"quoted\" msg", r.msg());
        assertEquals("web-application-attack", r.classtype());
        assertEquals(1, r.priority());
        assertEquals("high", r.severity());
        assertEquals(RuleProtocol.HTTP, r.protocol());
        assertEquals(Rule.FlowDirection.TO_SERVER, r.flow());
        assertEquals("test.rules:1", r.origin());
        assertEquals(3, r.contents().size());
        ContentMatch first = r.contents().get(0);
        assertEquals(Buffer.HTTP_URI, first.buffer());
        assertArrayEquals("/a;;b".getBytes(StandardCharsets.ISO_8859_1), first.pattern());
        assertTrue(first.nocase());
        assertEquals(20, first.depth());
        ContentMatch second = r.contents().get(1);
        assertEquals(Buffer.HTTP_URI, second.buffer());
        assertEquals(2, second.distance());
        assertEquals(5, second.within());
        ContentMatch third = r.contents().get(2);
        assertEquals(Buffer.HTTP_USER_AGENT, third.buffer());
        assertTrue(third.negated());
        // The longest content that is not negated is what the automaton looks for.
        assertSame(first, r.fastPattern());
        // Header: HOME_NET source, a destination list with an exception, port 80.
        assertTrue(r.source().matches(0, 0xFFFF_0A00_0001L));
        assertFalse(r.source().matches(0, 0xFFFF_0808_0808L));
        assertTrue(r.destination().matches(0, 0xFFFF_0A01_0505L));
        assertFalse(r.destination().matches(0, 0xFFFF_0A01_0203L));
        assertTrue(r.destPorts().matches(80));
        assertFalse(r.destPorts().matches(8080));
    }

    @Test
    void legacyModifiersMoveTheContentBeforeThem() {
        Rule r = one("alert tcp any any -> any any (msg:\"m\"; content:\"GET\"; http_method; content:\"/x\"; http_uri; "
                + "http.user_agent; content:\"curl\"; sid:1;)");
        assertEquals(Buffer.HTTP_METHOD, r.contents().get(0).buffer());
        assertEquals(Buffer.HTTP_URI, r.contents().get(1).buffer());
        assertEquals(Buffer.HTTP_USER_AGENT, r.contents().get(2).buffer());
    }

    @Test
    void skipsCommentsAndBlankLinesAndJoinsContinuedLines() {
        RuleParser.Result r = parser.parse("""
                # a comment

                alert tcp any any -> any any (msg:"first"; \\
                    content:"abc"; sid:1;)
                   # indented comment
                alert udp any any -> any 53 (msg:"second"; content:"x"; sid:2;)
                """, "f.rules");
        assertEquals(List.of(), r.errors());
        assertEquals(List.of("f.rules:3", "f.rules:6"), r.rules().stream().map(Rule::origin).toList());
    }

    @Test
    void aBadRuleIsRefusedAndTheOthersStillLoad() {
        RuleParser.Result r = parser.parse("""
                alert tcp any any -> any any (msg:"good"; content:"a"; sid:1;)
                alert tcp any any -> any any (msg:"bad"; pcre:"/x/"; sid:2;)
                alert tcp any any -> any any (msg:"good too"; content:"b"; sid:3;)
                """, "mixed.rules");
        assertEquals(List.of(1, 3), r.rules().stream().map(Rule::sid).toList());
        assertEquals(1, r.errors().size());
        RuleError e = r.errors().getFirst();
        assertEquals("mixed.rules", e.source());
        assertEquals(2, e.line());
        assertTrue(e.reason().startsWith("unsupported keyword 'pcre'"), e.reason());
        assertTrue(e.toString().startsWith("mixed.rules:2: unsupported keyword 'pcre'"), e.toString());
    }

    @Test
    void aMissingSemicolonIsNamedWithItsLine() {
        RuleParser.Result r = parser.parse("""
                alert tcp any any -> any any (msg:"good"; content:"a"; sid:1;)

                alert tcp any any -> any any (msg:"bad"; content:"abc" sid:2;)
                """, "local.rules");
        assertEquals(List.of(1), r.rules().stream().map(Rule::sid).toList());
        assertEquals("local.rules:3: malformed option list: a ';' is missing after content:\"abc\" (before 'sid:2')",
                r.errors().getFirst().toString());
    }

    static List<Arguments> badRules() {
        String h = "alert tcp any any -> any any ";
        return List.of(
                Arguments.of("not a rule at all", "not a rule"),
                Arguments.of("drop tcp any any -> any any (msg:\"m\"; content:\"a\"; sid:1;)", "action 'drop' is not supported"),
                Arguments.of("alert icmp any any -> any any (msg:\"m\"; content:\"a\"; sid:1;)", "protocol 'icmp'"),
                Arguments.of("alert tcp any any <- any any (msg:\"m\"; content:\"a\"; sid:1;)", "direction '<-'"),
                Arguments.of("alert tcp 10.0.0.300 any -> any any (msg:\"m\"; content:\"a\"; sid:1;)", "source address: bad IPv4"),
                Arguments.of("alert tcp $NOPE any -> any any (msg:\"m\"; content:\"a\"; sid:1;)", "unknown address variable $NOPE"),
                Arguments.of("alert tcp any 70000 -> any any (msg:\"m\"; content:\"a\"; sid:1;)", "source port: '70000'"),
                Arguments.of("alert tcp any any -> any 90:80 (msg:\"m\"; content:\"a\"; sid:1;)", "ends before it starts"),
                Arguments.of("alert tcp any any -> any [80 (msg:\"m\"; content:\"a\"; sid:1;)", "has no closing ']'"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\";)", "no sid"),
                Arguments.of(h + "(content:\"a\"; sid:1;)", "no msg"),
                Arguments.of(h + "(msg:\"m\"; sid:1;)", "no content"),
                Arguments.of(h + "(msg:\"m\"; content:!\"a\"; sid:1;)", "at least one content that is not negated"),
                Arguments.of(h + "(msg:\"m\"; nocase; content:\"a\"; sid:1;)", "nocase must follow a content"),
                Arguments.of(h + "(msg:\"m\"; content:\"a|4|\"; sid:1;)", "odd number of hex digits"),
                Arguments.of(h + "(msg:\"m\"; content:\"a|zz|\"; sid:1;)", "'z' is not a hex digit"),
                Arguments.of(h + "(msg:\"m\"; content:\"a|41\"; sid:1;)", "not closed"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; sid:1)", "does not end with ';'"),
                Arguments.of(h + "(msg:\"m; content:\"a\"; sid:1;)", "quoted value is not closed"),
                Arguments.of(h + "(msg:\"m\"; content:\"abc\"; depth:2; sid:1;)", "depth shorter than the content"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; within:3; sid:1;)", "first content"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; content:\"b\"; depth:4; distance:1; sid:1;)", "mixes absolute"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; offset:-1; sid:1;)", "offset must be a whole number from 0"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; sid:0;)", "sid must be a whole number from 1"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; sid:1; sid:2;)", "sid is given twice"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; classtype:made-up; sid:1;)", "unknown classtype 'made-up'"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; flow:sideways; sid:1;)", "flow option 'sideways'"),
                Arguments.of(h + "(msg:\"m\"; http.uri; sid:1;)", "http.uri is not followed by a content"),
                Arguments.of(h + "(msg:\"m\"; http.uri; content:\"a\"; http_uri; sid:1;)", "already looks at http.uri"),
                Arguments.of(h + "(msg:\"m\"; http.uri; content:\"a\"; dns.query; content:\"b\"; sid:1;)", "cannot be combined"),
                Arguments.of("alert http any any -> any any (msg:\"m\"; dns.query; content:\"a\"; sid:1;)", "dns.query cannot match in a http rule"),
                Arguments.of(h + "(msg:\"m\"; http.host; content:\"Example.com\"; sid:1;)", "upper-case letters"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; nocase:1; sid:1;)", "nocase takes no value"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; priority:9; sid:1;)", "priority must be a whole number from 1 to 4"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\";; sid:1;)", "empty option"),
                // A missing ';' was reported as whatever the joined option made of it ("no content").
                Arguments.of(h + "(msg:\"m\"; content:\"abc\" sid:1;)",
                        "malformed option list: a ';' is missing after content:\"abc\" (before 'sid:1')"),
                Arguments.of(h + "(msg:\"m\" content:\"abc\"; sid:1;)",
                        "a ';' is missing after msg:\"m\" (before 'content:\"abc\"')"),
                Arguments.of(h + "(msg:\"m\"; content:!\"a\" content:\"b\"; sid:1;)",
                        "a ';' is missing after content:!\"a\" (before 'content:\"b\"')"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; nocase sid:1;)",
                        "a ';' is missing after nocase (before 'sid:1')"),
                Arguments.of(h + "(msg:\"m\"; content:\"a;b\"; sid:1;)", "must be escaped"),
                // Suricata refuses these: startswith is offset:0 and a depth of the content's length.
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; startswith; depth:5; sid:1;)", "startswith and depth"),
                // Suricata refuses a modifier given twice to one content, rather than keep the last.
                Arguments.of(h + "(msg:\"m\"; content:\"abc\"; depth:5; depth:3; sid:1;)", "depth is given twice"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; nocase; nocase; sid:1;)", "nocase is given twice"),
                Arguments.of(h + "(msg:\"m\"; content:\"raw\"; http.uri; content:\"/x\"; sid:1;)", "cannot be combined"),
                // Suricata refuses these ("mixes keywords with conflicting directions"): they never fired.
                Arguments.of(h + "(msg:\"m\"; flow:to_client; http.uri; content:\"/x\"; sid:1;)",
                        "http.uri is in requests only, which flow:to_client never sees"),
                Arguments.of(h + "(msg:\"m\"; flow:to_server; http.content_type; content:\"json\"; "
                        + "http.stat_code; content:\"200\"; sid:1;)",
                        "http.stat_code is in responses only, which flow:to_server never sees"),
                // Thresholds: each part once, all given; what Netwatch cannot count the same way refused.
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; threshold:type limit, track by_src, count 1, seconds 60; "
                        + "detection_filter:track by_src, count 5, seconds 60; sid:1;)",
                        "threshold and detection_filter are not allowed in the same rule, as in Suricata"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; threshold:type limit, track by_src, count 1, seconds 60; "
                        + "threshold:type both, track by_dst, count 2, seconds 60; sid:1;)", "threshold is given twice"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; threshold:type limit, track by_src, count 1; sid:1;)",
                        "threshold: seconds is missing; expected 'threshold: type limit|threshold|both, track"
                                + " by_src|by_dst|by_rule|by_both, count N, seconds T'"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; threshold:type limit, type both, track by_src, count 1, "
                        + "seconds 60; sid:1;)", "threshold: type is given twice"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; threshold:type limit, track by_src, count 1, seconds 60, "
                        + "ip 10.0.0.1; sid:1;)", "threshold: 'ip 10.0.0.1' is not one of its parts"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; threshold:type limit,, track by_src, count 1, seconds 60; "
                        + "sid:1;)", "threshold: an empty part is not one of its parts"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; threshold:type limit, track by_src, count, seconds 60; "
                        + "sid:1;)", "threshold: count has no value"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; threshold:type sometimes, track by_src, count 1, "
                        + "seconds 60; sid:1;)", "threshold: type 'sometimes' is not limit, threshold or both"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; threshold:type LIMIT, track by_src, count 1, seconds 60; "
                        + "sid:1;)", "threshold: type 'LIMIT' is not limit, threshold or both"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; threshold:type limit, track by_either, count 1, "
                        + "seconds 60; sid:1;)", "threshold: track 'by_either' is not by_src, by_dst, by_rule or by_both"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; threshold:type limit, track by_flow, count 1, seconds 60; "
                        + "sid:1;)", "track 'by_flow' is not supported: a rule matches at most once per flow in Netwatch"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; threshold:type backoff, track by_flow, count 1, "
                        + "multiplier 10; sid:1;)", "threshold: multiplier (type backoff) is not supported"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; threshold:type backoff, track by_src, count 1, "
                        + "seconds 10; sid:1;)", "threshold: type backoff is not supported"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; threshold:type limit, track by_src, count 0, seconds 60; "
                        + "sid:1;)", "threshold: count 0 is out of range: 1 to 4294967295"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; threshold:type limit, track by_src, count 1, "
                        + "seconds 99999999999999999999999999; sid:1;)",
                        "threshold: seconds 99999999999999999999999999 is out of range"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; detection_filter:track by_dst, count 4294967296, "
                        + "seconds 60; sid:1;)", "detection_filter: count 4294967296 is out of range"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; detection_filter:type limit, track by_dst, count 4, "
                        + "seconds 60; sid:1;)", "detection_filter takes no type"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; detection_filter:track by_dst, count 10, seconds 60, "
                        + "unique_on dst_port; sid:1;)", "detection_filter: unique_on is not supported"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; detection_filter:track by_src, seconds 60; sid:1;)",
                        "detection_filter: count is missing"),
                Arguments.of(h + "(msg:\"m\"; content:\"a\"; threshold; sid:1;)", "threshold needs a value"));
    }

    @Test
    void theThresholdAndDetectionFilterKeywordsAreReadInAnyOrder() {
        String h = "alert tcp any any -> any any (msg:\"m\"; content:\"a\"; ";
        // ET Open's forms (Suricata's rules/thresholding page), each part in whatever order it comes.
        assertEquals(new Threshold(Threshold.Type.LIMIT, Threshold.Track.BY_SRC, 1, 180),
                one(h + "threshold: type limit, track by_src, seconds 180, count 1; sid:1;)").threshold());
        assertEquals(new Threshold(Threshold.Type.THRESHOLD, Threshold.Track.BY_SRC, 10, 60),
                one(h + "threshold: type threshold, track by_src, count 10, seconds 60; sid:1;)").threshold());
        assertEquals(new Threshold(Threshold.Type.BOTH, Threshold.Track.BY_DST, 5, 360),
                one(h + "threshold:count 5,track by_dst,seconds 360,type both; sid:1;)").threshold());
        assertEquals(new Threshold(Threshold.Type.LIMIT, Threshold.Track.BY_RULE, 3, 1),
                one(h + "threshold: track by_rule, type limit, count 3, seconds 1; sid:1;)").threshold());
        assertEquals(new Threshold(Threshold.Type.LIMIT, Threshold.Track.BY_BOTH, 4294967295L, 4294967295L),
                one(h + "threshold: type limit, track by_both, count 4294967295, seconds 4294967295; sid:1;)")
                        .threshold());
        assertEquals(new Threshold(Threshold.Type.DETECTION_FILTER, Threshold.Track.BY_SRC, 15, 2),
                one(h + "detection_filter:track by_src,count 15,seconds 2; sid:1;)").threshold());
        assertEquals(new Threshold(Threshold.Type.DETECTION_FILTER, Threshold.Track.BY_DST, 4, 60),
                one(h + "detection_filter: seconds 60, count 4, track by_dst; sid:1;)").threshold());
        assertNull(one(h + "sid:1;)").threshold(), "none unless given");
    }

    @Test
    void aContentTypeRuleIsCheckedOnTheMessagesItsFlowAndOtherBuffersName() {
        // http.content_type is in requests and responses (Suricata's "Both"): the rule's other
        // buffers or its flow say which; with neither it is checked on both.
        String h = "alert http any any -> any any (msg:\"m\"; ";
        assertEquals(Buffer.Group.HTTP_MESSAGE, one(h + "http.content_type; content:\"json\"; sid:1;)").group());
        assertEquals(Buffer.Group.HTTP_RESPONSE,
                one(h + "flow:to_client; http.content_type; content:\"json\"; sid:1;)").group());
        assertEquals(Buffer.Group.HTTP_REQUEST,
                one(h + "flow:to_server; http.content_type; content:\"json\"; sid:1;)").group());
        assertEquals(Buffer.Group.HTTP_REQUEST,
                one(h + "http.content_type; content:\"json\"; http.uri; content:\"/api\"; sid:1;)").group());
        assertEquals(Buffer.Group.HTTP_RESPONSE,
                one(h + "http.content_type; content:\"json\"; http.stat_code; content:\"200\"; sid:1;)").group());
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("badRules")
    void refusesWithTheReason(String rule, String reason) {
        RuleParser.Result r = parser.parse("# header\n" + rule + "\n", "bad.rules");
        assertEquals(List.of(), r.rules(), "refused: " + rule);
        assertEquals(1, r.errors().size());
        RuleError e = r.errors().getFirst();
        assertEquals(2, e.line());
        assertTrue(e.reason().contains(reason), () -> "reason '" + e.reason() + "' should say '" + reason + "'");
    }

    @Test
    void aVariableThatNamesItselfIsAnErrorNotALoop() {
        RuleParser loop = new RuleParser(new RuleVariables(java.util.Map.of("A", "[$A]"), java.util.Map.of()));
        RuleParser.Result r = loop.parse("alert tcp $A any -> any any (msg:\"m\"; content:\"a\"; sid:1;)", "v.rules");
        assertTrue(r.errors().getFirst().reason().contains("nest too deep"), r.errors().toString());
    }

    @Test
    void aCycleThroughTwoVariablesIsAnErrorNotALoopOrAStackOverflow() {
        // $A uses $B uses $A, in both kinds of group, and fanned out: the parser's nesting bound
        // refuses the rule. Configured variables are refused before any rule is read
        // (RuleVariablesTest); this is the parser's own guard, for variables built without that check.
        RuleParser loop = new RuleParser(new RuleVariables(java.util.Map.of("A", "[10.0.0.0/8,$B,$B]", "B", "!$A"),
                java.util.Map.of("P", "[80,$Q,$Q]", "Q", "[!$P]")));
        RuleParser.Result r = loop.parse("""
                alert tcp $A any -> any any (msg:"m"; content:"a"; sid:1;)
                alert tcp any $P -> any any (msg:"m"; content:"a"; sid:2;)
                """, "v.rules");
        assertEquals(List.of(), r.rules());
        assertEquals(2, r.errors().size(), r.errors().toString());
        assertTrue(r.errors().get(0).reason().contains("address groups nest too deep"), r.errors().toString());
        assertTrue(r.errors().get(1).reason().contains("port groups nest too deep"), r.errors().toString());
    }

    @Test
    void contentBytesRoundTripThroughTheirPrintableForm() {
        byte[] b = RuleText.contentBytes("\"a|00 FF|b\\\"c\\;d\\\\e\"");
        assertArrayEquals(new byte[] {'a', 0, (byte) 0xFF, 'b', '"', 'c', ';', 'd', '\\', 'e'}, b);
        assertEquals("a|00 FF|b|22|c|3B|d|5C|e", RuleText.printable(b));
        assertArrayEquals(b, RuleText.contentBytes("\"" + RuleText.printable(b) + "\""));
    }

    @Test
    void contentTextIsTheRuleFilesBytesAsSuricataReadsThem() {
        // Suricata reads a rule file as bytes: "é" in a UTF-8 file is C3 A9, not Latin-1's E9.
        Rule r = one("alert tcp any any -> any any (msg:\"m\"; content:\"caf\u00e9 \u20ac\"; sid:1;)");
        assertArrayEquals("caf\u00e9 \u20ac".getBytes(StandardCharsets.UTF_8), r.contents().getFirst().pattern());
    }

    @Test
    void theBundledRulesAllLoad() {
        Signatures s = Signatures.bundled();
        assertEquals(List.of(), s.lastLoad().errors());
        assertTrue(s.current().size() >= 30, "bundled rules: " + s.current().size());
        for (Rule r : s.current().rules()) {
            assertTrue(r.sid() >= 9_100_000 && r.sid() < 9_200_000, "sid in Netwatch's range: " + r.sid());
            assertFalse(r.classtype().isEmpty(), "every bundled rule is classified: " + r.sid());
        }
    }
}
