package io.netwatch.agent.flow;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The slot store against a plain map: random inserts, lookups and removals must agree. */
class FlowSlotsTest {
    private record Key(long aLo, int ports) {
    }

    private static int hash(Key k) {
        return FlowSlots.hash(6, 0, k.aLo(), 0, 7, k.ports(), 0, 0);
    }

    private static int find(FlowSlots s, Key k) {
        return s.find(hash(k), 6, 0, k.aLo(), 0, 7, k.ports(), 0, 0);
    }

    @Test
    void randomInsertsAndRemovalsAgreeWithAMap() {
        FlowSlots s = new FlowSlots(50_000);
        Map<Key, Integer> model = new HashMap<>();
        List<Key> keys = new ArrayList<>();
        Random r = new Random(7);
        for (int op = 0; op < 400_000; op++) {
            // Few distinct keys, so removals and reinsertions collide in the index often.
            Key k = new Key(r.nextInt(20_000), r.nextInt(4));
            Integer slot = model.get(k);
            assertEquals(slot == null ? -1 : slot, find(s, k), "lookup " + op);
            if (slot == null) {
                if (!s.full()) {
                    int got = s.insert(hash(k), 6, 0, k.aLo(), 0, 7, k.ports(), 0, 0);
                    model.put(k, got);
                    keys.add(k);
                }
            } else if (r.nextBoolean()) {
                s.remove(slot);
                model.remove(k);
            }
        }
        assertEquals(model.size(), s.used());
        for (Key k : keys) {
            Integer slot = model.get(k);
            assertEquals(slot == null ? -1 : slot, find(s, k));
        }
        assertTrue(s.highWater() <= 50_000, "freed slots are reused");
    }

    @Test
    void slotsReleasedWithoutTheIndexAreGoneOnceItIsRebuilt() {
        FlowSlots s = new FlowSlots(50_000);
        Map<Key, Integer> model = new HashMap<>();
        Random r = new Random(11);
        for (int i = 0; i < 30_000; i++) {
            Key k = new Key(i, r.nextInt(4));
            model.put(k, s.insert(hash(k), 6, 0, k.aLo(), 0, 7, k.ports(), 0, 0));
        }
        List<Key> released = new ArrayList<>();
        for (Key k : List.copyOf(model.keySet())) {
            if (r.nextInt(3) > 0) {
                s.releaseUnindexed(model.remove(k));
                released.add(k);
            }
        }
        s.reindex();
        assertEquals(model.size(), s.used());
        for (Key k : released) {
            assertEquals(-1, find(s, k), "released " + k);
        }
        model.forEach((k, slot) -> assertEquals(slot, find(s, k), "kept " + k));
        // The freed slots are handed out again before the table grows past them.
        int high = s.highWater();
        for (Key k : released) {
            s.insert(hash(k), 6, 0, k.aLo(), 0, 7, k.ports(), 0, 0);
        }
        assertEquals(high, s.highWater());
        assertEquals(30_000, s.used());
        for (Key k : released) {
            assertTrue(find(s, k) >= 0, "reinserted " + k);
        }
    }

    @Test
    void anEmptiedStoreStartsOver() {
        FlowSlots s = new FlowSlots(100);
        for (int i = 0; i < 100; i++) {
            s.insert(hash(new Key(i, 0)), 6, 0, i, 0, 7, 0, 0, 0);
        }
        for (int slot = 0; slot < 100; slot++) {
            s.releaseUnindexed(slot);
        }
        s.reindex();
        assertEquals(0, s.used());
        assertEquals(0, s.highWater());
        assertEquals(-1, find(s, new Key(5, 0)));
        int slot = s.insert(hash(new Key(5, 0)), 6, 0, 5, 0, 7, 0, 0, 0);
        assertEquals(slot, find(s, new Key(5, 0)));
    }

    @Test
    void theStoreIsBounded() {
        FlowSlots s = new FlowSlots(3);
        for (int i = 0; i < 3; i++) {
            s.insert(hash(new Key(i, 0)), 6, 0, i, 0, 7, 0, 0, 0);
        }
        assertTrue(s.full());
        assertThrows(IllegalStateException.class, () -> s.insert(hash(new Key(9, 0)), 6, 0, 9, 0, 7, 0, 0, 0));
    }
}
