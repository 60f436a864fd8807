package io.netwatch.agent.inspect.signature;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Reading Suricata's threshold.config: its suppress lines, its threshold and event_filter
 * lines, and a refusal by line for the rest.
 */
class ThresholdParserTest {
    private final ThresholdParser parser = new ThresholdParser(
            RuleVariables.defaults().with(Map.of("SCANNERS", "[192.0.2.10,192.0.2.11]"), Map.of()));

    private static MatchContext from(int a, int b, int c, int d, int e, int f, int g, int h) {
        MatchContext m = new MatchContext();
        m.srcLo = 0xFFFF_0000_0000L | (long) a << 24 | b << 16 | c << 8 | d;
        m.dstLo = 0xFFFF_0000_0000L | (long) e << 24 | f << 16 | g << 8 | h;
        return m;
    }

    private ThresholdParser.Result parse(String text) {
        return parser.parse(text, "threshold.config");
    }

    /** The one line of {@code text}, which must be refused: its reason. */
    private String refusal(String text) {
        ThresholdParser.Result r = parse(text);
        assertEquals(List.of(), r.suppressions(), text);
        assertEquals(List.of(), r.thresholds(), text);
        assertEquals(1, r.errors().size(), text);
        return r.errors().getFirst().reason();
    }

    /** The one threshold line of {@code text}, which must be read. */
    private ThresholdLine threshold(String text) {
        ThresholdParser.Result r = parse(text);
        assertEquals(List.of(), r.errors(), text);
        assertEquals(1, r.thresholds().size(), text);
        return r.thresholds().getFirst();
    }

    @Test
    void theSuppressFormsOfSuricatasDocumentationAreRead() {
        ThresholdParser.Result r = parse("""
                # Suricata's examples, and Netwatch's sids
                suppress gen_id 1, sig_id 9100060

                suppress gen_id 1, sig_id 9100061, track by_src, ip 209.132.180.67
                suppress gen_id 1, sig_id 9100062, track by_dst, ip 217.110.97.128/25
                suppress gen_id 1, sig_id 9100063, track by_src, ip [192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]
                suppress gen_id 1, sig_id 9100064, track by_either, ip $HOME_NET
                suppress gen_id 1, sig_id 0, track by_src, ip $SCANNERS
                SUPPRESS GEN_ID 1,SIG_ID 9100065,TRACK BY_SRC,IP 2001:db8::/32
                suppress gen_id 1, sig_id 9100066, \\
                    track by_either, ip 198.51.100.7
                """);
        assertEquals(List.of(), r.errors());
        List<Suppression> s = r.suppressions();
        assertEquals(List.of(9100060, 9100061, 9100062, 9100063, 9100064, 0, 9100065, 9100066),
                s.stream().map(Suppression::sid).toList());
        assertEquals(List.of(2, 4, 5, 6, 7, 8, 9, 10), s.stream().map(Suppression::line).toList(),
                "each line numbered where it starts, comments and blank lines counted");
        assertEquals(List.of(Suppression.Track.RULE, Suppression.Track.BY_SRC, Suppression.Track.BY_DST,
                Suppression.Track.BY_SRC, Suppression.Track.BY_EITHER, Suppression.Track.BY_SRC,
                Suppression.Track.BY_SRC, Suppression.Track.BY_EITHER), s.stream().map(Suppression::track).toList());
        assertEquals("threshold.config", s.getFirst().source());

        assertTrue(s.get(1).applies(from(209, 132, 180, 67, 10, 0, 0, 1)));
        assertFalse(s.get(1).applies(from(10, 0, 0, 1, 209, 132, 180, 67)), "by_src is the source only");
        assertTrue(s.get(2).applies(from(10, 0, 0, 1, 217, 110, 97, 200)));
        assertFalse(s.get(2).applies(from(10, 0, 0, 1, 217, 110, 97, 100)), "outside the /25");
        assertTrue(s.get(3).applies(from(172, 16, 5, 5, 8, 8, 8, 8)));
        assertTrue(s.get(4).applies(from(8, 8, 8, 8, 10, 1, 1, 1)), "either side");
        assertFalse(s.get(4).applies(from(8, 8, 8, 8, 9, 9, 9, 9)));
        assertTrue(s.get(5).applies(from(192, 0, 2, 11, 8, 8, 8, 8)), "an address group of the user's");
        assertTrue(s.get(7).applies(from(8, 8, 8, 8, 198, 51, 100, 7)));
    }

    /**
     * Found in review: Suricata takes a line as continued when its last character other than
     * white space is the backslash (SCThresholdConfLineIsMultiline), so blanks an editor left
     * after it change nothing there; here both halves were refused.
     */
    @Test
    void aBackslashFollowedByBlanksStillContinuesTheLineAsInSuricata() {
        ThresholdParser.Result r = parse("suppress gen_id 1, sig_id 9100066, \\  \t\n"
                + "    track by_either, ip 198.51.100.7\r\n"
                + "suppress gen_id 1, \\ \r\n"
                + "sig_id 9100067\n");
        assertEquals(List.of(), r.errors());
        assertEquals(List.of(9100066, 9100067), r.suppressions().stream().map(Suppression::sid).toList());
        assertEquals(List.of(1, 3), r.suppressions().stream().map(Suppression::line).toList());
        assertEquals(Suppression.Track.BY_EITHER, r.suppressions().getFirst().track());
    }

    @Test
    void thresholdAndEventFilterLinesAreReadInEveryTypeAndTrack() {
        ThresholdParser.Result r = parse("""
                # Suricata's examples (configuration/global-thresholds), on Netwatch's sids
                threshold gen_id 1, sig_id 9100060, type both, track by_src, count 3, seconds 5
                threshold gen_id 1, sig_id 9100061, type threshold, track by_dst, count 10, seconds 60
                event_filter gen_id 1, sig_id 9100062, type limit, track by_rule, count 1, seconds 15
                threshold gen_id 1, sig_id 9100063, type limit, track by_both, count 2, seconds 4294967295
                threshold gen_id 1, sig_id 0, type limit, track by_src, count 10, seconds 60
                THRESHOLD GEN_ID 1,SIG_ID 9100064,TYPE LIMIT,TRACK BY_SRC,COUNT 4294967295,SECONDS 1
                threshold gen_id 1, sig_id 9100065, \\
                    type threshold, track by_src, count 007, seconds 60
                suppress gen_id 1, sig_id 9100066
                """);
        assertEquals(List.of(), r.errors());
        List<ThresholdLine> t = r.thresholds();
        assertEquals(List.of(9100060, 9100061, 9100062, 9100063, 0, 9100064, 9100065),
                t.stream().map(ThresholdLine::sid).toList());
        assertEquals(List.of(2, 3, 4, 5, 6, 7, 8), t.stream().map(ThresholdLine::line).toList());
        assertEquals(List.of(
                new Threshold(Threshold.Type.BOTH, Threshold.Track.BY_SRC, 3, 5),
                new Threshold(Threshold.Type.THRESHOLD, Threshold.Track.BY_DST, 10, 60),
                new Threshold(Threshold.Type.LIMIT, Threshold.Track.BY_RULE, 1, 15),
                new Threshold(Threshold.Type.LIMIT, Threshold.Track.BY_BOTH, 2, 4294967295L),
                new Threshold(Threshold.Type.LIMIT, Threshold.Track.BY_SRC, 10, 60),
                new Threshold(Threshold.Type.LIMIT, Threshold.Track.BY_SRC, 4294967295L, 1),
                new Threshold(Threshold.Type.THRESHOLD, Threshold.Track.BY_SRC, 7, 60)),
                t.stream().map(ThresholdLine::threshold).toList());
        assertEquals("threshold.config", t.getFirst().source());
        assertEquals(List.of(9100066), r.suppressions().stream().map(Suppression::sid).toList(),
                "suppress lines beside them still load");
        assertEquals("type both, track by_src, count 3, seconds 5", t.getFirst().threshold().toString());
    }

    @Test
    void rateFilterIsRefusedWithItsLineAndWhyAndTheOtherLinesLoad() {
        ThresholdParser.Result r = parse("""
                suppress gen_id 1, sig_id 9100060
                threshold gen_id 1, sig_id 9100061, type limit, track by_src, count 1, seconds 60
                rate_filter gen_id 1, sig_id 9100061, track by_rule, count 100, seconds 60, \\
                    new_action alert, timeout 30
                rate_filter: rate_filter gen_id 1, sig_id 9100061, track by_src, count 10, seconds 60, \\
                    new_action drop, timeout 300
                suppress gen_id 1, sig_id 9100062, track by_src, ip 10.0.0.1
                """);
        assertEquals(List.of(9100060, 9100062), r.suppressions().stream().map(Suppression::sid).toList(),
                "the lines around the refused ones still load");
        assertEquals(List.of(9100061), r.thresholds().stream().map(ThresholdLine::sid).toList());
        assertEquals(List.of(3, 5), r.errors().stream().map(RuleError::line).toList());
        assertEquals("not supported: rate_filter (a new action for a rule that alerts often); Netwatch's rules only"
                + " alert: limit how often with a threshold line", r.errors().get(0).reason());
        assertEquals(r.errors().get(0).reason(), r.errors().get(1).reason(), "as documented, with its colon");
        assertEquals("threshold.config:3: " + r.errors().get(0).reason(), r.errors().get(0).toString());
        assertEquals(7, r.suppressions().get(1).line(), "after continued lines, the count goes on");
    }

    @Test
    void malformedThresholdLinesSayWhatIsWrong() {
        String usage = "expected '" + ThresholdParser.THRESHOLD_USAGE + "'";
        assertEquals(usage, refusal("threshold gen_id 1, sig_id 5, type limit, track by_src, count 1"));
        assertEquals(usage, refusal("threshold gen_id 1, sig_id 5"));
        assertEquals("unexpected 'ip 10.0.0.1' after seconds; " + usage,
                refusal("threshold gen_id 1, sig_id 5, type limit, track by_src, count 1, seconds 60, ip 10.0.0.1"));
        assertEquals("expected type where 'track by_src' is; " + usage,
                refusal("threshold gen_id 1, sig_id 5, track by_src, type limit, count 1, seconds 60"),
                "in Suricata's order, as its threshold.config reader takes them");
        assertEquals("expected gen_id where 'sig_id 5' is; " + usage,
                refusal("event_filter sig_id 5, gen_id 1, type limit, track by_src, count 1, seconds 60"));
        assertEquals("type 'backoff' is not limit, threshold or both",
                refusal("threshold gen_id 1, sig_id 5, type backoff, track by_src, count 1, seconds 60"));
        assertEquals("track 'by_either' is not one that threshold takes: by_src, by_dst, by_rule or by_both"
                + " (by_either is suppress's)",
                refusal("threshold gen_id 1, sig_id 5, type limit, track by_either, count 1, seconds 60"));
        assertEquals("track 'by_flow' is not one that threshold takes: by_src, by_dst, by_rule or by_both",
                refusal("threshold gen_id 1, sig_id 5, type limit, track by_flow, count 1, seconds 60"));
        assertEquals("count 0 is out of range: 1 to 4294967295",
                refusal("threshold gen_id 1, sig_id 5, type limit, track by_src, count 0, seconds 60"));
        assertEquals("seconds 0 is out of range: 1 to 4294967295",
                refusal("threshold gen_id 1, sig_id 5, type limit, track by_src, count 1, seconds 0"));
        assertEquals("count 'ten' is not a whole number",
                refusal("threshold gen_id 1, sig_id 5, type limit, track by_src, count ten, seconds 60"));
        assertEquals("count '-1' is not a whole number",
                refusal("threshold gen_id 1, sig_id 5, type limit, track by_src, count -1, seconds 60"));
        assertEquals("seconds has no value; " + usage,
                refusal("threshold gen_id 1, sig_id 5, type limit, track by_src, count 1, seconds"));
        assertTrue(refusal("threshold gen_id 0, sig_id 0, type limit, track by_src, count 1, seconds 60")
                .startsWith("gen_id 0 is not supported: Netwatch's rules all have gen_id 1"));
        assertTrue(refusal("event_filter gen_id 3, sig_id 5, type limit, track by_src, count 1, seconds 60")
                .endsWith("so this line would limit nothing"));
        assertEquals("sig_id 2147483648 is past the largest sid a rule can have (2147483647)",
                refusal("threshold gen_id 1, sig_id 2147483648, type limit, track by_src, count 1, seconds 60"));
        assertTrue(refusal("threshold: gen_id 1, sig_id 5, type limit, track by_src, count 1, seconds 60")
                .startsWith("'threshold:' is not a threshold.config line; write it without the colon"));
        assertTrue(refusal("limit gen_id 1, sig_id 5").startsWith("'limit' is not a threshold.config line; expected"
                + " 'suppress gen_id 1, sig_id SID"));
    }

    @Test
    void hugeCountsAndSecondsAreRefusedNotWrapped() {
        // An unsigned 32-bit number at most, as Suricata reads them; one past it, or digits past
        // what a long holds, is refused rather than wrapped to a small count.
        assertEquals("count 4294967296 is out of range: 1 to 4294967295 (an unsigned 32-bit number, as Suricata"
                + " reads it)", refusal("threshold gen_id 1, sig_id 5, type limit, track by_src, count 4294967296,"
                + " seconds 60"));
        assertTrue(refusal("threshold gen_id 1, sig_id 5, type limit, track by_src, count 1, seconds "
                + "9".repeat(40)).startsWith("seconds 9999999999"));
        assertTrue(refusal("threshold gen_id 1, sig_id 5, type limit, track by_src, count 18446744073709551617,"
                + " seconds 60").startsWith("count 18446744073709551617 is out of range"));
        assertEquals(4294967295L, threshold("threshold gen_id 1, sig_id 5, type both, track by_dst, count 1,"
                + " seconds 0004294967295").threshold().seconds());
    }

    @Test
    void sigId0ForAnyAddressIsRefusedAsSigId0AloneIs() {
        // Found in review: refused alone, sig_id 0 was taken with "track by_either, ip any".
        ThresholdParser.Result r = parse("suppress gen_id 1, sig_id 0, track by_either, ip any\n"
                + "suppress gen_id 1, sig_id 0, track by_src, ip 10.0.0.0/8\n"
                + "suppress gen_id 1, sig_id 0, track by_src, ip [0.0.0.0/0,::/0]\n"
                + "suppress gen_id 1, sig_id 0, track by_dst, ip ::/0\n"
                + "suppress gen_id 1, sig_id 0, track by_dst, ip 0.0.0.0/0\n");
        assertEquals(2, r.suppressions().size(), "the /8, and every IPv4 address (not IPv6)");
        assertEquals(List.of(1, 3, 4), r.errors().stream().map(RuleError::line).toList());
        assertTrue(r.errors().get(0).reason().startsWith("sig_id 0 with ip any would suppress every alert"),
                r.errors().get(0).reason());
    }

    @Test
    void aGenIdOtherThan1IsRefused() {
        assertTrue(refusal("suppress gen_id 0, sig_id 0, track by_src, ip 10.0.0.1").startsWith(
                "gen_id 0 is not supported: Netwatch's rules all have gen_id 1"));
        assertTrue(refusal("suppress gen_id 3, sig_id 9100060").contains("this line would suppress nothing"));
        assertTrue(refusal("threshold gen_id 3, sig_id 9100060, type limit, track by_src, count 1, seconds 60")
                .contains("this line would limit nothing"));
    }

    @Test
    void malformedSuppressLinesSayWhatIsWrong() {
        assertEquals("sig_id 0 without track and ip would suppress every alert; name a rule's sid, or add track and"
                + " ip (to run without the bundled rules, set rules.bundled to false)",
                refusal("suppress gen_id 1, sig_id 0"));
        assertTrue(refusal("suppress gen_id 1").startsWith("expected 'suppress gen_id 1, sig_id SID"));
        assertTrue(refusal("suppress sig_id 5, gen_id 1").startsWith("expected gen_id where 'sig_id 5' is"));
        assertEquals("sig_id 'x5' is not a number", refusal("suppress gen_id 1, sig_id x5"));
        assertEquals("sig_id 99999999999999999999999 is past the largest sid a rule can have (2147483647)",
                refusal("suppress gen_id 1, sig_id 99999999999999999999999"));
        assertEquals("sig_id 4294967295 is past the largest sid a rule can have (2147483647)",
                refusal("suppress gen_id 1, sig_id 4294967295"));
        assertTrue(refusal("suppress gen_id 1, sig_id 5, track by_src").startsWith("track needs an ip after it"));
        assertEquals("track 'by_rule' is not one that suppress takes: by_src, by_dst or by_either",
                refusal("suppress gen_id 1, sig_id 5, track by_rule, ip 10.0.0.1"));
        assertTrue(refusal("suppress gen_id 1, sig_id 5, track by_src, ip").startsWith("ip has no value"));
        assertTrue(refusal("suppress gen_id 1, sig_id 5, track by_src, ip 10.0.0.1, count 3")
                .startsWith("unexpected 'count 3' after ip"));
        assertTrue(refusal("suppress gen_id 1, sig_id 5, track by_src, ip 10.0.0.1/33").startsWith(
                "ip '10.0.0.1/33': prefix length out of range"));
        assertTrue(refusal("suppress gen_id 1, sig_id 5, track by_src, ip $NOPE").startsWith(
                "ip '$NOPE': unknown address variable $NOPE"));
        assertTrue(refusal("suppress gen_id 1, sig_id 5, track by_src, ip [10.0.0.1").startsWith("ip: "));
        assertTrue(refusal("suppress gen_id 1, sig_id 5, track by_src, ip 10.0.0.1 10.0.0.2").startsWith(
                "ip '10.0.0.1 10.0.0.2': "), "Snort's space-separated list is not an address");
        assertTrue(refusal("suppress gen_id 1, sig_id 5, track by_src, ip [10.0.0.0/8,!10.0.0.1]").startsWith(
                "ip '[10.0.0.0/8,!10.0.0.1]': '!' is not accepted in a suppress line, as in Suricata"));
        assertTrue(refusal("pass gen_id 1, sig_id 5").startsWith("'pass' is not a threshold.config line"));
    }

    @Test
    void hostileTextIsRefusedNeverThrown() {
        String longLine = "suppress gen_id 1, sig_id 5, track by_src, ip [" + "10.0.0.1,".repeat(10_000) + "10.0.0.2]";
        ThresholdParser.Result r = parse(longLine + "\nsuppress gen_id 1, sig_id 6\n");
        assertEquals(List.of(6), r.suppressions().stream().map(Suppression::sid).toList());
        assertEquals("the line is longer than " + ThresholdParser.MAX_LINE_CHARS + " characters",
                r.errors().getFirst().reason());
        for (String junk : new String[] {"suppress", "suppress ,,,,", "suppress gen_id", "suppress gen_id 1, sig_id",
            "threshold", "event_filter ,,,,,", "threshold " + ",".repeat(10_000), "threshold gen_id 1, sig_id 1, type,"
                    + " track, count, seconds", "threshold gen_id 1, sig_id 1, type limit, track by_src, count 1,"
                    + " seconds 1" + "0".repeat(60_000), "threshold gen_id 1, sig_id 1, type limit, track by_src,"
                    + " count \u0000, seconds 1",
            "\\", "suppress gen_id 1, sig_id 5, track by_src, ip [[[[", "suppress gen_id 1, sig_id 5, track , ip ]",
            "\u0000\u0001", "suppress gen_id 1, sig_id 5, track by_src, ip " + "[".repeat(100) + "1.2.3.4"
                    + "]".repeat(100)}) {
            ThresholdParser.Result j = parse(junk);
            assertEquals(1, j.errors().size(), junk);
            assertEquals(1, j.errors().getFirst().line());
        }
    }
}
