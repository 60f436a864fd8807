package io.netwatch.common;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in configuration: {@code 500ms}, {@code 30s}, {@code 5m},
 * {@code 2h}, {@code 1d}, several together ({@code 1h30m}), or ISO-8601 ({@code PT30S});
 * printed back in the short form. Every file and flag that takes a duration reads it here, so
 * that a form accepted in one place is accepted in all.
 */
public final class Durations {
    /** One number and its unit; {@code ms} is tried before {@code m}. */
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
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
        String t = text.trim();
        if (t.startsWith("-") && !t.startsWith("-P")) {
            // "-5s" is a duration with a sign, not an unknown form (ISO's "-PT5S" is read below).
            try {
                parseAny(t.substring(1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("is not a duration (examples: 30s, 5m, 500ms, 2h, 1h30m, PT30S)");
            }
            throw new IllegalArgumentException("is negative");
        }
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
        Matcher m = PART.matcher(t);
        Duration total = Duration.ZERO;
        int at = 0;
        while (at < t.length() && m.region(at, t.length()).lookingAt()) {
            long n;
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                return Duration.ofSeconds(Long.MAX_VALUE); // more digits than a long: refused by parse as too long
            }
            try {
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                });
            } catch (ArithmeticException e) {
                return Duration.ofSeconds(Long.MAX_VALUE); // refused by parse as too long
            }
            at = m.end();
        }
        if (at > 0 && at == t.length()) {
            return total;
        }
        try {
            return Duration.parse(t);
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException("is not a duration (examples: 30s, 5m, 500ms, 2h, 1h30m, PT30S)");
        }
    }

    /**
     * The shortest exact form: {@code 5m} rather than {@code 300s}; {@code 0s} for zero. Hours up
     * to a day ({@code 24h} reads better than {@code 1d}); whole days from two on ({@code 45d},
     * where hours would print {@code 1080h}).
     */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        long ms = d.toMillis();
        if (!Duration.ofMillis(ms).equals(d)) {
            return d.toString();
        }
        long day = 86_400_000L;
        if (ms >= 2 * day && ms % day == 0) {
            return ms / day + "d";
        }
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
