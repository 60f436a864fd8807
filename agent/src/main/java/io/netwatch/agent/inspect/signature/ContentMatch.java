package io.netwatch.agent.inspect.signature;

import java.util.Arrays;
import java.util.Objects;

/**
 * One {@code content} of a rule with its modifiers. Positions are bytes within the buffer;
 * {@link #UNSET} marks a modifier that was not given.
 *
 * @param buffer      what the content looks at
 * @param pattern     the bytes to find (hex sections decoded)
 * @param nocase      ASCII letters match either case
 * @param negated     {@code content:!"..."}: the rule matches only when these bytes are absent
 * @param offset      absolute: the match starts at or after this byte
 * @param depth       absolute: the match ends within this many bytes of {@code offset}
 * @param distance    relative: the match starts this many bytes after the previous match's end
 * @param within      relative: the match ends within this many bytes of the previous match's end plus distance
 * @param startsWith  the match starts at the buffer's first byte
 * @param endsWith    the match ends at the buffer's last byte
 * @param fastPattern the rule asked for this content to be the one the automaton looks for
 */
public record ContentMatch(Buffer buffer, byte[] pattern, boolean nocase, boolean negated, int offset, int depth,
                           int distance, int within, boolean startsWith, boolean endsWith, boolean fastPattern) {
    /** A modifier that was not given. */
    public static final int UNSET = Integer.MIN_VALUE;
    /** Longest content accepted, bytes. */
    public static final int MAX_PATTERN = 1024;

    public ContentMatch {
        Objects.requireNonNull(buffer, "buffer");
        if (pattern.length == 0 || pattern.length > MAX_PATTERN) {
            throw new IllegalArgumentException("content must be 1 to " + MAX_PATTERN + " bytes");
        }
        pattern = pattern.clone();
    }

    /** True when this content is placed relative to the previous one of its buffer. */
    public boolean relative() {
        return distance != UNSET || within != UNSET;
    }

    @Override
    public byte[] pattern() {
        return pattern.clone();
    }

    byte[] patternView() {
        return pattern;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ContentMatch c && buffer == c.buffer && Arrays.equals(pattern, c.pattern)
                && nocase == c.nocase && negated == c.negated && offset == c.offset && depth == c.depth
                && distance == c.distance && within == c.within && startsWith == c.startsWith
                && endsWith == c.endsWith && fastPattern == c.fastPattern;
    }

    @Override
    public int hashCode() {
        return Objects.hash(buffer, Arrays.hashCode(pattern), nocase, negated, offset, depth, distance, within);
    }

    @Override
    public String toString() {
        return buffer.keyword() + " content:" + (negated ? "!" : "") + '"' + RuleText.printable(pattern) + '"'
                + (nocase ? "; nocase" : "");
    }
}
