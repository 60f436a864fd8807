package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.util.Timestamps;
import org.junit.jupiter.api.Test;

class TimeArgTest {
    private static final long NOW = 1_700_000_000_000L;

    @Test
    void aDurationAgoAndATimeParse() {
        assertEquals(NOW - 300_000, Timestamps.toMillis(TimeArg.parse("5m", NOW)));
        assertEquals(NOW - 500, Timestamps.toMillis(TimeArg.parse("500ms", NOW)));
        assertEquals(1_767_322_800_000L, Timestamps.toMillis(TimeArg.parse("2026-01-02T03:00:00Z", NOW)));
    }

    @Test
    void timesNoTimestampHoldsAreRefusedHereNotSentToTheServer() {
        // Found in review: --since 99999999999d reached the server as an invalid time.
        assertEquals("'99999999999d' is longer than 36500d (100 years), the most a duration may be",
                assertThrows(IllegalArgumentException.class, () -> TimeArg.parse("99999999999d", NOW)).getMessage());
        assertEquals("'+20000-01-01T00:00:00Z' is outside the years 1 to 9999",
                assertThrows(IllegalArgumentException.class, () -> TimeArg.parse("+20000-01-01T00:00:00Z", NOW))
                        .getMessage());
    }
}
