package io.netwatch.agent.inspect;

import java.util.Arrays;

/**
 * Per-flow inspection state by flow-table slot. Slots are small dense integers bounded by the
 * flow table's size, so this is an array indexed by slot, grown by doubling to the highest slot
 * seen: a lookup on every packet is one bounds check and one load, with no hashing or probing
 * (it was an open-addressing map, which cost about a tenth of the inspection stage's time).
 * At the default flow-table bound of 262,144 the array is at most 1 MiB of references.
 *
 * @param <V> the state
 */
final class SlotMap<V> {
    private Object[] values = new Object[64];
    private int size;

    @SuppressWarnings("unchecked")
    V get(int slot) {
        Object[] v = values;
        return slot >= 0 && slot < v.length ? (V) v[slot] : null;
    }

    void put(int slot, V value) {
        if (slot < 0 || value == null) {
            throw new IllegalArgumentException("slot " + slot + " and a value are needed");
        }
        if (slot >= values.length) {
            values = Arrays.copyOf(values, Math.max(values.length * 2, Integer.highestOneBit(slot) << 1));
        }
        if (values[slot] == null) {
            size++;
        }
        values[slot] = value;
    }

    void remove(int slot) {
        if (slot >= 0 && slot < values.length && values[slot] != null) {
            values[slot] = null;
            size--;
        }
    }

    int size() {
        return size;
    }

    /** One past the highest slot the array can hold now: every value is at a slot below it. */
    int span() {
        return values.length;
    }
}
