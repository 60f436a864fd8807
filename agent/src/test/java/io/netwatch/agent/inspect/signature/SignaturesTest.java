package io.netwatch.agent.inspect.signature;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading rule files and directories, and reloading them while the agent runs. */
class SignaturesTest {
    @TempDir
    Path dir;

    private static List<Integer> sids(RuleSet s) {
        return s.rules().stream().map(Rule::sid).toList();
    }

    private Signatures load(Path... paths) {
        return Signatures.load(List.of(paths), false, RuleVariables.defaults(), Signatures.DEFAULT_PAYLOAD_DEPTH);
    }

    @Test
    void aDirectoryLoadsItsRuleFilesInNameOrderAndSkipsOthers() throws Exception {
        Files.writeString(dir.resolve("b.rules"), "alert tcp any any -> any any (msg:\"b\"; content:\"b\"; sid:2;)\n");
        Files.writeString(dir.resolve("a.rules"), "alert tcp any any -> any any (msg:\"a\"; content:\"a\"; sid:1;)\n");
        Files.writeString(dir.resolve("notes.txt"), "not rules");
        Files.writeString(dir.resolve(".hidden.rules"), "garbage");
        Signatures s = load(dir);
        assertEquals(List.of(1, 2), sids(s.current()));
        assertEquals(List.of(), s.lastLoad().errors());
        assertEquals(List.of(dir.resolve("a.rules").toString(), dir.resolve("b.rules").toString()), s.current().sources());
    }

    @Test
    void aSidUsedTwiceKeepsTheFirstRuleAndNamesBothPlaces() throws Exception {
        Path f = dir.resolve("dup.rules");
        Files.writeString(f, """
                alert tcp any any -> any any (msg:"first"; content:"a"; sid:5;)
                alert tcp any any -> any any (msg:"second"; content:"b"; sid:5;)
                """);
        Signatures s = load(f);
        assertEquals(List.of("first"), s.current().rules().stream().map(Rule::msg).toList());
        RuleError e = s.lastLoad().errors().getFirst();
        assertEquals(2, e.line());
        assertEquals("sid 5 is already used at " + f + ":1", e.reason());
    }

    /** Found by a new user: a sid used twice was reported after every other refusal, out of line order. */
    @Test
    void refusalsComeInFileAndLineOrder() throws Exception {
        Path a = dir.resolve("a.rules");
        Files.writeString(a, """
                alert tcp any any -> any any (msg:"first"; content:"a"; sid:5;)
                alert tcp any any -> any any (msg:"regex"; pcre:"/x/"; sid:6;)
                alert tcp any any -> any any (msg:"again"; content:"b"; sid:5;)

                alert tcp any any -> any any (msg:"no sid"; content:"x";)
                """);
        Path b = dir.resolve("b.rules");
        Files.writeString(b, """
                alert tcp any any -> any any (msg:"b again"; content:"c"; sid:5;)
                alert tcp any any -> any any (msg:"bad"; content:"d"; sid:7; bogus;)
                """);
        List<String> where = load(a, b).lastLoad().errors().stream().map(e -> e.source() + ":" + e.line()).toList();
        assertEquals(List.of(a + ":2", a + ":3", a + ":5", b + ":1", b + ":2"), where);
    }

    @Test
    void aMissingPathIsAStartupErrorThatNamesIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(dir.resolve("nope.rules")));
        assertEquals("rules path " + dir.resolve("nope.rules") + " does not exist", e.getMessage());
    }

    @Test
    void editsAreReloadedBadRulesReportedAndAnUnreadableFileKeepsTheOldSet() throws Exception {
        Path f = dir.resolve("live.rules");
        Files.writeString(f, "alert tcp any any -> any any (msg:\"v1\"; content:\"a\"; sid:1;)\n");
        Signatures s = load(f);
        RuleSet v1 = s.current();
        List<Signatures.LoadReport> reports = new ArrayList<>();
        try (RuleWatcher w = s.watch(Duration.ofHours(1), reports::add)) {
            assertFalse(w.checkNow(), "nothing changed yet");

            Files.writeString(f, """
                    alert tcp any any -> any any (msg:"v2"; content:"a"; sid:1; rev:2;)
                    alert tcp any any -> any any (msg:"new"; content:"b"; sid:2;)
                    alert tcp any any -> any any (msg:"broken"; content:"c"; sid:3; bogus;)
                    """);
            assertTrue(w.checkNow());
            assertEquals(List.of(1, 2), sids(s.current()));
            assertEquals("v2", s.current().rules().getFirst().msg());
            assertEquals(1, reports.size());
            assertEquals(List.of(new RuleError(f.toString(), 3, reports.getFirst().errors().getFirst().reason())),
                    reports.getFirst().errors());
            assertTrue(reports.getFirst().errors().getFirst().reason().startsWith("unsupported keyword 'bogus'"));
            assertNotSame(v1, s.current(), "a new set; flows that started under v1 keep v1");
            assertEquals("v1", v1.rules().getFirst().msg());

            RuleSet v2 = s.current();
            Files.delete(f);
            assertTrue(w.checkNow());
            assertSame(v2, s.current(), "an unreadable file keeps the set in force");
            assertFalse(reports.getLast().loaded());
            assertTrue(reports.getLast().failure().contains("live.rules"), reports.getLast().failure());
            assertEquals(1, s.failedReloads());
        }
    }

    private Signatures tuned(List<Path> paths, List<Integer> disabled, Path threshold) {
        return Signatures.load(paths, true, RuleVariables.defaults(), Signatures.DEFAULT_PAYLOAD_DEPTH,
                new RuleTuning(disabled, threshold));
    }

    @Test
    void disabledSidsAreLeftOutOfTheBundledSetAndFilesAndAnUnknownOneIsReported() throws Exception {
        Path f = dir.resolve("mine.rules");
        Files.writeString(f, """
                alert tcp any any -> any any (msg:"kept"; content:"zz"; sid:1;)
                alert tcp any any -> any any (msg:"disabled"; content:"yy"; sid:2;)
                alert tcp any any -> any any (msg:"mine, on a bundled sid"; content:"xx"; sid:9100060;)
                """);
        Signatures s = tuned(List.of(f), List.of(9100060, 2, 9100999), null);
        List<Integer> loaded = sids(s.current());
        assertTrue(loaded.contains(1));
        assertFalse(loaded.contains(2), "a file's rule");
        assertFalse(loaded.contains(9100060), "the bundled rule, and the file's rule on the same sid");
        assertEquals(Signatures.bundled().current().size() - 1 + 1, s.current().size());
        assertEquals(List.of(), s.lastLoad().errors(), "a sid disabled is no clash between its two rules");
        assertEquals(List.of(new RuleError("rules.disabled_sids", 0,
                "no rule read has sid 9100999 (a typo?): it disables nothing")), s.lastLoad().tuningErrors());
        assertEquals("rules.disabled_sids: no rule read has sid 9100999 (a typo?): it disables nothing",
                s.lastLoad().tuningErrors().getFirst().toString());
    }

    /**
     * Found in review: disabling the sids of the rules Netwatch refuses (a Suricata ruleset's
     * rules on keywords outside the subset, tuned away as suricata-update's disable.conf does,
     * which comments them out before Suricata reads them) still printed each refusal, and
     * called each such sid a typo ("no rule read has sid"): rules check could not go clean.
     */
    @Test
    void aDisabledSidsRuleThatWouldBeRefusedIsNeitherRefusedNorATypo() throws Exception {
        Path f = dir.resolve("et.rules");
        Files.writeString(f, """
                alert tcp any any -> any any (msg:"kept"; content:"zz"; sid:1;)
                alert tcp any any -> any any (msg:"outside the subset"; flowbits:set,x; sid:2;)
                drop tcp any any -> any any (msg:"another action"; content:"yy"; sid:3;)
                alert tcp any any -> any any (msg:"refused, not disabled"; flowbits:set,y; sid:4;)
                """);
        Signatures s = tuned(List.of(f), List.of(2, 3), null);
        assertEquals(List.of(4), s.lastLoad().errors().stream().map(RuleError::line).toList(),
                "only the refused rule not disabled");
        assertEquals(List.of(), s.lastLoad().tuningErrors(), "sids 2 and 3 name rules that were read");
        assertTrue(sids(s.current()).contains(1));
    }

    @Test
    void aSuppressOfASidNoLoadedRuleHasIsReportedWithItsLine() throws Exception {
        Path t = dir.resolve("threshold.config");
        Files.writeString(t, """
                suppress gen_id 1, sig_id 9100060
                suppress gen_id 1, sig_id 9100061, track by_src, ip 10.0.0.1
                suppress gen_id 1, sig_id 9199999
                suppress gen_id 1, sig_id 0, track by_src, ip 10.0.0.9
                threshold gen_id 1, sig_id 9100060, type limit, track by_src, count 1, seconds 60
                threshold gen_id 1, sig_id 9199998, type limit, track by_src, count 1, seconds 60
                event_filter gen_id 1, sig_id 9100061, type both, track by_dst, count 2, seconds 60
                rate_filter gen_id 1, sig_id 9100060, track by_rule, count 1, seconds 1, new_action drop, timeout 9
                """);
        Signatures s = tuned(List.of(), List.of(9100061), t);
        assertEquals(List.of(), s.lastLoad().errors());
        List<RuleError> reported = s.lastLoad().tuningErrors();
        assertEquals(List.of(2, 3, 6, 7, 8), reported.stream().map(RuleError::line).toList(), "in line order");
        assertEquals(List.of(t + ":2: sid 9100061 is disabled (rules.disabled_sids): this line has no effect",
                        t + ":3: no loaded rule has sid 9199999 (a typo?): this line suppresses nothing",
                        t + ":6: no loaded rule has sid 9199998 (a typo?): this line limits nothing",
                        t + ":7: sid 9100061 is disabled (rules.disabled_sids): this line has no effect"),
                reported.subList(0, 4).stream().map(RuleError::toString).toList());
        assertTrue(reported.get(4).reason().startsWith("not supported: rate_filter"), reported.get(4).reason());
        assertEquals(4, s.suppressions().size(), "lines naming no loaded rule are kept: they cost nothing");
        assertEquals(3, s.thresholds().size(), "so are threshold lines");
    }

    /**
     * Suricata keeps the last threshold line for a sid (each replaces the threshold the rule
     * had) and the first sig_id 0 line (each puts its threshold on the rules that have none
     * yet): the others are kept but said to have no effect, a mistake to fix in the file.
     */
    @Test
    void aThresholdLineAnotherOverridesIsReportedAndTheOneInForceIsAsInSuricata() throws Exception {
        Path t = dir.resolve("threshold.config");
        Files.writeString(t, """
                threshold gen_id 1, sig_id 9100060, type limit, track by_src, count 1, seconds 60
                threshold gen_id 1, sig_id 0, type limit, track by_dst, count 5, seconds 60
                threshold gen_id 1, sig_id 9100060, type both, track by_rule, count 3, seconds 10
                threshold gen_id 1, sig_id 0, type threshold, track by_src, count 2, seconds 60
                """);
        Signatures s = tuned(List.of(), List.of(), t);
        assertEquals(List.of(t + ":1: sid 9100060 has another threshold at line 3, which replaces this one, as in"
                        + " Suricata: this line has no effect",
                t + ":4: sig_id 0 has a threshold at line 2 already, which Suricata applies first: this line has no"
                        + " effect"), s.lastLoad().tuningErrors().stream().map(RuleError::toString).toList());
        Rule scanner = s.current().rules().stream().filter(r -> r.sid() == 9100060).findFirst().orElseThrow();
        Rule other = s.current().rules().stream().filter(r -> r.sid() == 9100061).findFirst().orElseThrow();
        assertEquals(new Threshold(Threshold.Type.BOTH, Threshold.Track.BY_RULE, 3, 10), s.thresholds().forRule(scanner));
        assertEquals(new Threshold(Threshold.Type.LIMIT, Threshold.Track.BY_DST, 5, 60), s.thresholds().forRule(other));
        assertNull(Thresholds.NONE.forRule(other), "no threshold: none in force");
    }

    @Test
    void aMissingOrUnreadableThresholdFileIsAStartupErrorThatNamesIt() throws Exception {
        Path t = dir.resolve("threshold.config");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tuned(List.of(), List.of(), t));
        assertEquals("threshold file " + t + " does not exist", e.getMessage());
        Files.write(t, new byte[] {'#', ' ', (byte) 0xC3, '\n'});
        e = assertThrows(IllegalArgumentException.class, () -> tuned(List.of(), List.of(), t));
        assertTrue(e.getMessage().startsWith("threshold file " + t), e.getMessage());
        Files.delete(t);
        Files.createDirectory(t);
        e = assertThrows(IllegalArgumentException.class, () -> tuned(List.of(), List.of(), t));
        assertEquals("threshold file " + t + " is a directory, not a file; name a threshold.config file", e.getMessage());
    }

    @Test
    void theBundledSetAndUserFilesLoadTogether() throws Exception {
        Path f = dir.resolve("mine.rules");
        Files.writeString(f, "alert tcp any any -> any any (msg:\"mine\"; content:\"zz\"; sid:1;)\n");
        Signatures s = Signatures.load(List.of(f), true, RuleVariables.defaults(), 1024);
        assertEquals(Signatures.bundled().current().size() + 1, s.current().size());
        assertEquals(Signatures.BUNDLED_NAME, s.current().sources().getFirst());
        assertEquals(1024, s.payloadDepth());
    }

    @Test
    void rulesPastTheAutomatonsBoundAreRefusedOneByOneAndTheRestLoad() throws Exception {
        // Found in review: one rule too many refused every rule, the bundled ones too.
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            StringBuilder c = new StringBuilder();
            while (c.length() < 60) {
                char ch = (char) (33 + rnd.nextInt(94));
                if ("\";|\\".indexOf(ch) < 0) {
                    c.append(ch);
                }
            }
            text.append("alert tcp any any -> any any (msg:\"r").append(i).append("\"; content:\"").append(c)
                    .append("\"; sid:").append(2_000_000 + i).append(";)\n");
        }
        Path f = dir.resolve("many.rules");
        Files.writeString(f, text);
        Signatures s = Signatures.load(List.of(f), true, RuleVariables.defaults(), Signatures.DEFAULT_PAYLOAD_DEPTH);
        int bundled = Signatures.bundled().current().size();
        int loaded = s.current().size();
        assertTrue(loaded > bundled + 1000 && loaded < bundled + 5000, "loaded " + loaded);
        Signatures.LoadReport report = s.lastLoad();
        assertEquals(null, report.failure());
        assertEquals(bundled + 5000 - loaded, report.errors().size());
        RuleError first = report.errors().getFirst();
        assertEquals(f.toString(), first.source());
        assertEquals(loaded - bundled + 1, first.line(), "the first rule that did not fit, and every one after it");
        assertTrue(first.reason().startsWith("not loaded: the " + loaded + " rules before it fill the payload automaton"),
                first.reason());
    }

    @Test
    void verifyGiveUpsAreCountedAcrossReloadsAndNeverGoBack() throws Exception {
        // 32 relative contents of "a" and no final "b" on a long run of "a": the check gives up.
        StringBuilder opts = new StringBuilder("content:\"a\"; ");
        for (int i = 0; i < 30; i++) {
            opts.append("content:\"a\"; distance:0; ");
        }
        opts.append("content:\"b\"; distance:0;");
        Path f = dir.resolve("hostile.rules");
        Files.writeString(f, "alert tcp any any -> any any (msg:\"t\"; " + opts + " sid:1;)\n");
        Signatures s = load(f);
        byte[] b = "a".repeat(4000).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertFalse(s.current().verifyPayload(0, java.nio.ByteBuffer.wrap(b), b.length, new ContentVerifier()));
        assertEquals(1, s.verifyGiveUps());
        // A reload puts a new set in force, which has given up on nothing yet: the count is the
        // agent's (a Prometheus counter), not the set's, and must not fall back to 0.
        assertTrue(s.reload().loaded());
        assertEquals(1, s.verifyGiveUps());
        assertFalse(s.current().verifyPayload(0, java.nio.ByteBuffer.wrap(b), b.length, new ContentVerifier()));
        assertEquals(2, s.verifyGiveUps());
    }
}
