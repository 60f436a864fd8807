package io.netwatch.aggregator.alert;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * PagerDuty Events API v2: POST /v2/enqueue with the integration's routing_key;
 * {@code trigger} while the group fires, {@code resolve} when it resolved, both with the
 * group's stable dedup_key so the resolve closes the alert the trigger opened (and a repeat
 * updates it instead of opening another). payload.severity is one of PagerDuty's four values.
 */
final class PagerDutySink implements AlertSink {
    static final URI DEFAULT_URL = URI.create("https://events.pagerduty.com/v2/enqueue");
    static final int SUMMARY_MAX = 1024;

    private final HttpPoster http;
    private final URI url;
    private final String routingKey;

    PagerDutySink(HttpPoster http, URI url, String routingKey) {
        this.http = http;
        this.url = url;
        this.routingKey = routingKey;
    }

    @Override
    public String type() {
        return "pagerduty";
    }

    @Override
    public Delivery send(Notification n, Duration timeout) throws InterruptedException {
        return http.post(url, Map.of("Content-Type", "application/json"), AlertJson.write(event(n, routingKey)),
                timeout);
    }

    static ObjectNode event(Notification n, String routingKey) {
        ObjectNode e = AlertJson.object();
        e.put("routing_key", routingKey);
        e.put("dedup_key", n.dedupKey());
        if (n.status() == AlertEvent.State.RESOLVED) {
            e.put("event_action", "resolve");
            return e;
        }
        e.put("event_action", "trigger");
        AlertEvent lead = n.lead();
        ObjectNode p = e.putObject("payload");
        p.put("summary", AlertJson.truncate(n.title() + ": " + lead.summary(), SUMMARY_MAX));
        p.put("source", lead.actor().isEmpty() ? "netwatch" : lead.actor());
        p.put("severity", severity(lead));
        p.put("timestamp", AlertJson.time(lead.start()));
        p.put("component", lead.workload().isEmpty() ? lead.actor() : lead.workload());
        p.put("group", lead.namespace().isEmpty() ? "external" : lead.namespace());
        p.put("class", String.join(",", lead.types()));
        ObjectNode details = p.putObject("custom_details");
        details.put("alerts", n.firing().size());
        details.set("group_labels", AlertJson.MAPPER.valueToTree(n.groupLabels()));
        details.put("pods", String.join(", ", lead.pods()));
        details.put("nodes", String.join(", ", lead.nodes()));
        e.put("client", "Netwatch");
        if (!lead.link().isEmpty()) {
            e.put("client_url", lead.link());
            ObjectNode link = e.putArray("links").addObject();
            link.put("href", lead.link());
            link.put("text", "Netwatch incident");
        }
        return e;
    }

    /** PagerDuty takes critical, error, warning or info. */
    static String severity(AlertEvent a) {
        return switch (a.severity()) {
            case SEVERITY_CRITICAL -> "critical";
            case SEVERITY_HIGH -> "error";
            case SEVERITY_MEDIUM -> "warning";
            default -> "info";
        };
    }
}
