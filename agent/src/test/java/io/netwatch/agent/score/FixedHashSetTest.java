package io.netwatch.agent.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FixedHashSetTest {
    @Test
    void startsSmallAndGrowsToTwiceTheCapacityKeepingEveryMember() {
        FixedHashSet set = new FixedHashSet(256);
        assertEquals(FixedHashSet.INITIAL_SLOTS, set.tableSize(), "a new set holds a small table");
        SplittableRandom random = new SplittableRandom(7);
        long[] members = new long[256];
        for (int i = 0; i < members.length; i++) {
            members[i] = random.nextLong();
            assertTrue(set.add(members[i]), "member " + i + " is new");
        }
        assertEquals(512, set.tableSize(), "at capacity the table is twice the capacity");
        for (long m : members) {
            assertFalse(set.add(m), "a member kept through the growths is found again");
        }
        assertEquals(256, set.size());
        assertFalse(set.saturated());
        assertFalse(set.add(random.nextLong()), "past the capacity a new member is not kept");
        assertTrue(set.saturated());
        assertEquals(512, set.tableSize(), "and the table does not grow past its bound");
        assertEquals(FixedHashSet.Offer.PRESENT, set.offer(members[17]), "a full set still finds its members");
        assertEquals(FixedHashSet.Offer.TURNED_AWAY, set.offer(random.nextLong()), "and tells a new one apart");
    }

    @Test
    void aFewMembersKeepTheTableSmall() {
        FixedHashSet set = new FixedHashSet(256);
        for (long h = 1; h <= 4; h++) {
            set.add(h * 0x9E3779B97F4A7C15L);
        }
        assertEquals(FixedHashSet.INITIAL_SLOTS, set.tableSize());
        set.add(5 * 0x9E3779B97F4A7C15L);
        assertEquals(2 * FixedHashSet.INITIAL_SLOTS, set.tableSize(), "more than half full doubles the table");
    }

    @Test
    void clearEmptiesTheSetAndZeroIsAMember() {
        FixedHashSet set = new FixedHashSet(2);
        assertTrue(set.add(0));
        assertFalse(set.add(1), "0 is read as 1");
        assertTrue(set.add(2));
        assertFalse(set.add(3));
        assertTrue(set.saturated());
        set.clear();
        assertEquals(0, set.size());
        assertFalse(set.saturated());
        assertTrue(set.add(3));
    }
}
