package io.netwatch.agent.inspect.signature;

import java.util.Locale;
import java.util.Objects;

/**
 * How often a rule's matches may become alerts: Suricata's {@code threshold} (and
 * {@code event_filter}) of a threshold.config or a rule, and a rule's {@code detection_filter}.
 * A match here is one flow in which the rule matched (a rule alerts at most once per flow):
 * the counts are of flows, tracked by source, destination, address pair or rule across flows.
 * Immutable; equal values count on in the same {@link ThresholdTable} entries across reloads.
 *
 * @param type    how the count decides
 * @param track   what the count is kept for
 * @param count   the count {@code type} compares, 1 to {@link #MAX_COUNT}
 * @param seconds the window the count is kept in, from the first match counted, 1 to {@link #MAX_SECONDS}
 */
public record Threshold(Type type, Track track, long count, long seconds) {
    /** Largest count and seconds taken: Suricata reads both as unsigned 32-bit numbers. */
    public static final long MAX_COUNT = 0xFFFF_FFFFL;
    public static final long MAX_SECONDS = 0xFFFF_FFFFL;

    /** How the count of matches in a window decides whether a match alerts. */
    public enum Type {
        /** The first {@code count} matches of a window alert, the rest do not. */
        LIMIT("limit"),
        /** Every {@code count}th match of a window alerts. */
        THRESHOLD("threshold"),
        /** The {@code count}th match of a window alerts, once. */
        BOTH("both"),
        /** Every match after the {@code count}th of a window alerts ({@code detection_filter}). */
        DETECTION_FILTER("detection_filter");

        private final String label;

        Type(String label) {
            this.label = label;
        }

        /** The word Suricata writes; the {@code type} label of {@code netwatch_signature_thresholded_total}. */
        public String label() {
            return label;
        }
    }

    /** What a count is kept for: which of the alert's addresses, both, or none. */
    public enum Track {
        /** The alert's source: the sender of the bytes that matched. */
        BY_SRC,
        /** The alert's destination. */
        BY_DST,
        /** The rule, whatever the addresses. */
        BY_RULE,
        /** The two addresses, whichever sent: one count for both directions between them. */
        BY_BOTH;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The track a word names ({@code by_src}, ...), or null for any other word. */
        static Track of(String word) {
            for (Track t : values()) {
                if (t.label().equals(word)) {
                    return t;
                }
            }
            return null;
        }
    }

    public Threshold {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(track, "track");
        if (count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("count must be 1 to " + MAX_COUNT + ", not " + count);
        }
        if (seconds < 1 || seconds > MAX_SECONDS) {
            throw new IllegalArgumentException("seconds must be 1 to " + MAX_SECONDS + ", not " + seconds);
        }
    }

    /** The window in nanoseconds: at most about 4.3e18, which a long holds. */
    long windowNanos() {
        return seconds * 1_000_000_000L;
    }

    /** As a rule or a threshold.config line writes it, for reports. */
    @Override
    public String toString() {
        return (type == Type.DETECTION_FILTER ? "detection_filter" : "type " + type.label()) + ", track "
                + track.label() + ", count " + count + ", seconds " + seconds;
    }

    /**
     * A {@code count} or {@code seconds} as a rule or a threshold line gives it: digits only,
     * 1 to {@link #MAX_COUNT}; throws {@link IllegalArgumentException} saying why not. Never
     * overflows on a string of digits however long.
     */
    static long number(String v, String keyword) {
        String t = v.strip();
        if (!t.matches("\\d+")) {
            throw new IllegalArgumentException(keyword + " '" + shorten(t) + "' is not a whole number");
        }
        String digits = t.replaceFirst("^0+(?=\\d)", "");
        long n = digits.length() > 10 ? Long.MAX_VALUE : Long.parseLong(digits);
        if (n < 1 || n > MAX_COUNT) {
            throw new IllegalArgumentException(keyword + " " + shorten(t) + " is out of range: 1 to " + MAX_COUNT
                    + (n == 0 ? "" : " (an unsigned 32-bit number, as Suricata reads it)"));
        }
        return n;
    }

    /** Text quoted in an error, cut so that one error stays one line. */
    static String shorten(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
