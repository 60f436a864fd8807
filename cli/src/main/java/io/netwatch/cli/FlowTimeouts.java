package io.netwatch.cli;

import io.netwatch.agent.flow.FlowTableConfig;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Parses {@code --flow-timeouts syn=30s,established=5m,closed=10s,udp=1m,other=30s,active=5m}
 * over the defaults: any subset, durations as 90s, 5m, 2h, 1d or ISO-8601 (PT90S).
 */
final class FlowTimeouts {
    static final String KEYS = "syn, established, closed, udp, other, active";

    private FlowTimeouts() {
    }

    static FlowTableConfig apply(FlowTableConfig base, String spec) {
        if (spec == null || spec.isBlank()) {
            return base;
        }
        Duration syn = base.tcpSynTimeout();
        Duration established = base.tcpEstablishedTimeout();
        Duration closed = base.tcpClosedTimeout();
        Duration udp = base.udpTimeout();
        Duration other = base.otherTimeout();
        Duration active = base.activeTimeout();
        for (String part : spec.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("--flow-timeouts: '" + part + "' is not KEY=DURATION (keys: " + KEYS + ")");
            }
            Duration d = duration(kv[1].trim(), kv[0].trim());
            switch (kv[0].trim().toLowerCase(Locale.ROOT)) {
                case "syn" -> syn = d;
                case "established" -> established = d;
                case "closed" -> closed = d;
                case "udp" -> udp = d;
                case "other" -> other = d;
                case "active" -> active = d;
                default -> throw new IllegalArgumentException("--flow-timeouts: unknown key '" + kv[0].trim()
                        + "'; the keys are " + KEYS);
            }
        }
        return new FlowTableConfig(base.maxFlows(), syn, established, closed, udp, other, active);
    }

    static Duration duration(String text, String key) {
        if (text.matches("\\d+(ms|s|m|h|d)")) {
            long n = Long.parseLong(text.replaceAll("\\D", ""));
            return switch (text.replaceAll("\\d", "")) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--flow-timeouts: " + key + "='" + text + "' is not a duration like 30s, "
                    + "5m, 1h or PT30S");
        }
    }
}
