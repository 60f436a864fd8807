package io.netwatch.bench.synth;

import java.util.Arrays;

/**
 * The frames of one synthesized session with their capture times, appended in roughly
 * chronological order (a receiver's ACKs may be appended before segments sent earlier) and put
 * in order by {@link #sort()}. Mutable, single-threaded.
 */
final class SessionPackets {
    /** Capture times, nanoseconds since the Unix epoch. */
    private long[] times = new long[16];
    private byte[][] frames = new byte[16][];
    private int size;

    void add(long nanos, byte[] frame) {
        if (size == times.length) {
            times = Arrays.copyOf(times, size * 2);
            frames = Arrays.copyOf(frames, size * 2);
        }
        times[size] = nanos;
        frames[size] = frame;
        size++;
    }

    /**
     * Stable insertion sort by time: the lists are nearly sorted (an ACK is at most one round
     * trip out of place), so this is close to linear.
     */
    void sort() {
        for (int i = 1; i < size; i++) {
            long t = times[i];
            byte[] f = frames[i];
            int j = i - 1;
            while (j >= 0 && times[j] > t) {
                times[j + 1] = times[j];
                frames[j + 1] = frames[j];
                j--;
            }
            times[j + 1] = t;
            frames[j + 1] = f;
        }
    }

    int size() {
        return size;
    }

    long time(int i) {
        return times[i];
    }

    byte[] frame(int i) {
        return frames[i];
    }

    /** Lets the frames be collected once written. */
    void release(int i) {
        frames[i] = null;
    }
}
