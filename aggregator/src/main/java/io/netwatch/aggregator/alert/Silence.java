package io.netwatch.aggregator.alert;

import java.time.Instant;

/**
 * Mutes the alerts it matches from {@code startsAt} until {@code endsAt}; past its end it
 * does nothing, so a forgotten silence cannot hide alerts for ever.
 */
public record Silence(AlertMatcher match, Instant startsAt, Instant endsAt, String comment) {
    public Silence {
        if (endsAt == null || (startsAt != null && !endsAt.isAfter(startsAt))) {
            throw new IllegalArgumentException("a silence needs an end after its start");
        }
        comment = comment == null ? "" : comment;
    }

    public boolean mutes(AlertEvent e, long nowMillis) {
        return (startsAt == null || nowMillis >= startsAt.toEpochMilli()) && nowMillis < endsAt.toEpochMilli()
                && match.matches(e);
    }
}
