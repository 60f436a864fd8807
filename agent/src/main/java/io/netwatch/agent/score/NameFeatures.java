package io.netwatch.agent.score;

/** Character statistics of a DNS name or label, for the DNS detectors. Pure functions, never throw. */
final class NameFeatures {
    /** Characters looked at at most (a DNS name has at most 255). */
    static final int MAX_CHARS = 255;

    private NameFeatures() {
    }

    /** Character counts for {@link #entropy}, reused: it runs for every DNS name on the capture thread. */
    private static final ThreadLocal<int[]> COUNTS = ThreadLocal.withInitial(() -> new int[128]);

    /** Shannon entropy of the characters of {@code s} other than dots, in bits per character; 0 when empty. */
    static double entropy(String s) {
        int n = Math.min(s.length(), MAX_CHARS);
        int[] counts = COUNTS.get();
        java.util.Arrays.fill(counts, 0);
        int total = 0;
        int other = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '.') {
                continue;
            }
            total++;
            if (c < 128) {
                counts[c]++;
            } else {
                other++;
            }
        }
        if (total == 0) {
            return 0;
        }
        double h = 0;
        for (int c : counts) {
            if (c > 0) {
                double p = (double) c / total;
                h -= p * Math.log(p);
            }
        }
        if (other > 0) {
            double p = (double) other / total;
            h -= p * Math.log(p);
        }
        return h / Math.log(2);
    }

    static boolean vowel(char c) {
        return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
    }

    /** Share of vowels (a, e, i, o, u, y) among the characters. */
    static double vowelRatio(String s) {
        int n = Math.min(s.length(), MAX_CHARS);
        if (n == 0) {
            return 0;
        }
        int v = 0;
        for (int i = 0; i < n; i++) {
            if (vowel(s.charAt(i))) {
                v++;
            }
        }
        return (double) v / n;
    }

    /**
     * Share of vowels among the ASCII lower-case letters (names reach the detectors in lower
     * case); 0 when there are none. Dots, dashes and digits are not letters.
     */
    static double vowelShareOfLetters(String s) {
        int n = Math.min(s.length(), MAX_CHARS);
        int letters = 0;
        int v = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 'a' && c <= 'z') {
                letters++;
                if (vowel(c)) {
                    v++;
                }
            }
        }
        return letters == 0 ? 0 : (double) v / letters;
    }

    /** Share of digits among the characters. */
    static double digitRatio(String s) {
        int n = Math.min(s.length(), MAX_CHARS);
        if (n == 0) {
            return 0;
        }
        int d = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                d++;
            }
        }
        return (double) d / n;
    }

    /** Longest run of consecutive consonants (ASCII letters that are not vowels). */
    static int longestConsonantRun(String s) {
        int n = Math.min(s.length(), MAX_CHARS);
        int run = 0;
        int best = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 'a' && c <= 'z' && !vowel(c)) {
                best = Math.max(best, ++run);
            } else {
                run = 0;
            }
        }
        return best;
    }

    /** A 64-bit hash of {@code s} (FNV-1a over its chars), for fixed-size sets of names. */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0, n = s.length(); i < n; i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h == 0 ? 1 : h;
    }
}
