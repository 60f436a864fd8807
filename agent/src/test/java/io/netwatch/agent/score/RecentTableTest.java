package io.netwatch.agent.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RecentTableTest {
    @Test
    void aKeyIsNewOnceAndZeroIsAKeyLikeAnyOther() {
        RecentTable<Void> keys = RecentTable.set(10);
        assertTrue(keys.add(42));
        assertFalse(keys.add(42));
        assertTrue(keys.add(0));
        assertFalse(keys.add(0));
        assertTrue(keys.contains(0));
        assertFalse(keys.contains(7));
        assertEquals(2, keys.size());
        assertThrows(IllegalArgumentException.class, () -> RecentTable.set(0));
    }

    @Test
    void fullItForgetsOneKeyPerNewKeyAndCountsIt() {
        RecentTable<Void> keys = RecentTable.set(300);
        for (long k = 1; k <= 20_000; k++) {
            keys.add(RecentTable.hash(k, 0, 0, 0, 0));
        }
        assertEquals(300, keys.size());
        assertEquals(20_000 - 300, keys.evictions());
    }

    @Test
    void everyKeyItHoldsIsFoundAfterHeavyChurn() {
        // Forgetting empties a slot in the middle of probe runs: the keys after it must move
        // back, or lookups stop short and the set both loses keys and holds them twice.
        RecentTable<Void> keys = RecentTable.set(1000);
        SplittableRandom random = new SplittableRandom(5);
        List<Long> added = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            // 3,000 distinct keys through a set of 1,000: a forgotten key every other add.
            long k = random.nextLong(3_000) << 40;
            keys.add(k);
            added.add(k);
        }
        long found = added.stream().distinct().filter(keys::contains).count();
        assertEquals(keys.size(), found, "every key it holds is found, and none twice");
        assertEquals(1000, keys.size());
    }

    @Test
    void keysSeenLatelyAreKept() {
        RecentTable<Void> keys = RecentTable.set(1024);
        long hot = RecentTable.hash(1, 2, 3, 4, 5);
        for (long k = 0; k < 100_000; k++) {
            keys.add(RecentTable.hash(k, 7, 7, 7, 7));
            if (k % 100 == 0) {
                assertFalse(keys.add(hot) && k > 0, "a key seen every 100 adds is never forgotten");
            }
        }
        for (long k = 100_000 - 50; k < 100_000; k++) {
            assertTrue(keys.contains(RecentTable.hash(k, 7, 7, 7, 7)), "the newest keys are all there");
        }
    }

    @Test
    void aMapKeepsEachKeysValueThroughTheMovesThatForgettingMakes() {
        RecentTable<String> table = RecentTable.map(500);
        SplittableRandom random = new SplittableRandom(9);
        java.util.Map<Long, String> last = new java.util.HashMap<>();
        for (int i = 0; i < 20_000; i++) {
            long k = random.nextLong(1_500);
            String v = table.get(k);
            if (v == null) {
                v = "value of " + k + " #" + i;
                table.put(k, v);
                last.put(k, v);
            } else {
                assertEquals(last.get(k), v, "a key's value is the one put with it");
            }
        }
        assertEquals(500, table.size());
        assertThrows(IllegalStateException.class, () -> {
            long present = last.keySet().stream().filter(table::contains).findFirst().orElseThrow();
            table.put(present, "again");
        });
    }

    @Test
    void keysCraftedToShareAPlaceInOneTableDoNotInAnother() {
        // The keys hash what a pod controls (its destinations and ports), and the hash is
        // public: without a seed of each table's own, a pod could search for contacts whose
        // keys share a place, and every lookup would walk them all.
        RecentTable<Void> known = RecentTable.set(300, 0x5EED);
        List<Long> crafted = new ArrayList<>();
        for (long i = 0; crafted.size() < 250; i++) {
            long k = RecentTable.hash(0x0A00_0042L, 0, 0x0A01_0000L + i, 0, 443);
            if (known.place(k) == 0) {
                crafted.add(k);
            }
        }
        RecentTable<Void> own = RecentTable.set(300);
        for (long k : crafted) {
            known.add(k);
            own.add(k);
        }
        assertTrue(known.longestRun() >= 250, "under the seed they were crafted for, one run: " + known.longestRun());
        assertTrue(own.longestRun() < 60, "under another, scattered: " + own.longestRun());
    }
}
