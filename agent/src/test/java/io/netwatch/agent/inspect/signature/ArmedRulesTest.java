package io.netwatch.agent.inspect.signature;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rules a direction keeps waiting (their fast pattern seen, their other contents not yet)
 * are bounded ({@link FlowSignatures#MAX_ARMED}): a sender who knows the rule set can fill
 * that bound with decoys. Only what truly waits may take a place, and a candidate turned away
 * is counted.
 */
class ArmedRulesTest {
    private static RuleSet rules(List<String> lines) {
        RuleParser.Result r = new RuleParser(RuleVariables.defaults()).parse(String.join("\n", lines), "t.rules");
        assertEquals(List.of(), r.errors());
        return RuleSet.compile(r.rules(), List.of("t.rules"));
    }

    /** The sids fired by {@code segments} sent to port 80, in order, in one direction of a new flow. */
    private static List<Integer> fired(RuleSet rules, String... segments) {
        FlowSignatures f = new FlowSignatures(rules, Signatures.DEFAULT_PAYLOAD_DEPTH, true);
        MatchContext ctx = new MatchContext().endpoints(0, 0x0A00_0001L, 40000, 0, 0x0A00_0002L, 80, false);
        ctx.tcp = true;
        ctx.toServer = true;
        ctx.ipVersion = 4;
        List<Integer> sids = new ArrayList<>();
        for (String s : segments) {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            f.stream(ByteBuffer.wrap(b), 0, b.length, ctx, (rule, buffer) -> { sids.add(rule.sid()); return true; });
        }
        return sids;
    }

    private static final String EXPLOIT =
            "alert tcp any any -> any any (msg:\"jndi\"; flow:to_server; content:\"${jndi:\"; sid:1;)";

    @Test
    void decoysForAnotherPortTakeNoPlaceFromARuleThatMatches() {
        // Rules of the set on another service: their patterns in a request to port 80 were each
        // given a place until the end of the segment, and the exploit's rule, past the bound,
        // was never checked.
        List<String> lines = new ArrayList<>(List.of(EXPLOIT));
        StringBuilder payload = new StringBuilder();
        for (int i = 0; i < FlowSignatures.MAX_ARMED; i++) {
            lines.add("alert tcp any any -> any 3306 (msg:\"decoy\"; content:\"decoy-" + i + "\"; sid:" + (100 + i) + ";)");
            payload.append("decoy-").append(i).append(' ');
        }
        RuleSet rules = rules(lines);
        assertEquals(List.of(1), fired(rules, payload + "${jndi:ldap://x/a}"));
        assertEquals(0, rules.armedOverflows());
    }

    @Test
    void decoysThatMatchAtOnceTakeNoPlaceEither() {
        List<String> lines = new ArrayList<>(List.of(EXPLOIT));
        StringBuilder payload = new StringBuilder();
        for (int i = 0; i < FlowSignatures.MAX_ARMED; i++) {
            lines.add("alert tcp any any -> any any (msg:\"decoy\"; content:\"decoy-" + i + "\"; sid:" + (100 + i) + ";)");
            payload.append("decoy-").append(i).append(' ');
        }
        List<Integer> sids = fired(rules(lines), payload + "${jndi:ldap://x/a}");
        assertEquals(FlowSignatures.MAX_ARMED + 1, sids.size());
        assertEquals(true, sids.contains(1));
    }

    @Test
    void aCandidateTurnedAwayByRulesThatTrulyWaitIsCounted() {
        // Decoys whose second content never comes do wait: the bound holds, and says so. (The
        // longer content is a rule's fast pattern: the one looked for.)
        List<String> lines = new ArrayList<>(List.of(
                "alert tcp any any -> any any (msg:\"two parts\"; content:\"the-first-part\"; content:\"tail\"; sid:1;)"));
        StringBuilder payload = new StringBuilder();
        for (int i = 0; i < FlowSignatures.MAX_ARMED; i++) {
            lines.add("alert tcp any any -> any any (msg:\"decoy\"; content:\"decoy-pattern-" + i + "\"; content:\"nope\"; "
                    + "sid:" + (100 + i) + ";)");
            payload.append("decoy-pattern-").append(i).append(' ');
        }
        RuleSet rules = rules(lines);
        assertEquals(List.of(), fired(rules, payload + "the-first-part", " tail"));
        assertEquals(1, rules.armedOverflows());
    }
}
