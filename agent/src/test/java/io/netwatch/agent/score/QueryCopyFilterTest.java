package io.netwatch.agent.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** One DNS query seen on two paths within the window is one query; anything else is another. */
class QueryCopyFilterTest {
    private static final long T = 1_700_000_000_000_000_000L;

    private static long key(int qtype, String name) {
        return QueryCopyFilter.key(qtype, name);
    }

    @Test
    void aCopyWithinTheWindowEitherSideIsACopy() {
        QueryCopyFilter f = new QueryCopyFilter();
        long k = key(16, "a.tunnel.example");
        assertFalse(f.seenBefore(k, T));
        assertTrue(f.seenBefore(k, T + QueryCopyFilter.WINDOW_NANOS), "forwarded upstream, stamped later");
        assertTrue(f.seenBefore(k, T - 1000), "stamped earlier by its own interface");
        assertEquals(2, f.copies(), "a third interface's copy too");
        assertFalse(f.seenBefore(k, T + 2 * QueryCopyFilter.WINDOW_NANOS), "a retry, a window later, counts");
        assertEquals(2, f.copies());
    }

    @Test
    void theQuestionsTypeAndNameTellQueriesApart() {
        long k = key(16, "a.tunnel.example");
        assertEquals(k, key(16, "a.tunnel.example"));
        assertNotEquals(k, key(1, "a.tunnel.example"));
        assertNotEquals(k, key(16, "b.tunnel.example"));
        QueryCopyFilter f = new QueryCopyFilter();
        assertFalse(f.seenBefore(k, T));
        assertFalse(f.seenBefore(key(16, "b.tunnel.example"), T), "the next query");
    }

    @Test
    void aQueryPushedOutWithinItsWindowIsCounted() {
        QueryCopyFilter f = new QueryCopyFilter();
        // Two keys of one slot: the second pushes the first out while it may still have a copy to come.
        long a = 5;
        long b = 5 + QueryCopyFilter.ENTRIES;
        assertFalse(f.seenBefore(a, T));
        assertFalse(f.seenBefore(b, T + 1));
        assertEquals(1, f.overwrites());
        assertFalse(f.seenBefore(a, T + 2), "its copy is counted again, as without the filter");
        assertFalse(f.seenBefore(b, T + 3 * QueryCopyFilter.WINDOW_NANOS), "a slot past its window is free");
        assertEquals(2, f.overwrites());
    }
}
