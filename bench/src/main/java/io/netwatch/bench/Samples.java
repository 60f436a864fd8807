package io.netwatch.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Timings of repeated runs of one measurement, in nanoseconds; reports the median. */
final class Samples {
    private final List<Long> nanos = new ArrayList<>();

    void add(long elapsedNanos) {
        nanos.add(elapsedNanos);
    }

    boolean isEmpty() {
        return nanos.isEmpty();
    }

    int count() {
        return nanos.size();
    }

    /** The latest run, seconds. */
    double lastSeconds() {
        return nanos.get(nanos.size() - 1) / 1e9;
    }

    /** The median (the lower middle one for an even count), nanoseconds. */
    long median() {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        return sorted.get((sorted.size() - 1) / 2);
    }

    /** Every run in seconds, in run order: "1.234 1.198 ...". */
    String runs() {
        return nanos.stream().map(n -> String.format(Locale.ROOT, "%.3f", n / 1e9)).collect(Collectors.joining(" "));
    }

    /** Packets per second at the median time. */
    static double pps(long packets, long nanos) {
        return nanos <= 0 ? 0 : packets * 1e9 / nanos;
    }
}
