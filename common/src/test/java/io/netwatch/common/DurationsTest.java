package io.netwatch.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void theShortFormsAndIsoParse() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofMinutes(5), Durations.parse(" 5m "));
        assertEquals(Duration.ofDays(2), Durations.parse("2d"));
        assertEquals(Duration.ofSeconds(30), Durations.parse("PT30S"));
        assertEquals("5m", Durations.format(Duration.ofSeconds(300)));
    }

    @Test
    void partsWrittenTogetherAddUp() {
        // The alerts file took 1h30m and the agent's file did not: one parser now reads both.
        assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
        assertEquals(Duration.ofMillis(2_500), Durations.parse("2s500ms"));
        assertEquals(Duration.ofDays(1).plusMinutes(1), Durations.parse("1d1m"));
        for (String text : new String[] {"1h 30m", "1h30", "h30m", "30m1", "1h-30m", ""}) {
            assertEquals("is not a duration (examples: 30s, 5m, 500ms, 2h, 1h30m, PT30S)",
                    assertThrows(IllegalArgumentException.class, () -> Durations.parse(text), text).getMessage(), text);
        }
        // Parts that overflow Duration itself are refused as too long, not thrown as arithmetic.
        String huge = "999999999999d".repeat(200);
        assertEquals("is longer than 36500d (100 years), the most a duration may be",
                assertThrows(IllegalArgumentException.class, () -> Durations.parse(huge)).getMessage());
    }

    @Test
    void aDurationLongerThanAHundredYearsIsRefusedBeforeAnyClockOverflows() {
        // Found in review: 300000d passed, then overflowed nanosecond arithmetic deep in the agent.
        assertEquals(Duration.ofDays(36_500), Durations.parse("36500d"));
        assertEquals("36500d", Durations.MAX.toDays() + "d");
        for (String text : new String[] {"36501d", "300000d", "999999999999d", "PT9999999999999H"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text), text);
            assertEquals("is longer than 36500d (100 years), the most a duration may be", e.getMessage(), text);
        }
        // The largest the format can print stays printable.
        assertEquals("36500d", Durations.format(Durations.MAX));
        assertEquals("45d", Durations.format(Duration.ofDays(45)), "whole days from two on, not 1080h");
        assertEquals("24h", Durations.format(Duration.ofDays(1)));
        assertEquals("36h", Durations.format(Duration.ofHours(36)));
        assertEquals("49h", Durations.format(Duration.ofHours(49)));
    }

    @Test
    void negativeAndWrongTextIsRefused() {
        assertEquals("is negative", assertThrows(IllegalArgumentException.class, () -> Durations.parse("PT-5S"))
                .getMessage());
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("forever"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("5 minutes"));
    }
}
