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
    void longPatternsAreFoundWhileTheRootStepsOverWindows() {
        // Every pattern eight bytes or longer: at the root the scan steps by the pair that ends
        // each window. Patterns are planted in random text (over a few letters, so that pairs of
        // the patterns recur everywhere) and in runs of other bytes, and cut by chunk borders.
        Random rnd = new Random(20261127);
        for (int round = 0; round < 300; round++) {
            List<byte[]> patterns = new ArrayList<>();
            int count = 1 + rnd.nextInt(8);
            for (int i = 0; i < count; i++) {
                byte[] p = new byte[MultiPatternMatcher.MIN_SKIP_WINDOW + rnd.nextInt(12)];
                for (int k = 0; k < p.length; k++) {
                    p[k] = (byte) "abAB\u00e9".charAt(rnd.nextInt(5));
                }
                patterns.add(p);
            }
            MultiPatternMatcher m = MultiPatternMatcher.build(patterns);
            int shortest = patterns.stream().mapToInt(p -> p.length).min().orElseThrow();
            assertEquals(shortest, m.skipWindow(), "round " + round);
            byte[] text = new byte[rnd.nextInt(600)];
            for (int k = 0; k < text.length; k++) {
                text[k] = (byte) (round % 3 == 0 ? "xyz .".charAt(rnd.nextInt(5)) : "abABc\u00e9".charAt(rnd.nextInt(6)));
            }
            for (int planted = rnd.nextInt(4); planted > 0 && text.length > 40; planted--) {
                byte[] p = patterns.get(rnd.nextInt(patterns.size()));
                if (p.length <= text.length) {
                    System.arraycopy(p, 0, text, rnd.nextInt(text.length - p.length + 1), p.length);
                }
            }
            List<String> expected = naive(patterns, text);
            assertEquals(expected, found(m, text, Math.max(1, text.length)), "round " + round);
            assertEquals(expected, found(m, text, 1 + rnd.nextInt(40)), "round " + round + " in chunks");
        }
    }

    @Test
    void shortPatternsLeaveTheRootToThePairFilter() {
        assertEquals(0, MultiPatternMatcher.build(List.of("abcdefgh".getBytes(), "xyz".getBytes())).skipWindow());
        assertEquals(8, MultiPatternMatcher.build(List.of("abcdefgh".getBytes(), "abcdefghij".getBytes())).skipWindow());
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
        assertTrue(e.getMessage().contains("more than the 32 MiB one may take"), e.getMessage());
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

    @Test
    void aRuleSetOfFifteenHundredSixtyByteContentsBuildsAndOnePastTheTableIsRefusedSayingWhy() {
        // Found in review: 1,500 such rules were refused whole ("90199 bytes") by a bound on bytes
        // far below the table's own.
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        List<byte[]> patterns = new java.util.ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            byte[] p = new byte[60];
            for (int k = 0; k < p.length; k++) {
                p[k] = (byte) (' ' + rnd.nextInt(95));
            }
            patterns.add(p);
        }
        MultiPatternMatcher m = MultiPatternMatcher.build(patterns);
        List<Integer> found = new java.util.ArrayList<>();
        byte[] text = patterns.get(1234);
        m.scan(0, text, 0, text.length, 0, (pattern, end) -> found.add(pattern));
        assertTrue(found.contains(1234), found.toString());

        List<byte[]> tooMany = new java.util.ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            byte[] p = new byte[60];
            for (int k = 0; k < p.length; k++) {
                p[k] = (byte) rnd.nextInt(256);
            }
            tooMany.add(p);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MultiPatternMatcher.build(tooMany));
        assertTrue(e.getMessage().startsWith("the rules' contents (180,001 bytes over ") && e.getMessage().contains(
                "more than the 32 MiB one may take: load fewer rules, or shorter contents"), e.getMessage());
    }
}
