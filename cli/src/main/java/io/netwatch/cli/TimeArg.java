package io.netwatch.cli;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Parses "--since" values: an RFC 3339 time, or a duration ago ("90s", "5m", "2h", "1d"). */
final class TimeArg {
    private TimeArg() {
    }

    static Timestamp parse(String text, long nowMillis) {
        String s = text.trim();
        if (s.matches("\\d+[smhd]")) {
            long n = Long.parseLong(s.substring(0, s.length() - 1));
            Duration d = switch (s.charAt(s.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return Timestamps.fromMillis(nowMillis - d.toMillis());
        }
        try {
            Instant i = Instant.parse(s);
            return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is neither a time like 2026-01-02T03:04:05Z nor a "
                    + "duration ago like 90s, 5m, 2h, 1d");
        }
    }
}
