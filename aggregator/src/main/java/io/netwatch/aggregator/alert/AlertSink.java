package io.netwatch.aggregator.alert;

import java.time.Duration;

/**
 * One receiving service: turns a notification into that service's documented request and
 * makes one attempt. Retries, backoff, queueing and counting are {@link SinkQueue}'s.
 */
public interface AlertSink {
    /** "webhook", "slack", "pagerduty", "opsgenie", "alertmanager", "kubernetes_events". */
    String type();

    /** One attempt, within {@code timeout}; never throws for a failure of the service. */
    Delivery send(Notification n, Duration timeout) throws InterruptedException;
}
