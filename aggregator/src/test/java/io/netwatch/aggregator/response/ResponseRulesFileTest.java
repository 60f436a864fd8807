package io.netwatch.aggregator.response;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.proto.anomaly.v1.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rules file: what it accepts, and errors that name the file, line, key and what is allowed. */
class ResponseRulesFileTest {
    private static final String GOOD = """
            rules:
              - name: scanners
                types: [port_scan, ip_sweep]
                min_severity: high
                min_confidence: 0.7
                action: node_drop
                ttl: 15m
              - name: miners
                types: signature
                min_severity: medium
                action: quarantine
            """;

    @Test
    void readsRules(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("response.yaml");
        Files.writeString(f, GOOD);
        List<ResponseRule> rules = ResponseRulesFile.load(f);
        assertEquals(new ResponseRule("scanners", Set.of("port_scan", "ip_sweep"), Severity.SEVERITY_HIGH, 0.7,
                BlockAction.NODE_DROP, Duration.ofMinutes(15)), rules.get(0));
        assertEquals(new ResponseRule("miners", Set.of("signature"), Severity.SEVERITY_MEDIUM, 0,
                BlockAction.QUARANTINE, null), rules.get(1));
    }

    private static String error(String yaml) {
        return assertThrows(IllegalArgumentException.class, () -> ResponseRulesFile.parse("r.yaml", yaml))
                .getMessage();
    }

    @Test
    void errorsNameFileLineKeyAndWhatIsAllowed() {
        assertEquals("r.yaml line 6, key 'action': 'drop' is not an action; allowed: node_drop, quarantine",
                error(GOOD.replace("action: node_drop", "action: drop")));
        assertTrue(error(GOOD.replace("types: [port_scan, ip_sweep]", "types: [port_scna]"))
                .startsWith("r.yaml line 3, key 'types': 'port_scna' is not an anomaly type; allowed: port_scan,"));
        assertEquals("r.yaml line 4, key 'min_severity': 'urgent' is not a severity; allowed: info, low, medium, high,"
                + " critical", error(GOOD.replace("min_severity: high", "min_severity: urgent")));
        assertEquals("r.yaml line 5, key 'min_confidence': '7' is not a number from 0 to 1",
                error(GOOD.replace("0.7", "7")));
        assertEquals("r.yaml line 7, key 'ttl': 'soon' is not a duration (examples: 30s, 5m, 500ms, 2h, 1h30m, PT30S)",
                error(GOOD.replace("15m", "soon")));
        assertEquals("r.yaml line 7, key 'ttl': '0s' is zero; a block needs a time to live (examples: 90s, 10m, 1h)",
                error(GOOD.replace("15m", "0s")));
        assertEquals("r.yaml line 7, key 'ttl': 'PT-5M' is negative", error(GOOD.replace("15m", "PT-5M")));
        assertTrue(error(GOOD.replace("min_confidence", "confidence"))
                .startsWith("r.yaml line 5, key 'confidence': unknown key; allowed: action, min_confidence,"));
        assertEquals("r.yaml line 1, key 'rule': unknown key; allowed: rules", error("rule: []"));
        assertTrue(error("rules:\n  - name: x\n").contains("rule 'x' has no action"));
        assertTrue(error("rules: [").startsWith("r.yaml: not valid YAML"));
        assertTrue(error("").contains("empty"));
    }

    @Test
    void aRuleMayNotOutliveTheMaximumTtl() {
        var rules = ResponseRulesFile.parse("r.yaml", GOOD.replace("15m", "2h"));
        var e = assertThrows(IllegalArgumentException.class, () -> ResponseConfig.defaults().withRules(rules));
        assertTrue(e.getMessage().contains("more than response.max_ttl"), e.getMessage());
    }

    @Test
    void aTtlPastTheMaximumIsRefusedWithItsLine(@TempDir Path dir) throws Exception {
        // Found in review: the file's rules were read without response.max_ttl, and the error
        // came later, from the configuration, naming neither the file nor the line.
        Path f = dir.resolve("response.yaml");
        Files.writeString(f, GOOD.replace("15m", "2h"));
        var e = assertThrows(IllegalArgumentException.class, () -> ResponseRulesFile.load(f, Duration.ofHours(1)));
        assertEquals(f + " line 7, key 'ttl': rule 'scanners' asks for '2h', more than response.max_ttl (1h)",
                e.getMessage());
        assertEquals(Duration.ofHours(2), ResponseRulesFile.load(f, Duration.ofHours(2)).getFirst().ttl());
    }

    @Test
    void aTtlBelowOneSecondIsRefusedNamingTheRule() {
        // Found in review: 500ms was sent as 0 s, which every agent refuses (bad_ttl), while
        // dry-run reported would_block.
        assertEquals("r.yaml line 7, key 'ttl': rule 'scanners' asks for '500ms', below the 1 s an agent accepts;"
                + " write at least 1s (examples: 90s, 10m, 1h)", error(GOOD.replace("15m", "500ms")));
        assertEquals("r.yaml line 3, key 'ttl': rule 'rule-1' asks for 'PT0.999S', below the 1 s an agent accepts;"
                + " write at least 1s (examples: 90s, 10m, 1h)",
                error("rules:\n  - action: node_drop\n    ttl: PT0.999S\n"));
        assertEquals(Duration.ofMillis(1500), ResponseRulesFile.parse("r.yaml", GOOD.replace("15m", "1500ms"))
                .getFirst().ttl());
        assertThrows(IllegalArgumentException.class, () -> new ResponseRule("r", Set.of(), Severity.SEVERITY_HIGH, 0,
                BlockAction.NODE_DROP, Duration.ofMillis(500)));
    }

    @Test
    void aKeyGivenTwiceInARuleIsRefused() {
        // Found in review: the second name silently won.
        String e = error("rules:\n  - name: a\n    name: b\n    types: [port_scan]\n    action: node_drop\n");
        assertTrue(e.startsWith("r.yaml line 3, key 'name': given twice in one rule"), e);
    }

    @Test
    void deepNestingIsRefusedInsteadOfOverflowingTheStack() {
        String e = error("rules: " + "[".repeat(3000) + "]".repeat(3000) + "\n");
        assertTrue(e.startsWith("r.yaml: nested deeper than 64 levels"), e);
    }
}
