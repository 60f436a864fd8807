package io.netwatch.aggregator.alert;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Slack incoming webhook: a Block Kit message (header, summary, fields, a button back to the
 * incident) with {@code text} as the notification fallback, POSTed as JSON to the webhook
 * URL (which is the secret). Texts are cut to Slack's limits (header 150 characters, section
 * text 3000, at most 10 fields of 2000) so a long summary never gets the message refused.
 */
final class SlackSink implements AlertSink {
    static final int HEADER_MAX = 150;
    static final int SECTION_MAX = 3000;
    static final int FIELD_MAX = 2000;
    /** Alerts listed in one message; the rest are counted in a context line. */
    static final int LISTED_MAX = 10;

    private final HttpPoster http;
    private final URI url;

    SlackSink(HttpPoster http, URI url) {
        this.http = http;
        this.url = url;
    }

    @Override
    public String type() {
        return "slack";
    }

    @Override
    public Delivery send(Notification n, Duration timeout) throws InterruptedException {
        return http.post(url, Map.of("Content-Type", "application/json; charset=utf-8"),
                AlertJson.write(message(n)), timeout);
    }

    static ObjectNode message(Notification n) {
        AlertEvent lead = n.lead();
        ObjectNode m = AlertJson.object();
        // The notification a phone shows is mrkdwn too: an agent's "<!channel>" would page everyone.
        m.put("text", escaped(n.title() + ": " + lead.summary(), SECTION_MAX));
        ArrayNode blocks = m.putArray("blocks");
        ObjectNode header = blocks.addObject();
        header.put("type", "header");
        plain(header.putObject("text"), AlertJson.truncate((n.status() == AlertEvent.State.FIRING ? "🔴 " : "✅ ")
                + n.title(), HEADER_MAX));
        ObjectNode summary = blocks.addObject();
        summary.put("type", "section");
        mrkdwn(summary.putObject("text"), escaped(lead.summary(), SECTION_MAX));
        ArrayNode fields = summary.putArray("fields");
        field(fields, "Severity", lead.severityName());
        field(fields, "Status", n.status().word());
        field(fields, "Namespace", lead.namespace().isEmpty() ? "-" : lead.namespace());
        field(fields, "Workload", lead.workload().isEmpty() ? lead.actor() : lead.workload());
        field(fields, "Anomaly types", String.join(", ", lead.types()));
        field(fields, "Nodes", lead.nodes().isEmpty() ? "-" : String.join(", ", lead.nodes()));
        if (n.alerts().size() > 1) {
            StringBuilder list = new StringBuilder();
            int listed = 0;
            for (AlertEvent a : n.alerts()) {
                if (listed++ == LISTED_MAX) {
                    list.append("… and ").append(n.alerts().size() - LISTED_MAX).append(" more\n");
                    break;
                }
                list.append("• ").append(a.state() == AlertEvent.State.FIRING ? "" : "(resolved) ")
                        .append(escape(a.title())).append('\n');
            }
            ObjectNode more = blocks.addObject();
            more.put("type", "section");
            mrkdwn(more.putObject("text"), cut(list.toString(), SECTION_MAX));
        }
        if (!lead.link().isEmpty()) {
            ObjectNode actions = blocks.addObject();
            actions.put("type", "actions");
            ObjectNode button = actions.putArray("elements").addObject();
            button.put("type", "button");
            plain(button.putObject("text"), "Open incident");
            button.put("url", lead.link());
            button.put("action_id", "netwatch_open_incident");
        }
        ObjectNode context = blocks.addObject();
        context.put("type", "context");
        mrkdwn(context.putArray("elements").addObject(), "netwatch · group " + n.dedupKey().substring(0, 12)
                + " · since " + AlertJson.time(lead.start()));
        return m;
    }

    private static void field(ArrayNode fields, String name, String value) {
        mrkdwn(fields.addObject(), cut("*" + name + "*\n" + escape(value), FIELD_MAX));
    }

    private static void plain(ObjectNode o, String text) {
        o.put("type", "plain_text");
        o.put("text", text);
        o.put("emoji", true);
    }

    private static void mrkdwn(ObjectNode o, String text) {
        o.put("type", "mrkdwn");
        o.put("text", text.isEmpty() ? " " : text);
    }

    /** {@code s} escaped, then cut to {@code max} characters. */
    static String escaped(String s, int max) {
        return cut(escape(s), max);
    }

    /** Escaped text cut to {@code max} characters, never inside an escape ("&am…" would show as it is). */
    private static String cut(String escaped, int max) {
        String t = AlertJson.truncate(escaped, max);
        if (t.length() == escaped.length()) {
            return t;
        }
        int amp = t.lastIndexOf('&');
        // The longest escape is "&amp;": an '&' within its last four characters may be cut short.
        if (amp >= 0 && amp >= t.length() - 5 && t.indexOf(';', amp) < 0) {
            return t.substring(0, amp) + "…";
        }
        return t;
    }

    /** Slack's three control characters in mrkdwn: &amp; &lt; &gt;. */
    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
