package io.netwatch.agent.inspect.signature;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Content modifiers behave as Suricata documents them. */
class ContentVerifierTest {
    private static boolean matches(String options, String buffer) {
        RuleParser.Result r = new RuleParser(RuleVariables.defaults())
                .parse("alert tcp any any -> any any (msg:\"t\"; " + options + " sid:1;)", "t");
        assertEquals(List.of(), r.errors());
        byte[] b = buffer.getBytes(StandardCharsets.ISO_8859_1);
        return new ContentVerifier().matches(r.rules().getFirst().contents(), ByteBuffer.wrap(b), b.length);
    }

    @ParameterizedTest(name = "{0} on ''{1}'' -> {2}")
    @CsvSource(delimiter = '|', value = {
        "content:\"abc\";|xxabcxx|true",
        "content:\"ABC\";|xxabcxx|false",
        "content:\"ABC\"; nocase;|xxabcxx|true",
        "content:\"abc\"; offset:3;|xxabcxx|false",
        "content:\"abc\"; offset:2;|xxabcxx|true",
        "content:\"abc\"; depth:4;|xxabcxx|false",
        "content:\"abc\"; depth:5;|xxabcxx|true",
        "content:\"abc\"; offset:1; depth:4;|xxabcxx|true",
        "content:\"abc\"; startswith;|abcxx|true",
        "content:\"abc\"; startswith;|xabc|false",
        "content:\"abc\"; endswith;|xxabc|true",
        "content:\"abc\"; endswith;|abcx|false",
        "content:\"GET\"; startswith; endswith;|GET|true",
        "content:\"GET\"; startswith; endswith;|GETS|false",
        "content:\"a\"; content:\"b\"; distance:0;|ab|true",
        "content:\"a\"; content:\"b\"; distance:1;|ab|false",
        "content:\"a\"; content:\"b\"; distance:1;|axb|true",
        "content:\"a\"; content:\"b\"; within:1;|axb|false",
        "content:\"a\"; content:\"b\"; within:2;|axb|true",
        "content:\"a\"; content:\"b\"; distance:-2; within:1;|xab|false",
        "content:\"b\"; content:\"a\"; distance:-2; within:2;|ab|true",
        // Relative contents are tried after every place the previous one matches.
        "content:\"a\"; content:\"c\"; distance:0; within:1;|ab ac|true",
        "content:\"x\"; content:!\"y\";|xz|true",
        "content:\"x\"; content:!\"y\";|xzy|false",
        "content:\"x\"; content:!\"y\"; distance:0; within:1;|xzy|true",
        "content:\"x\"; content:!\"y\"; distance:0; within:1;|xyz|false",
        // Absolute contents are independent of each other's order.
        "content:\"second\"; content:\"first\";|first then second|true",
    })
    void modifiers(String options, String buffer, boolean expected) {
        assertEquals(expected, matches(options, buffer));
    }

    @org.junit.jupiter.api.Test
    void hostileRepetitionIsBoundedAndCounted() {
        // 32 relative contents of "a" on a long run of "a" and no final "b": without a bound
        // the backtracking search would try every way of placing them.
        StringBuilder opts = new StringBuilder("content:\"a\"; ");
        for (int i = 0; i < 30; i++) {
            opts.append("content:\"a\"; distance:0; ");
        }
        opts.append("content:\"b\"; distance:0;");
        RuleParser.Result r = new RuleParser(RuleVariables.defaults())
                .parse("alert tcp any any -> any any (msg:\"t\"; " + opts + " sid:1;)", "t");
        byte[] b = "a".repeat(4000).getBytes(StandardCharsets.ISO_8859_1);
        ContentVerifier v = new ContentVerifier();
        assertFalse(v.matches(r.rules().getFirst().contents(), ByteBuffer.wrap(b), b.length));
        assertTrue(v.exhausted(), "the bound was reached and reported");
    }
}
