package io.netwatch.aggregator.alert;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The JSON shapes the HTTP sinks share, written with Jackson's tree model. */
final class AlertJson {
    static final JsonMapper MAPPER = JsonMapper.builder().build();

    private AlertJson() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static String write(Object tree) {
        return MAPPER.writeValueAsString(tree);
    }

    /** RFC 3339 with millisecond precision, UTC. */
    static String time(Instant t) {
        return t.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    /** Netwatch's own view of one alert: the generic webhook's and the Slack details' source. */
    static ObjectNode alert(AlertEvent a) {
        ObjectNode o = object();
        o.put("key", a.key());
        o.put("status", a.state().word());
        o.put("title", a.title());
        o.put("summary", a.summary());
        o.put("severity", a.severityName());
        ArrayNode types = o.putArray("anomaly_types");
        a.types().forEach(types::add);
        o.put("namespace", a.namespace());
        o.put("workload", a.workload());
        ArrayNode pods = o.putArray("pods");
        a.pods().forEach(pods::add);
        ArrayNode nodes = o.putArray("nodes");
        a.nodes().forEach(nodes::add);
        o.put("actor", a.actor());
        o.put("starts_at", time(a.start()));
        if (a.end() != null) {
            o.put("ends_at", time(a.end()));
        }
        o.put("link", a.link());
        ObjectNode labels = o.putObject("labels");
        a.labels().forEach(labels::put);
        return o;
    }

    static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, Math.max(0, max - 1)) + "…";
    }
}
