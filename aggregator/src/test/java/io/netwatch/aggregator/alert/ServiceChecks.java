package io.netwatch.aggregator.alert;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.databind.JsonNode;

/**
 * What each receiving service checks, written from its documentation (not from our sinks):
 * method, path, headers, required fields and their formats and limits.
 */
final class ServiceChecks {
    private ServiceChecks() {
    }

    private static boolean json(CheckingServer.Request r) {
        return r.headers().getOrDefault("content-type", "").startsWith("application/json");
    }

    private static boolean rfc3339(JsonNode n) {
        try {
            OffsetDateTime.parse(n.asString());
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean httpUrl(String s) {
        try {
            URI u = new URI(s);
            return u.getHost() != null && (u.getScheme().equals("http") || u.getScheme().equals("https"));
        } catch (Exception e) {
            return false;
        }
    }

    /** A receiver verifying the documented signature: HMAC-SHA256(secret, timestamp "." body), 5-minute window. */
    static CheckingServer.Check webhook(String secret) {
        return r -> {
            CheckingServer.Problems p = new CheckingServer.Problems();
            p.require(r.method().equals("POST"), "method " + r.method());
            p.require(r.path().equals("/hook"), "path " + r.path());
            p.require(json(r), "content-type " + r.headers().get("content-type"));
            String ts = r.headers().get("x-netwatch-timestamp");
            String sig = r.headers().get("x-netwatch-signature");
            if (ts == null || sig == null) {
                return List.of("missing X-Netwatch-Timestamp or X-Netwatch-Signature");
            }
            p.require(Math.abs(Instant.now().getEpochSecond() - Long.parseLong(ts)) <= 300, "stale timestamp " + ts);
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                byte[] want = mac.doFinal((ts + "." + r.body()).getBytes(StandardCharsets.UTF_8));
                p.require(java.security.MessageDigest.isEqual(want, HexFormat.of().parseHex(sig)), "bad signature");
            } catch (Exception e) {
                p.list.add("signature unreadable: " + e);
            }
            JsonNode b = r.json();
            p.require(Set.of("firing", "resolved").contains(b.path("status").asString()), "status");
            p.require(b.path("alerts").isArray() && !b.path("alerts").isEmpty(), "alerts");
            for (JsonNode a : b.path("alerts")) {
                p.require(!a.path("key").asString().isEmpty(), "alert key");
                p.require(rfc3339(a.path("starts_at")), "starts_at");
            }
            return p.list;
        };
    }

    /** Slack incoming webhooks: JSON with text and/or blocks within Block Kit's limits. */
    static CheckingServer.Check slack(String path) {
        return r -> {
            CheckingServer.Problems p = new CheckingServer.Problems();
            p.require(r.method().equals("POST") && r.path().equals(path), "no_service: " + r.method() + " " + r.path());
            p.require(json(r), "invalid_payload: content-type");
            JsonNode b = r.json();
            p.require(b.has("text") || b.has("blocks"), "no_text");
            p.require(b.path("blocks").size() <= 50, "invalid_blocks: more than 50");
            Set<String> types = Set.of("header", "section", "actions", "context", "divider");
            for (JsonNode block : b.path("blocks")) {
                String t = block.path("type").asString();
                p.require(types.contains(t), "invalid_blocks: type " + t);
                if (t.equals("header")) {
                    p.require(block.path("text").path("type").asString().equals("plain_text"), "header not plain_text");
                    p.require(block.path("text").path("text").asString().length() <= 150, "header over 150");
                }
                if (t.equals("section")) {
                    p.require(block.path("text").path("text").asString().length() <= 3000, "section over 3000");
                    p.require(block.path("fields").size() <= 10, "more than 10 fields");
                    for (JsonNode f : block.path("fields")) {
                        p.require(f.path("text").asString().length() <= 2000, "field over 2000");
                    }
                }
                if (t.equals("actions")) {
                    for (JsonNode e : block.path("elements")) {
                        p.require(e.path("type").asString().equals("button"), "element type");
                        p.require(e.path("text").path("text").asString().length() <= 75, "button text over 75");
                        p.require(httpUrl(e.path("url").asString()), "button url " + e.path("url"));
                    }
                }
            }
            return p.list;
        };
    }

    /** PagerDuty Events API v2 (/v2/enqueue). */
    static CheckingServer.Check pagerDuty(String routingKey) {
        return r -> {
            CheckingServer.Problems p = new CheckingServer.Problems();
            p.require(r.method().equals("POST") && r.path().equals("/v2/enqueue"), "path " + r.path());
            p.require(json(r), "content-type");
            JsonNode b = r.json();
            p.require(b.path("routing_key").asString().equals(routingKey), "Invalid routing key");
            String action = b.path("event_action").asString();
            p.require(Set.of("trigger", "acknowledge", "resolve").contains(action), "event_action " + action);
            String dedup = b.path("dedup_key").asString();
            p.require(dedup.length() <= 255, "dedup_key over 255");
            if (action.equals("trigger")) {
                JsonNode pl = b.path("payload");
                String summary = pl.path("summary").asString();
                p.require(!summary.isEmpty() && summary.length() <= 1024, "payload.summary");
                p.require(!pl.path("source").asString().isEmpty(), "payload.source");
                p.require(Set.of("critical", "error", "warning", "info").contains(pl.path("severity").asString()),
                        "payload.severity " + pl.path("severity"));
                p.require(!pl.has("timestamp") || rfc3339(pl.path("timestamp")), "payload.timestamp");
                for (JsonNode l : b.path("links")) {
                    p.require(httpUrl(l.path("href").asString()), "links.href");
                }
            } else {
                p.require(!dedup.isEmpty(), "dedup_key required for " + action);
            }
            return p.list;
        };
    }

    /** Opsgenie Alert API: create (/v2/alerts) and close by alias. */
    static CheckingServer.Check opsgenie(String apiKey) {
        return r -> {
            CheckingServer.Problems p = new CheckingServer.Problems();
            p.require(("GenieKey " + apiKey).equals(r.headers().get("authorization")), "Authorization");
            p.require(r.method().equals("POST"), "method");
            p.require(json(r), "content-type");
            JsonNode b = r.json();
            if (r.path().equals("/v2/alerts")) {
                String m = b.path("message").asString();
                p.require(!m.isEmpty() && m.length() <= 130, "message");
                p.require(b.path("alias").asString().length() <= 512, "alias over 512");
                p.require(b.path("description").asString().length() <= 15000, "description");
                p.require(!b.has("priority") || Set.of("P1", "P2", "P3", "P4", "P5")
                        .contains(b.path("priority").asString()), "priority");
                p.require(b.path("tags").size() <= 20, "tags over 20");
                for (JsonNode t : b.path("tags")) {
                    p.require(t.asString().length() <= 50, "tag over 50");
                }
            } else if (r.path().matches("/v2/alerts/[^/]+/close")) {
                p.require("identifierType=alias".equals(r.query()), "identifierType " + r.query());
            } else {
                p.list.add("no such endpoint " + r.path());
            }
            return p.list;
        };
    }

    /** Alertmanager API v2: postable alerts. */
    static CheckingServer.Check alertmanager() {
        return r -> {
            CheckingServer.Problems p = new CheckingServer.Problems();
            p.require(r.method().equals("POST") && r.path().equals("/api/v2/alerts"), "path " + r.path());
            p.require(json(r), "content-type");
            JsonNode b = r.json();
            p.require(b.isArray() && !b.isEmpty(), "body must be an array of alerts");
            for (JsonNode a : b) {
                JsonNode labels = a.path("labels");
                p.require(labels.isObject() && !labels.isEmpty(), "labels");
                p.require(labels.has("alertname"), "alertname");
                for (String name : labels.propertyNames()) {
                    p.require(name.matches("[a-zA-Z_][a-zA-Z0-9_]*"), "label name " + name);
                    p.require(labels.path(name).isString(), "label value " + name);
                }
                for (JsonNode v : a.path("annotations")) {
                    p.require(v.isString(), "annotation value");
                }
                p.require(rfc3339(a.path("startsAt")), "startsAt");
                p.require(!a.has("endsAt") || rfc3339(a.path("endsAt")), "endsAt");
                // Alert.Validate: "start time must be before end time".
                p.require(!rfc3339(a.path("startsAt")) || !rfc3339(a.path("endsAt"))
                        || !OffsetDateTime.parse(a.path("endsAt").asString())
                        .isBefore(OffsetDateTime.parse(a.path("startsAt").asString())),
                        "start time must be before end time");
                p.require(!a.has("generatorURL") || httpUrl(a.path("generatorURL").asString()), "generatorURL");
            }
            return p.list;
        };
    }
}
