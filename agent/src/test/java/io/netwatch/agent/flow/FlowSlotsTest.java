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

    private static int hash(FlowSlots s, Key k) {
        return s.hash(6, 0, k.aLo(), 0, 7, k.ports(), 0, 0);
    }

    private static int find(FlowSlots s, Key k) {
        return s.find(hash(s, k), 6, 0, k.aLo(), 0, 7, k.ports(), 0, 0);
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
                    int got = s.insert(hash(s, k), 6, 0, k.aLo(), 0, 7, k.ports(), 0, 0);
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
            model.put(k, s.insert(hash(s, k), 6, 0, k.aLo(), 0, 7, k.ports(), 0, 0));
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
            s.insert(hash(s, k), 6, 0, k.aLo(), 0, 7, k.ports(), 0, 0);
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
            s.insert(hash(s, new Key(i, 0)), 6, 0, i, 0, 7, 0, 0, 0);
        }
        for (int slot = 0; slot < 100; slot++) {
            s.releaseUnindexed(slot);
        }
        s.reindex();
        assertEquals(0, s.used());
        assertEquals(0, s.highWater());
        assertEquals(-1, find(s, new Key(5, 0)));
        int slot = s.insert(hash(s, new Key(5, 0)), 6, 0, 5, 0, 7, 0, 0, 0);
        assertEquals(slot, find(s, new Key(5, 0)));
    }

    @Test
    void theStoreIsBounded() {
        FlowSlots s = new FlowSlots(3);
        for (int i = 0; i < 3; i++) {
            s.insert(hash(s, new Key(i, 0)), 6, 0, i, 0, 7, 0, 0, 0);
        }
        assertTrue(s.full());
        assertThrows(IllegalStateException.class, () -> s.insert(hash(s, new Key(9, 0)), 6, 0, 9, 0, 7, 0, 0, 0));
    }

    @Test
    void keysCraftedToShareAPlaceInOneTableDoNotInAnother() {
        // A pod picks its destination addresses and ports. With one hash for every table, as
        // the code is public, it could search offline for flows whose hashes share a place in
        // the index: linear probing then walks them all on each of their packets. Each table
        // now hashes under a seed of its own, which the pod does not know.
        long attacker = 0x0000_FFFF_0A00_0042L;
        FlowSlots known = new FlowSlots(1 << 20, 0x5EED);
        List<long[]> crafted = new ArrayList<>();
        for (long candidate = 0; crafted.size() < 500; candidate++) {
            long destination = 0x0000_FFFF_0A01_0000L | (candidate & 0xFFFF);
            int ports = 40000 << 16 | (int) (1 + (candidate >>> 16) % 65535);
            // The top ten bits zero: the first thousandth of the index, wherever it grows.
            if (known.hash(6, 0, attacker, 0, destination, ports, 0, 0) >>> 22 == 0) {
                crafted.add(new long[] {destination, ports});
            }
        }
        FlowSlots sameSeed = new FlowSlots(1 << 20, 0x5EED);
        FlowSlots own = new FlowSlots(1 << 20);
        for (long[] k : crafted) {
            sameSeed.insert(sameSeed.hash(6, 0, attacker, 0, k[0], (int) k[1], 0, 0), 6, 0, attacker, 0, k[0],
                    (int) k[1], 0, 0);
            own.insert(own.hash(6, 0, attacker, 0, k[0], (int) k[1], 0, 0), 6, 0, attacker, 0, k[0], (int) k[1], 0, 0);
        }
        assertTrue(sameSeed.longestRun() >= 500, "under the seed they were crafted for, one run: " + sameSeed.longestRun());
        assertTrue(own.longestRun() < 100, "under another, scattered: " + own.longestRun());
    }
}
