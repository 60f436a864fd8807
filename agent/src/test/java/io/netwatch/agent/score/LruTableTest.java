package io.netwatch.agent.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** A detector's bounded table: plain LRU, or the lightest of the least recently used. */
class LruTableTest {
    @Test
    void withoutAWeightTheLeastRecentlyUsedGoes() {
        LruTable<String, long[]> t = new LruTable<>(2);
        t.put("a", new long[] {9});
        t.put("b", new long[] {1});
        t.get("a");
        t.put("c", new long[] {1});
        assertNull(t.get("b"));
        assertNotNull(t.get("a"));
        assertEquals(1, t.evictions());
    }

    @Test
    void withAWeightTheLightestOfTheLeastRecentlyUsedGoesAndOfEqualOnesTheMostRecent() {
        LruTable<String, long[]> t = new LruTable<>(3, v -> v[0]);
        t.put("heavy", new long[] {5});
        t.put("light-old", new long[] {1});
        t.put("light-new", new long[] {1});
        t.put("d", new long[] {1});
        assertNotNull(t.get("heavy"), "the least recently used, but the heaviest");
        assertNotNull(t.get("light-old"));
        assertNull(t.get("light-new"), "of equally light ones, the most recently used goes");
        assertEquals(1, t.evictions());
        assertEquals(3, t.size());
    }

    @Test
    void theLightestIsLookedForOnlyAmongTheLeastRecentlyUsed() {
        LruTable<String, long[]> t = new LruTable<>(LruTable.SAMPLE + 1, v -> v[0]);
        for (int i = 0; i < LruTable.SAMPLE; i++) {
            t.put("old" + i, new long[] {2});
        }
        t.put("recent-and-light", new long[] {0});
        t.put("new", new long[] {3});
        assertNotNull(t.get("recent-and-light"), "past the sample: not looked at");
        assertNull(t.get("old" + (LruTable.SAMPLE - 1)));
    }
}
