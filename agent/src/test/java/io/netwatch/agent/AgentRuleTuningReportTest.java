package io.netwatch.agent;

import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.signature.RuleTuning;
import io.netwatch.agent.inspect.signature.RuleVariables;
import io.netwatch.agent.inspect.signature.Signatures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the agent says at start-up, and at each rule reload, of the rules' tuning. */
class AgentRuleTuningReportTest {
    @TempDir
    Path dir;

    private static String report(Signatures.LoadReport r) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AgentMain.report(r, InspectionConfig.defaults(), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void eachRefusedLineAndUnknownSidIsSaidWithItsFileAndLineAndTheSuppressionsAreCounted() throws Exception {
        Path t = dir.resolve("threshold.config");
        Files.writeString(t, """
                suppress gen_id 1, sig_id 9100063, track by_src, ip 10.20.0.5
                rate_filter gen_id 1, sig_id 9100063, track by_rule, count 1, seconds 1, new_action drop, timeout 9
                threshold gen_id 1, sig_id 9100060, type limit, track by_src, count 1, seconds 60
                event_filter gen_id 1, sig_id 9100061, type limit, track by_src, count 1, seconds 60
                """);
        Signatures s = Signatures.load(List.of(), true, RuleVariables.defaults(), Signatures.DEFAULT_PAYLOAD_DEPTH,
                new RuleTuning(List.of(9100999), t));
        List<String> lines = report(s.lastLoad()).lines().toList();
        assertEquals("netwatch agent: rule tuning: rules.disabled_sids: no rule read has sid 9100999 (a typo?): it"
                + " disables nothing", lines.get(0));
        assertTrue(lines.get(1).startsWith("netwatch agent: rule tuning: " + t + ":2: not supported: rate_filter"),
                lines.get(1));
        assertEquals("netwatch agent: " + s.current().size() + " signature rules in force from bundled:default.rules,"
                + " with 1 suppress line and 2 threshold lines", lines.get(2));

        // A reload that cannot read the file says the suppressions stay with the rules.
        Files.delete(t);
        List<String> failed = report(s.reload()).lines().toList();
        assertTrue(failed.getLast().startsWith("netwatch agent: rules not reloaded (cannot read threshold file " + t),
                failed.getLast());
        assertTrue(failed.getLast().endsWith("; " + s.current().size() + " rules stay in force, with their 1 suppress"
                + " line and 2 threshold lines"), failed.getLast());
    }

    @Test
    void rulesThatLoadNoRuleAtAllAreSaidSoNotNamedByAnEmptySourceList() {
        // Found by a new user: "netwatch agent: 0 signature rules in force from " and nothing after "from".
        Signatures none = Signatures.load(List.of(), false, RuleVariables.defaults(), Signatures.DEFAULT_PAYLOAD_DEPTH);
        assertEquals(List.of("netwatch agent: no signature rule in force (rules.bundled is false and no rule path is"
                + " given): no signature alert will be raised"), report(none.lastLoad()).lines().toList());
    }

    @Test
    void oneRuleIsOneRule() throws Exception {
        Path rules = Files.writeString(dir.resolve("one.rules"),
                "alert tcp any any -> any any (msg:\"one\"; content:\"x\"; sid:1000001; rev:1;)\n");
        Signatures one = Signatures.load(List.of(rules), false, RuleVariables.defaults(), Signatures.DEFAULT_PAYLOAD_DEPTH);
        assertEquals("netwatch agent: 1 signature rule in force from " + rules, report(one.lastLoad()).lines().findFirst()
                .orElseThrow());
    }
}
