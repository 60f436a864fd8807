package io.netwatch.aggregator.incident;

import com.google.protobuf.Timestamp;

/** Capture times from agents' records, which may be anything: clamped, never thrown. */
final class CaptureTime {
    /** About year 2262: the range of nanoseconds since the epoch in a long. */
    private static final long MAX_SECONDS = Long.MAX_VALUE / 1_000_000_000L - 1;

    private CaptureTime() {
    }

    /** Nanoseconds since the epoch; a timestamp out of range is clamped to the range of a long. */
    static long nanos(Timestamp t) {
        long seconds = Math.max(-MAX_SECONDS, Math.min(MAX_SECONDS, t.getSeconds()));
        int nanos = Math.max(0, Math.min(999_999_999, t.getNanos()));
        return seconds * 1_000_000_000L + nanos;
    }
}
