package io.netwatch.aggregator.query;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;

/**
 * A query's since or until as nanoseconds since the epoch, as the stored records keep time.
 * Any valid timestamp is accepted (years 1 to 9999): one outside what nanoseconds hold
 * (before 1677 or after 2262) saturates, so it still means "from the beginning" or "to the
 * end" instead of failing the call. An invalid one is the caller's mistake, named.
 */
final class QueryTime {
    private QueryTime() {
    }

    static long nanos(Timestamp t, String field) {
        if (!Timestamps.isValid(t)) {
            throw new IllegalArgumentException(field + " is not a valid timestamp (years 1 to 9999, nanos 0 to 999999999): "
                    + t.getSeconds() + "s " + t.getNanos() + "ns");
        }
        return saturated(t);
    }

    /**
     * Refuses a range with nothing in it: since inclusive, until exclusive, so since must come
     * first. Compared as given, not as nanoseconds, which saturate: 2300 to 2400 is a range.
     */
    static void ordered(boolean hasSince, Timestamp since, boolean hasUntil, Timestamp until) {
        if (hasSince && hasUntil && Timestamps.compare(since, until) >= 0) {
            throw new IllegalArgumentException("since (" + Timestamps.toString(since) + ") must be before until ("
                    + Timestamps.toString(until) + "): nothing can be in between");
        }
    }

    /**
     * A stored record's time as nanoseconds, never failing: the record came from an agent, and
     * one with an absurd time must not make every query that meets it fail.
     */
    static long saturated(Timestamp t) {
        long s = t.getSeconds();
        if (s >= Long.MAX_VALUE / 1_000_000_000L) {
            return Long.MAX_VALUE;
        }
        if (s <= Long.MIN_VALUE / 1_000_000_000L) {
            return Long.MIN_VALUE;
        }
        return s * 1_000_000_000L + Math.clamp(t.getNanos(), 0, 999_999_999);
    }
}
