package io.netwatch.agent.inspect.signature;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** How far into a payload rules can match: scanning stops there. */
class PayloadReachTest {
    private static Rule rule(String options) {
        RuleParser.Result r = new RuleParser(RuleVariables.defaults())
                .parse("alert tcp any any -> any any (msg:\"t\"; " + options + " sid:1;)", "t");
        assertEquals(List.of(), r.errors());
        return r.rules().getFirst();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "content:\"abc\"; depth:10;|10",
        "content:\"abc\"; offset:5; depth:10;|15",
        "content:\"abc\"; startswith;|3",
        "content:\"abc\";|2147483647",
        "content:\"abc\"; depth:10; content:\"de\"; distance:2; within:5;|17",
        "content:\"abc\"; depth:10; content:\"de\"; distance:0;|2147483647",
        "content:\"abc\"; depth:10; content:\"x\"; endswith;|2147483647",
        "http.uri; content:\"abc\";|0",
    })
    void reachOfOneRule(String options, int reach) {
        assertEquals(reach, RuleSet.payloadReach(rule(options)));
    }

    @Test
    void theBundledRulesLookAtTheWholeDepthTowardServersAKilobyteBackAndNoUdpPayload() {
        RuleSet s = Signatures.bundled().current();
        assertEquals(Integer.MAX_VALUE, s.payloadReach(true, true));
        // Only the shell-banner rules match bytes sent toward a client, all bounded.
        assertEquals(1024, s.payloadReach(true, false));
        // Every bundled payload rule is a TCP rule: datagrams are not scanned at all.
        assertEquals(0, s.payloadReach(false, true));
        assertEquals(0, s.payloadReach(false, false));
    }
}
