package io.netwatch.agent.inspect.signature;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Checks a rule's contents on one buffer exactly: case, offset and depth, distance and
 * within relative to the previous content, negation, startswith and endswith. Relative
 * contents are tried after each place the previous one matches (as Suricata does), with a
 * bound on the attempts so that hostile bytes cannot make a rule cost without limit.
 */
final class ContentVerifier {
    /**
     * Most positions tried for one rule on one buffer (each costs at most one comparison of
     * the content); past it the rule does not match and the give-up is counted.
     */
    static final int MAX_STEPS = 1 << 16;

    private int steps;
    private boolean exhausted;

    /**
     * @param contents the rule's contents on this buffer, in rule order
     * @param b        the buffer, bytes {@code [0, len)}
     */
    boolean matches(List<ContentMatch> contents, ByteBuffer b, int len) {
        steps = 0;
        exhausted = false;
        return match(contents, 0, b, len, 0);
    }

    /** True when the last call gave up at {@link #MAX_STEPS}. */
    boolean exhausted() {
        return exhausted;
    }

    private boolean match(List<ContentMatch> contents, int i, ByteBuffer b, int len, int prevEnd) {
        if (i == contents.size()) {
            return true;
        }
        ContentMatch c = contents.get(i);
        byte[] p = c.patternView();
        int from;
        int endLimit; // the match must end at or before this offset
        if (c.relative()) {
            int distance = c.distance() == ContentMatch.UNSET ? 0 : c.distance();
            from = Math.max(0, prevEnd + distance);
            endLimit = c.within() == ContentMatch.UNSET ? len : Math.min(len, prevEnd + distance + c.within());
        } else {
            from = c.offset() == ContentMatch.UNSET ? 0 : c.offset();
            endLimit = c.depth() == ContentMatch.UNSET ? len : Math.min(len, from + c.depth());
            if (c.startsWith()) {
                endLimit = Math.min(len, p.length);
            }
        }
        if (c.endsWith()) {
            from = Math.max(from, len - p.length);
        }
        int last = endLimit - p.length; // last start position
        if (c.negated()) {
            for (int at = from; at <= last; at++) {
                if (++steps > MAX_STEPS) {
                    exhausted = true;
                    return false;
                }
                if (equalsAt(b, at, p, c.nocase())) {
                    return false;
                }
            }
            return match(contents, i + 1, b, len, prevEnd);
        }
        for (int at = from; at <= last; at++) {
            if (++steps > MAX_STEPS) {
                exhausted = true;
                return false;
            }
            if (!equalsAt(b, at, p, c.nocase())) {
                continue;
            }
            if (match(contents, i + 1, b, len, at + p.length)) {
                return true;
            }
            if (exhausted) {
                return false;
            }
        }
        return false;
    }

    private static boolean equalsAt(ByteBuffer b, int at, byte[] p, boolean nocase) {
        for (int k = 0; k < p.length; k++) {
            int x = b.get(at + k);
            int y = p[k];
            if (x != y && !(nocase && fold(x) == fold(y))) {
                return false;
            }
        }
        return true;
    }

    private static int fold(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }
}
