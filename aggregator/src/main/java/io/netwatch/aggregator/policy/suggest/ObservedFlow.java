package io.netwatch.aggregator.policy.suggest;

import io.netwatch.aggregator.policy.Connection;
import java.util.Objects;

/**
 * A recorded connection with who was at each end when it started: what suggestions are made
 * from and what a simulation judges.
 *
 * @param firstSeenNanos when it started, nanoseconds since the epoch; 0 when unknown
 * @param lastSeenNanos  its last packet, nanoseconds since the epoch; 0 when unknown
 * @param established    whether it got through (a completed TCP handshake, traffic both
 *                       ways): suggestions never allow what was only attempted
 */
public record ObservedFlow(Connection connection, Party source, Party destination, long firstSeenNanos,
                           long lastSeenNanos, boolean established) {
    public ObservedFlow {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        if (firstSeenNanos < 0 || lastSeenNanos < 0) {
            throw new IllegalArgumentException("times are nanoseconds since the epoch, not negative");
        }
    }
}
