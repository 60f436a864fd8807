package io.netwatch.agent.inspect.signature;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A file of a million junk lines is refused line by line, but only the first thousand
 * refusals are kept and the rest counted in one last line (found in review: 16 MiB of one
 * character lines made 8.4 million errors, 1.6 GB of heap, in a pod of 256 MiB).
 */
class FileErrorsTest {
    private static final String JUNK = "x\n".repeat(1_000_000);

    private static void assertCapped(List<RuleError> errors, String source) {
        assertEquals(FileErrors.MAX + 1, errors.size());
        assertEquals(new RuleError(source, 1, errors.get(0).reason()), errors.get(0));
        assertEquals(FileErrors.MAX, errors.get(FileErrors.MAX - 1).line());
        assertEquals(source + ": 999000 more lines refused, not listed (the first 1000 are)",
                errors.get(FileErrors.MAX).toString());
    }

    @Test
    void aRuleFileOfJunkKeepsItsFirstThousandRefusalsAndCountsTheRest() {
        RuleParser.Result r = new RuleParser(RuleVariables.defaults()).parse(JUNK, "junk.rules");
        assertEquals(List.of(), r.rules());
        assertCapped(r.errors(), "junk.rules");
    }

    @Test
    void aThresholdFileOfJunkKeepsItsFirstThousandRefusalsAndCountsTheRest() {
        ThresholdParser.Result r = new ThresholdParser(RuleVariables.defaults()).parse(JUNK, "junk.config");
        assertEquals(List.of(), r.suppressions());
        assertCapped(r.errors(), "junk.config");
    }

    @Test
    void aDisabledRuleRepeatedOnEveryLineIsKeptOnce() {
        // Found in review: one boxed sid a line, however often the same line came.
        String line = "alert tcp any any -> any any (msg:\"x\"; pcre:\"/a/\"; sid:7;)\n";
        RuleParser.Result r = new RuleParser(RuleVariables.defaults()).parse(line.repeat(5000), "d.rules",
                java.util.Set.of(7));
        assertEquals(List.of(7), r.disabledUnread());
        assertEquals(List.of(), r.errors());
    }

    @Test
    void fewerRefusalsThanTheBoundAreListedAsTheyAre() {
        RuleParser.Result r = new RuleParser(RuleVariables.defaults()).parse("x\ny\n", "two.rules");
        assertEquals(List.of(1, 2), r.errors().stream().map(RuleError::line).toList());
    }
}
