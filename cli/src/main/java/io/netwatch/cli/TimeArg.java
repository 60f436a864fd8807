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

    /** As {@link #parse(String, long)}, a mistake named by the option that gave the text. */
    static Timestamp parse(String option, String text, long nowMillis) {
        try {
            return parse(text, nowMillis);
        } catch (IllegalArgumentException e) {
            throw new NetwatchMain.UserError(option + ": " + e.getMessage());
        }
    }

    static Timestamp parse(String text, long nowMillis) {
        String s = text.trim();
        if (s.matches("\\d+(ms|[smhd])")) {
            Duration d;
            try {
                d = io.netwatch.common.Durations.parse(s);
            } catch (IllegalArgumentException e) {
                // Found in review: 99999999999d went to the server as an invalid time.
                throw new IllegalArgumentException("'" + text + "' " + e.getMessage());
            }
            return Timestamps.fromMillis(nowMillis - d.toMillis());
        }
        try {
            Instant i = Instant.parse(s);
            Timestamp t = Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
            if (!Timestamps.isValid(t)) {
                throw new IllegalArgumentException("'" + text + "' is outside the years 1 to 9999");
            }
            return t;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is neither a time like 2026-01-02T03:04:05Z nor a "
                    + "duration ago like 90s, 5m, 2h, 1d");
        }
    }
}
