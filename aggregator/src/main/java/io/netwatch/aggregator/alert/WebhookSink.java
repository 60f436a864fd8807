package io.netwatch.aggregator.alert;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Generic webhook: the notification as JSON, POSTed with {@code X-Netwatch-Timestamp} (Unix
 * seconds) and {@code X-Netwatch-Signature} (hex HMAC-SHA256 with the shared secret over
 * the timestamp, ".", and the body), so the receiver can check it came from us and refuse
 * replays of old requests. Signed afresh on every attempt.
 */
final class WebhookSink implements AlertSink {
    static final String SIGNATURE = "X-Netwatch-Signature";
    static final String TIMESTAMP = "X-Netwatch-Timestamp";

    private final HttpPoster http;
    private final URI url;
    private final byte[] secret;
    private final Clock clock;

    WebhookSink(HttpPoster http, URI url, byte[] secret, Clock clock) {
        this.http = http;
        this.url = url;
        this.secret = secret.clone();
        this.clock = clock;
    }

    @Override
    public String type() {
        return "webhook";
    }

    @Override
    public Delivery send(Notification n, Duration timeout) throws InterruptedException {
        String body = AlertJson.write(body(n));
        String ts = Long.toString(clock.instant().getEpochSecond());
        return http.post(url, Map.of("Content-Type", "application/json", "User-Agent", "netwatch-aggregator",
                TIMESTAMP, ts, SIGNATURE, sign(secret, ts, body)), body, timeout);
    }

    static ObjectNode body(Notification n) {
        ObjectNode o = AlertJson.object();
        o.put("version", "1");
        o.put("status", n.status().word());
        o.put("receiver", n.receiver());
        o.put("group_key", n.groupKey());
        o.put("dedup_key", n.dedupKey());
        o.put("title", n.title());
        o.put("sent_at", AlertJson.time(n.at()));
        ObjectNode labels = o.putObject("group_labels");
        n.groupLabels().forEach(labels::put);
        ArrayNode alerts = o.putArray("alerts");
        n.alerts().forEach(a -> alerts.add(AlertJson.alert(a)));
        return o;
    }

    /** Hex HMAC-SHA256 of {@code timestamp + "." + body}: what a receiver recomputes. */
    static String sign(byte[] secret, String timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(timestamp.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) '.');
            return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }
}
