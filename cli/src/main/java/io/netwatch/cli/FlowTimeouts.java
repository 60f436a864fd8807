package io.netwatch.cli;

import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.cli.config.ConfigInput;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Parses {@code --flow-timeouts syn=30s,established=5m,closed=10s,udp=1m,other=30s,active=5m}
 * over the defaults: any subset, durations as 90s, 5m, 2h, 1d or ISO-8601 (PT90S).
 */
final class FlowTimeouts {
    static final String KEYS = "syn, established, closed, udp, other, active";
    /** Each short name's key in the agent's configuration. */
    private static final Map<String, String> PATHS = Map.of("syn", "flows.timeouts.tcp_syn",
            "established", "flows.timeouts.tcp_established", "closed", "flows.timeouts.tcp_closed",
            "udp", "flows.timeouts.udp", "other", "flows.timeouts.other", "active", "flows.timeouts.active");

    private FlowTimeouts() {
    }

    static FlowTableConfig apply(FlowTableConfig base, String spec) {
        Duration syn = base.tcpSynTimeout();
        Duration established = base.tcpEstablishedTimeout();
        Duration closed = base.tcpClosedTimeout();
        Duration udp = base.udpTimeout();
        Duration other = base.otherTimeout();
        Duration active = base.activeTimeout();
        for (Map.Entry<String, String> e : parts(spec).entrySet()) {
            Duration d = duration(e.getValue(), e.getKey());
            switch (e.getKey()) {
                case "syn" -> syn = d;
                case "established" -> established = d;
                case "closed" -> closed = d;
                case "udp" -> udp = d;
                case "other" -> other = d;
                default -> active = d;
            }
        }
        try {
            return new FlowTableConfig(base.maxFlows(), syn, established, closed, udp, other, active);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--flow-timeouts " + spec + ": " + e.getMessage());
        }
    }

    /** The spec as configuration keys and their texts ({@code flows.timeouts.udp=1m}), in the order given. */
    static Map<String, String> overrides(String spec) {
        Map<String, String> out = new LinkedHashMap<>();
        parts(spec).forEach((k, text) -> out.put(PATHS.get(k), text));
        return out;
    }

    /** Short name to text, each name checked. */
    private static Map<String, String> parts(String spec) {
        Map<String, String> out = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) {
            return out;
        }
        for (String part : spec.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("--flow-timeouts: '" + part + "' is not KEY=DURATION (keys: " + KEYS + ")");
            }
            String key = kv[0].trim().toLowerCase(Locale.ROOT);
            if (!PATHS.containsKey(key)) {
                throw new IllegalArgumentException("--flow-timeouts: unknown key '" + kv[0].trim()
                        + "'; the keys are " + KEYS);
            }
            out.put(key, kv[1].trim());
        }
        return out;
    }

    /**
     * The text as the agent's key of the same timeout reads it, so that inspect and the agent
     * refuse the same values in the same words (found by a new user: inspect said "udp=0s: flow
     * table timeouts must be positive durations, got PT0S", the agent "\"0s\" is too short
     * (expected duration, at least 1ms)", and "-1s" was "is negative" in both, with no bound).
     */
    static Duration duration(String text, String key) {
        try {
            return (Duration) AgentSettings.SCHEMA.find(PATHS.get(key)).type().parse(ConfigInput.scalar(text));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--flow-timeouts: " + key + "='" + text + "' " + reason(e));
        }
    }

    /** Durations' reason, or what a duration looks like when the text is none. */
    static String reason(IllegalArgumentException e) {
        return e.getMessage() != null && !e.getMessage().startsWith("is not a duration")
                ? e.getMessage() : "is not a duration like 30s, 5m, 1h or PT30S";
    }
}
