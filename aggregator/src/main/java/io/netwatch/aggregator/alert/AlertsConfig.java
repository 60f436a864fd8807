package io.netwatch.aggregator.alert;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The alerts file, read and checked ({@link AlertsFile}): the routing tree, the receivers
 * with their sinks built and secrets read, the silences, and how anomalies become alerts.
 *
 * @param resolveAfter an alert made from anomalies resolves after this long without one
 * @param linkTemplate URL back to an alert, {@code {key}} replaced; empty for none
 */
public record AlertsConfig(AlertRoute route, Map<String, Receiver> receivers, List<Silence> silences,
                           Duration resolveAfter, String linkTemplate) {
    /** One named receiver: its sink and how it delivers. */
    public record Receiver(String name, AlertSink sink, DeliveryPolicy delivery) {
    }

    public AlertsConfig {
        receivers = Map.copyOf(receivers);
        silences = List.copyOf(silences);
    }
}
