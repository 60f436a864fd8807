package io.netwatch.agent.inspect.signature;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The counts thresholds keep, as Suricata's detect-engine-threshold keeps them: each call is
 * one flow in which the rule matched, at a capture time, from one address to another.
 */
class ThresholdTableTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * SECOND;
    private static final int SID = 9100060;

    private final ThresholdTable table = new ThresholdTable(ThresholdTable.DEFAULT_MAX_ENTRIES);

    /** A match from 10.0.a.b to 10.1.c.d (IPv4 mapped into IPv6, as the decoder holds it). */
    private static MatchContext from(int src, int dst) {
        MatchContext m = new MatchContext();
        m.srcLo = 0xFFFF_0A00_0000L | src;
        m.dstLo = 0xFFFF_0A01_0000L | dst;
        return m;
    }

    private static Threshold t(Threshold.Type type, Threshold.Track track, long count, long seconds) {
        return new Threshold(type, track, count, seconds);
    }

    /** Which of {@code n} matches from {@code src} to {@code dst}, one a second from {@code start}, alert. */
    private List<Integer> alerting(Threshold t, int n, long start, int src, int dst) {
        List<Integer> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            if (table.admits(t, SID, from(src, dst), start + (i - 1) * SECOND)) {
                out.add(i);
            }
        }
        return out;
    }

    @Test
    void limitOneBySourceLetsOneAlertThroughPerSourcePerMinuteAcrossManyFlows() {
        Threshold t = t(Threshold.Type.LIMIT, Threshold.Track.BY_SRC, 1, 60);
        int raised = 0;
        // A scanner at 10.0.0.1 matches the rule in 10,000 flows, to 10,000 addresses, over 100 s;
        // a second scanner, 10.0.0.2, in 50 flows meanwhile.
        for (int i = 0; i < 10_000; i++) {
            long now = T0 + i * (SECOND / 100);
            raised += table.admits(t, SID, from(1, i), now) ? 1 : 0;
            if (i % 200 == 0) {
                raised += table.admits(t, SID, from(2, i), now) ? 1 : 0;
            }
        }
        // Each source's first match opens its window (t=0); a match more than 60 s later opens
        // the next: 10.0.0.1 alerts at 0 s and 60.01 s, 10.0.0.2 at 0 s and 62 s.
        assertEquals(4, raised);
        assertEquals(10_050 - 4, table.heldBack(Threshold.Type.LIMIT));
        assertEquals(2, table.size(), "one count per source, whatever the destinations");
    }

    @Test
    void limitLetsTheFirstCountMatchesOfEachWindowThrough() {
        Threshold t = t(Threshold.Type.LIMIT, Threshold.Track.BY_SRC, 3, 10);
        // One match a second: the window of the first is [0 s, 10 s], as Suricata's ts <= start + seconds.
        assertEquals(List.of(1, 2, 3, 12, 13, 14), alerting(t, 20, T0, 1, 1));
    }

    @Test
    void thresholdAlertsOnEveryCountthMatchOfAWindow() {
        Threshold t = t(Threshold.Type.THRESHOLD, Threshold.Track.BY_SRC, 3, 60);
        assertEquals(List.of(3, 6, 9), alerting(t, 10, T0, 1, 1));
        assertEquals(7, table.heldBack(Threshold.Type.THRESHOLD));
        // The window passed: the count starts again from this match.
        assertEquals(List.of(3), alerting(t, 3, T0 + 3600 * SECOND, 1, 1));
        // Matches further apart than the window never add up.
        List<Integer> sparse = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            if (table.admits(t, SID, from(9, 9), T0 + i * 61 * SECOND)) {
                sparse.add(i);
            }
        }
        assertEquals(List.of(), sparse);
    }

    @Test
    void thresholdOfOneAlertsEveryMatchAndKeepsNothing() {
        Threshold t = t(Threshold.Type.THRESHOLD, Threshold.Track.BY_SRC, 1, 60);
        assertEquals(List.of(1, 2, 3, 4, 5), alerting(t, 5, T0, 1, 1));
        assertEquals(0, table.size());
    }

    @Test
    void bothAlertsOnceAtTheCountthMatchOfAWindow() {
        Threshold t = t(Threshold.Type.BOTH, Threshold.Track.BY_SRC, 3, 60);
        assertEquals(List.of(3), alerting(t, 30, T0, 1, 1));
        // The next window, opened past the first's 60 s, alerts at its own third match.
        assertEquals(List.of(3), alerting(t, 30, T0 + 120 * SECOND, 1, 1));
        Threshold once = t(Threshold.Type.BOTH, Threshold.Track.BY_SRC, 1, 10);
        assertEquals(List.of(1, 12), alerting(once, 20, T0, 2, 1), "count 1: the first of each window");
    }

    @Test
    void detectionFilterAlertsOnEveryMatchAfterTheCountth() {
        Threshold t = t(Threshold.Type.DETECTION_FILTER, Threshold.Track.BY_SRC, 4, 60);
        assertEquals(List.of(5, 6, 7, 8), alerting(t, 8, T0, 1, 1));
        assertEquals(4, table.heldBack(Threshold.Type.DETECTION_FILTER));
        // Within a window of 10 s, one match every second: matches 1 to 11 are one window.
        Threshold short_ = t(Threshold.Type.DETECTION_FILTER, Threshold.Track.BY_SRC, 2, 10);
        assertEquals(List.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 16), alerting(short_, 16, T0, 2, 1));
    }

    @Test
    void eachTrackCountsItsOwnKey() {
        Threshold bySrc = t(Threshold.Type.LIMIT, Threshold.Track.BY_SRC, 1, 60);
        Threshold byDst = t(Threshold.Type.LIMIT, Threshold.Track.BY_DST, 1, 60);
        Threshold byRule = t(Threshold.Type.LIMIT, Threshold.Track.BY_RULE, 1, 60);
        Threshold byBoth = t(Threshold.Type.LIMIT, Threshold.Track.BY_BOTH, 1, 60);
        assertTrue(table.admits(byDst, 1, from(1, 1), T0));
        assertTrue(table.admits(byDst, 1, from(2, 2), T0), "another destination");
        assertFalse(table.admits(byDst, 1, from(3, 1), T0), "the first destination again, from elsewhere");

        assertTrue(table.admits(byRule, 2, from(1, 1), T0));
        assertFalse(table.admits(byRule, 2, from(2, 2), T0), "by_rule: whatever the addresses");
        assertTrue(table.admits(byRule, 3, from(2, 2), T0), "another rule counts apart");

        // by_both: one count for the pair, whichever of the two sent.
        MatchContext there = from(1, 2);
        MatchContext back = new MatchContext();
        back.srcLo = there.dstLo;
        back.dstLo = there.srcLo;
        assertTrue(table.admits(byBoth, 4, there, T0));
        assertFalse(table.admits(byBoth, 4, back, T0), "the reply between the same two addresses");
        assertTrue(table.admits(byBoth, 4, from(1, 3), T0), "another pair");

        // IPv6 addresses are kept whole: two sources that differ in the high half only are apart.
        MatchContext v6a = new MatchContext();
        v6a.srcHi = 0x2001_0db8_0000_0001L;
        v6a.srcLo = 7;
        MatchContext v6b = new MatchContext();
        v6b.srcHi = 0x2001_0db8_0000_0002L;
        v6b.srcLo = 7;
        assertTrue(table.admits(bySrc, 5, v6a, T0));
        assertTrue(table.admits(bySrc, 5, v6b, T0));
        assertFalse(table.admits(bySrc, 5, v6a, T0 + SECOND));
    }

    @Test
    void aChangedThresholdStartsItsCountAgainAndAnUnchangedOneCountsOn() {
        Threshold limit = t(Threshold.Type.LIMIT, Threshold.Track.BY_SRC, 1, 60);
        assertTrue(table.admits(limit, SID, from(1, 1), T0));
        assertFalse(table.admits(limit, SID, from(1, 1), T0 + SECOND));
        // An equal threshold (a reload that left it as it was) counts on.
        assertFalse(table.admits(t(Threshold.Type.LIMIT, Threshold.Track.BY_SRC, 1, 60), SID, from(1, 1),
                T0 + 2 * SECOND));
        // Another count for the same rule and source: the window opens again with this match.
        assertTrue(table.admits(t(Threshold.Type.LIMIT, Threshold.Track.BY_SRC, 2, 60), SID, from(1, 1),
                T0 + 3 * SECOND));
        assertEquals(1, table.size());
    }

    @Test
    void theTableStaysWithinItsBoundUnderManySourcesAndCountsWhatItForgets() {
        ThresholdTable small = new ThresholdTable(100);
        Threshold t = t(Threshold.Type.LIMIT, Threshold.Track.BY_SRC, 1, 60);
        int raised = 0;
        // 100,000 sources in 10 s: every window still open, so each new source evicts one.
        for (int i = 0; i < 100_000; i++) {
            raised += small.admits(t, SID, from(i, 1), T0 + i * (SECOND / 10_000)) ? 1 : 0;
            assertTrue(small.size() <= 100);
        }
        assertEquals(100, small.size());
        assertEquals(100_000 - 100, small.evictions());
        assertEquals(100_000, raised, "each source's first match alerts");
        // The last 100 sources are still counted: their second match is held back.
        assertFalse(small.admits(t, SID, from(99_999, 1), T0 + 11 * SECOND));
        // A source forgotten to make room starts again: under limit, its next match alerts.
        assertTrue(small.admits(t, SID, from(0, 1), T0 + 11 * SECOND));

        // Once the windows have passed, new sources take the places of passed ones, uncounted.
        long evicted = small.evictions();
        for (int i = 0; i < 50; i++) {
            assertTrue(small.admits(t, SID, from(200_000 + i, 1), T0 + 3600 * SECOND));
        }
        assertEquals(evicted, small.evictions(), "a passed window holds nothing: making room from it loses nothing");
        assertEquals(100, small.size());
    }

    @Test
    void capturesWhoseClockJumpsOrStepsBackNeverThrowOrOverflow() {
        Threshold t = t(Threshold.Type.LIMIT, Threshold.Track.BY_SRC, 1, Threshold.MAX_SECONDS);
        assertTrue(table.admits(t, SID, from(1, 1), Long.MAX_VALUE));
        assertFalse(table.admits(t, SID, from(1, 1), Long.MAX_VALUE), "same instant");
        assertFalse(table.admits(t, SID, from(1, 1), 0), "a clock stepped back stays in the window");
        assertFalse(table.admits(t, SID, from(1, 1), Long.MIN_VALUE), "decades back: still before the window's end");
        assertTrue(table.admits(t, SID, from(2, 1), Long.MIN_VALUE));
        assertTrue(table.admits(t, SID, from(2, 1), Long.MAX_VALUE), "decades after the window opened: a new one");
        assertTrue(ThresholdTable.within(T0 + 60 * SECOND, T0, 60 * SECOND), "at the window's end: within");
        assertFalse(ThresholdTable.within(T0 + 60 * SECOND + 1, T0, 60 * SECOND));
    }

    @Test
    void aBoundOutOfRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ThresholdTable(0));
        assertThrows(IllegalArgumentException.class, () -> new ThresholdTable(ThresholdTable.MAX_ENTRIES + 1));
    }
}
