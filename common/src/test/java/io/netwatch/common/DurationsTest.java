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
    void aDurationLongerThanAHundredYearsIsRefusedBeforeAnyClockOverflows() {
        // Found in review: 300000d passed, then overflowed nanosecond arithmetic deep in the agent.
        assertEquals(Duration.ofDays(36_500), Durations.parse("36500d"));
        assertEquals("36500d", Durations.MAX.toDays() + "d");
        for (String text : new String[] {"36501d", "300000d", "999999999999d", "PT9999999999999H"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text), text);
            assertEquals("is longer than 36500d (100 years), the most a duration may be", e.getMessage(), text);
        }
        // The largest the format can print stays printable.
        assertEquals("876000h", Durations.format(Durations.MAX));
    }

    @Test
    void negativeAndWrongTextIsRefused() {
        assertEquals("is negative", assertThrows(IllegalArgumentException.class, () -> Durations.parse("PT-5S"))
                .getMessage());
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("forever"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("5 minutes"));
    }
}
