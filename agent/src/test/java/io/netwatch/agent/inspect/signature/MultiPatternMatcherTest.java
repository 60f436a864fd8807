package io.netwatch.agent.inspect.signature;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The automaton finds exactly what a naive search finds, in one pass or in chunks. */
class MultiPatternMatcherTest {
    private static List<String> found(MultiPatternMatcher m, byte[] text, int chunk) {
        List<String> hits = new ArrayList<>();
        int state = m.start();
        for (int off = 0; off < text.length; off += chunk) {
            int n = Math.min(chunk, text.length - off);
            state = m.scan(state, text, off, n, off, (p, end) -> hits.add(p + "@" + end));
        }
        hits.sort(null);
        return hits;
    }

    private static List<String> naive(List<byte[]> patterns, byte[] text) {
        List<String> hits = new ArrayList<>();
        for (int p = 0; p < patterns.size(); p++) {
            byte[] pat = patterns.get(p);
            for (int i = 0; i + pat.length <= text.length; i++) {
                boolean eq = true;
                for (int k = 0; k < pat.length && eq; k++) {
                    eq = Character.toLowerCase((char) (text[i + k] & 0xFF)) == Character.toLowerCase((char) (pat[k] & 0xFF))
                            || (text[i + k] == pat[k]);
                    if ((text[i + k] & 0xFF) > 0x7F || (pat[k] & 0xFF) > 0x7F) {
                        eq = text[i + k] == pat[k];
                    }
                }
                if (eq) {
                    hits.add(p + "@" + (i + pat.length));
                }
            }
        }
        hits.sort(null);
        return hits;
    }

    @Test
    void overlappingAndNestedPatterns() {
        List<byte[]> patterns = List.of("he".getBytes(), "she".getBytes(), "his".getBytes(), "hers".getBytes());
        MultiPatternMatcher m = MultiPatternMatcher.build(patterns);
        byte[] text = "ushers and HIS sHe".getBytes();
        assertEquals(naive(patterns, text), found(m, text, text.length));
        assertEquals(List.of("0@18", "0@4", "1@18", "1@4", "2@14", "3@6"), found(m, text, text.length));
    }

    @Test
    void agreesWithANaiveSearchOnRandomInputInAnyChunking() {
        Random rnd = new Random(20261126);
        for (int round = 0; round < 400; round++) {
            List<byte[]> patterns = new ArrayList<>();
            int count = 1 + rnd.nextInt(20);
            for (int i = 0; i < count; i++) {
                // Half the rounds without one-byte patterns: there the root steps over bytes by
                // the pair that follows, which a one-byte pattern turns off for its byte.
                byte[] p = new byte[(round % 2 == 0 ? 1 : 2) + rnd.nextInt(6)];
                for (int k = 0; k < p.length; k++) {
                    // A small alphabet with both cases and a high byte: many overlaps.
                    p[k] = (byte) "abAB\u00e9x".charAt(rnd.nextInt(6));
                }
                patterns.add(p);
            }
            byte[] text = new byte[rnd.nextInt(300)];
            for (int k = 0; k < text.length; k++) {
                text[k] = (byte) "abABc\u00e9x".charAt(rnd.nextInt(7));
            }
            MultiPatternMatcher m = MultiPatternMatcher.build(patterns);
            List<String> expected = naive(patterns, text);
            assertEquals(expected, found(m, text, Math.max(1, text.length)), "round " + round);
            assertEquals(expected, found(m, text, 1 + rnd.nextInt(7)), "round " + round + " in chunks");
        }
    }

    @Test
    void aHugePatternSetIsRefusedNotBuilt() {
        List<byte[]> patterns = new ArrayList<>();
        Random rnd = new Random(1);
        for (int i = 0; i < 200; i++) {
            byte[] p = new byte[ContentMatch.MAX_PATTERN];
            rnd.nextBytes(p);
            patterns.add(p);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MultiPatternMatcher.build(patterns));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
    }

    @Test
    void tableStaysSmallForARealisticRuleSet() {
        TreeSet<String> words = new TreeSet<>();
        Random rnd = new Random(7);
        while (words.size() < 500) {
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < 6 + rnd.nextInt(14); k++) {
                sb.append((char) ('a' + rnd.nextInt(26)));
            }
            words.add(sb.toString());
        }
        MultiPatternMatcher m = MultiPatternMatcher.build(words.stream().map(String::getBytes).toList());
        assertTrue(m.memoryBytes() < 2_000_000, "bytes: " + m.memoryBytes());
    }
}
