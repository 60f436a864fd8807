package io.netwatch.aggregator.alert;

import java.time.Duration;

/**
 * How one receiver delivers: per attempt timeout, retries with exponential backoff and
 * jitter, a bounded queue, and a rate limit on firing notifications.
 *
 * @param timeout    one attempt's deadline (connect and response)
 * @param retries    attempts after the first one; 0 for none
 * @param backoff    delay before the first retry; doubles per retry, with jitter
 * @param maxBackoff longest delay between attempts, and longest Retry-After honoured
 * @param queueSize  notifications waiting; when full, new ones are dropped and counted
 * @param rateCount  firing notifications allowed per {@code ratePer}; 0 for no limit
 */
public record DeliveryPolicy(Duration timeout, int retries, Duration backoff, Duration maxBackoff, int queueSize,
                             int rateCount, Duration ratePer) {
    public static final DeliveryPolicy DEFAULTS = new DeliveryPolicy(Duration.ofSeconds(10), 5,
            Duration.ofMillis(500), Duration.ofSeconds(60), 1000, 0, Duration.ofMinutes(1));

    public DeliveryPolicy {
        if (timeout.isZero() || timeout.isNegative() || retries < 0 || backoff.isNegative()
                || maxBackoff.compareTo(backoff) < 0 || queueSize < 1 || rateCount < 0 || ratePer.isZero()
                || ratePer.isNegative()) {
            throw new IllegalArgumentException("bad delivery policy " + timeout + " " + retries + " " + backoff
                    + " " + maxBackoff + " " + queueSize + " " + rateCount + "/" + ratePer);
        }
    }
}
