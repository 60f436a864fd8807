package io.netwatch.cli.config;

import java.util.Collection;
import java.util.Locale;

/** "Did you mean" for a mistyped key: the closest known name by edit distance, if close enough. */
public final class Suggestions {
    /** Longest name compared: edit distance is quadratic, and no key is near this long. */
    private static final int MAX_COMPARED_LENGTH = 200;

    private Suggestions() {
    }

    /** " (did you mean X?)", or "" when nothing is close. */
    static String didYouMean(String wrong, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String w = wrong.toLowerCase(Locale.ROOT);
        if (w.length() > MAX_COMPARED_LENGTH) {
            return "";
        }
        for (String k : known) {
            int d = distance(w, k.toLowerCase(Locale.ROOT));
            String lastPart = k.substring(k.lastIndexOf('.') + 1);
            // The right name in the wrong section ("max_flows" at the top level) counts as close.
            if (w.substring(w.lastIndexOf('.') + 1).equals(lastPart)) {
                d = Math.min(d, 1);
            }
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best != null && bestDistance <= Math.max(2, w.length() / 3) ? " (did you mean " + best + "?)" : "";
    }

    /** Levenshtein distance (quadratic: for names, and words typed as names). */
    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
