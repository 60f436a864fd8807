package io.netwatch.aggregator.alert;

import java.time.Duration;

/** How one attempt to send a notification ended. */
public sealed interface Delivery {
    /** Accepted by the receiving service. */
    record Sent() implements Delivery {
    }

    /**
     * Worth trying again (5xx, 429, timeout, connection refused).
     *
     * @param after what the service asked for (Retry-After), or null for the backoff
     */
    record Retry(Duration after, String reason) implements Delivery {
    }

    /** Refused for good (a 4xx other than 408 and 429): retrying would not help. */
    record Failed(String reason) implements Delivery {
    }

    Delivery SENT = new Sent();
}
