package io.netwatch.aggregator.alert;

import io.netwatch.aggregator.security.Sha256;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a receiver is asked to send: one group's alerts at one moment. Firing while any of
 * them fires; resolved when all have (the resolve notice).
 *
 * @param receiver    name of the receiver
 * @param groupKey    the route and the values of its group_by labels; stable for the group's life
 * @param groupLabels the group_by labels and their values
 * @param alerts      the group's alerts, firing and just resolved
 * @param at          when the router made it
 * @param replaced    alerts of this notification as the group last told them, where they changed
 *                    since (a risen severity, a new type): a sink that knows an alert by such
 *                    values (Alertmanager, by its labels) closes the old ones
 */
public record Notification(String receiver, String groupKey, Map<String, String> groupLabels,
                           AlertEvent.State status, List<AlertEvent> alerts, Instant at, List<AlertEvent> replaced) {
    public Notification {
        groupLabels = Map.copyOf(groupLabels);
        alerts = List.copyOf(alerts);
        replaced = List.copyOf(replaced);
        if (alerts.isEmpty()) {
            throw new IllegalArgumentException("a notification carries at least one alert");
        }
    }

    /** One that replaces nothing told before. */
    public Notification(String receiver, String groupKey, Map<String, String> groupLabels, AlertEvent.State status,
                        List<AlertEvent> alerts, Instant at) {
        this(receiver, groupKey, groupLabels, status, alerts, at, List.of());
    }

    /**
     * Stable identity of the group at this receiver (40 hex digits): PagerDuty's dedup_key,
     * Opsgenie's alias, so a resolve closes what the trigger opened.
     */
    public String dedupKey() {
        return Sha256.hex("netwatch\n" + receiver + "\n" + groupKey).substring(0, 40);
    }

    public List<AlertEvent> firing() {
        return alerts.stream().filter(a -> a.state() == AlertEvent.State.FIRING).toList();
    }

    /** The most severe alert, for sinks that take one title and one severity. */
    public AlertEvent lead() {
        AlertEvent lead = alerts.getFirst();
        for (AlertEvent a : alerts) {
            if (a.severity().getNumber() > lead.severity().getNumber()) {
                lead = a;
            }
        }
        return lead;
    }

    /** One line: the lead alert's title and how many more there are. */
    public String title() {
        String more = alerts.size() > 1 ? " (+" + (alerts.size() - 1) + " more)" : "";
        return (status == AlertEvent.State.RESOLVED ? "[RESOLVED] " : "") + lead().title() + more;
    }
}
