package io.netwatch.common;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in configuration: {@code 500ms}, {@code 30s}, {@code 5m},
 * {@code 2h}, {@code 1d}, or ISO-8601 ({@code PT30S}); printed back in the short form.
 */
public final class Durations {
    private static final Pattern SHORT = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");
    /**
     * The longest duration accepted: 100 years. Every duration is later added to clocks and
     * counted in nanoseconds, which overflow past 292 years; nothing here needs more than this.
     */
    public static final Duration MAX = Duration.ofDays(36_500);

    private Durations() {
    }

    /**
     * Parses a duration, or throws {@link IllegalArgumentException} saying what forms are
     * accepted; a negative one, or one longer than {@link #MAX}, is refused as well.
     */
    public static Duration parse(String text) {
        Duration d = parseAny(text);
        if (d.isNegative()) {
            throw new IllegalArgumentException("is negative");
        }
        if (d.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("is longer than " + MAX.toDays() + "d (100 years), the most a duration may be");
        }
        return d;
    }

    private static Duration parseAny(String text) {
        String t = text.trim();
        Matcher m = SHORT.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(t);
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException("is not a duration (examples: 30s, 5m, 500ms, 2h, PT30S)");
        }
    }

    /** The shortest exact form up to hours: {@code 5m} rather than {@code 300s}; {@code 0s} for zero. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        long ms = d.toMillis();
        if (!Duration.ofMillis(ms).equals(d)) {
            return d.toString();
        }
        // Hours at most: "24h" reads better than "1d".
        long[] units = {3_600_000L, 60_000L, 1000L, 1L};
        String[] names = {"h", "m", "s", "ms"};
        for (int i = 0; i < units.length; i++) {
            if (ms % units[i] == 0) {
                return ms / units[i] + names[i];
            }
        }
        return ms + "ms";
    }
}
