package io.netwatch.agent.inspect;

import java.util.Arrays;

/**
 * Per-flow inspection state by flow-table slot: an open-addressing map from int to object,
 * without boxing, so looking a flow up allocates nothing. Holds only flows under inspection.
 *
 * @param <V> the state
 */
final class SlotMap<V> {
    private int[] keys = new int[64];
    private Object[] values = new Object[64];
    private int size;

    @SuppressWarnings("unchecked")
    V get(int slot) {
        int mask = keys.length - 1;
        for (int i = mix(slot) & mask; values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == slot) {
                return (V) values[i];
            }
        }
        return null;
    }

    void put(int slot, V value) {
        if ((size + 1) * 4 > keys.length * 3) {
            resize(keys.length * 2);
        }
        int mask = keys.length - 1;
        int i = mix(slot) & mask;
        while (values[i] != null && keys[i] != slot) {
            i = (i + 1) & mask;
        }
        if (values[i] == null) {
            size++;
        }
        keys[i] = slot;
        values[i] = value;
    }

    void remove(int slot) {
        int mask = keys.length - 1;
        int i = mix(slot) & mask;
        while (values[i] != null && keys[i] != slot) {
            i = (i + 1) & mask;
        }
        if (values[i] == null) {
            return;
        }
        values[i] = null;
        size--;
        // Re-insert the rest of the cluster (backward-shift would do too; clusters are short).
        for (int j = (i + 1) & mask; values[j] != null; j = (j + 1) & mask) {
            int k = keys[j];
            Object v = values[j];
            values[j] = null;
            size--;
            putRaw(k, v);
        }
    }

    private void putRaw(int slot, Object value) {
        int mask = keys.length - 1;
        int i = mix(slot) & mask;
        while (values[i] != null) {
            i = (i + 1) & mask;
        }
        keys[i] = slot;
        values[i] = value;
        size++;
    }

    int size() {
        return size;
    }

    private void resize(int capacity) {
        int[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new int[capacity];
        values = new Object[capacity];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != null) {
                putRaw(oldKeys[i], oldValues[i]);
            }
        }
    }

    void clear() {
        Arrays.fill(values, null);
        size = 0;
    }

    private static int mix(int x) {
        x *= 0x9E3779B9;
        return x ^ (x >>> 16);
    }
}
