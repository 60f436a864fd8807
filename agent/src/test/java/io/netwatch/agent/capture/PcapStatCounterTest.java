package io.netwatch.agent.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PcapStatCounterTest {
    private static final long WRAP = 1L << 32;

    @Test
    void theFirstReadingCountsWhole() {
        assertEquals(1234, new PcapStatCounter().update(1234));
        assertEquals(0, new PcapStatCounter().update(0));
        assertEquals(3_000_000_000L, new PcapStatCounter().update(3_000_000_000L), "however far from 0");
    }

    @Test
    void readingsCrossing2To32KeepCountingUp() {
        PcapStatCounter c = new PcapStatCounter();
        assertEquals(4_000_000_000L, c.update(4_000_000_000L));
        assertEquals(WRAP - 1, c.update(WRAP - 1));
        // libpcap's u_int went 2^32 - 1, 0, ...: 0 is 2^32 drops, not none.
        assertEquals(WRAP, c.update(0));
        assertEquals(WRAP + 200, c.update(200));
        assertEquals(WRAP + 2_000_000_000L, c.update(2_000_000_000L));
        assertEquals(WRAP + 4_000_000_000L, c.update(4_000_000_000L));
        // The second wrap, and a reading that lands past it.
        assertEquals(2 * WRAP + 5, c.update(5));
        assertEquals(2 * WRAP + 5, c.update(5), "an unchanged reading adds nothing");
    }

    @Test
    void aWrapBetweenTwoDistantReadingsIsStillAWrap() {
        // 2^31 - 1 packets between two readings, the most taken as progress, across the wrap.
        PcapStatCounter c = new PcapStatCounter();
        c.update(WRAP - 1000);
        assertEquals(WRAP - 1000 + (1L << 31) - 1, c.update((1L << 31) - 1001));
    }

    @Test
    void onlyTheLow32BitsOfAReadingCount() {
        // pcap4j gives readings in 0 .. 2^32 - 1; a sign-extended u_int is the same reading.
        PcapStatCounter c = new PcapStatCounter();
        assertEquals(WRAP - 1, c.update(-1L));
        assertEquals(WRAP + 1, c.update(WRAP + 1));
    }

    @Test
    void aStepBackAddsNothingAndIsTheBaseForTheNext() {
        // ps_ifdrop follows the interface's rx_dropped, which a driver reset can lower.
        PcapStatCounter c = new PcapStatCounter();
        assertEquals(1000, c.update(1000));
        assertEquals(1000, c.update(990), "a step back of 10 is not 2^32 - 10 more");
        assertEquals(1020, c.update(1010), "the 20 since the step back count");
        // Counters cleared (1010 to 5), then a step back across zero (5 to 2^32 - 3).
        assertEquals(1020, c.update(5));
        assertEquals(1020, c.update(WRAP - 3));
        assertEquals(1027, c.update(4), "2^32 - 3 to 4 is 7 forward");
    }

    @Test
    void halfTheRangeForwardIsTheMostTakenAsProgress() {
        PcapStatCounter c = new PcapStatCounter();
        c.update(0);
        assertEquals((1L << 31) - 1, c.update((1L << 31) - 1));
        PcapStatCounter d = new PcapStatCounter();
        d.update(0);
        assertEquals(0, d.update(1L << 31), "2^31 ahead of 0 is as far behind it: a step back");
    }
}
