package io.netwatch.cli.config;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Environment overrides: {@code NETWATCH_AGENT_EXPORT_MAX_BATCH_FLOWS=1024} sets
 * {@code export.max_batch_flows} of the agent. A variable with the component's prefix that
 * names no key is an error, so a typo does not go unnoticed, unless it is one of the variables
 * the kubelet gives a pod for each Service of its namespace ({@link #serviceLink}).
 */
public final class ConfigEnvironment {
    /** Values as the kubelet writes them: a cluster IP, a port, a port's URL ({@code [...]} allowed round IPv6). */
    private static final Pattern IP = Pattern.compile("[0-9A-Fa-f.:]+");
    private static final Pattern NUMBER = Pattern.compile("[0-9]{1,5}");
    private static final Pattern URL = Pattern.compile("(tcp|udp|sctp)://(\\[[0-9A-Fa-f.:]+]|[0-9A-Fa-f.:]+):[0-9]{1,5}");
    /**
     * A Service's link variables, by name and the value the kubelet writes (its
     * {@code envvars.FromServices}): a Service {@code netwatch-aggregator} on port 50051 named
     * grpc gives {@code NETWATCH_AGGREGATOR_SERVICE_HOST} (its cluster IP), {@code _SERVICE_PORT}
     * and {@code _SERVICE_PORT_GRPC} (the port), {@code _PORT} and {@code _PORT_50051_TCP}
     * ({@code tcp://IP:50051}), and {@code _PORT_50051_TCP_PROTO} ({@code tcp}), {@code _PORT}
     * (50051) and {@code _ADDR} (the IP). The value is checked too, so that a setting guessed at
     * with such a name (a host name where the kubelet writes an IP) is still refused.
     */
    private static final Map<Pattern, Pattern> LINKS = Map.of(
            Pattern.compile(".+_SERVICE_HOST"), IP,
            Pattern.compile(".+_SERVICE_PORT(_[A-Z0-9_]+)?"), NUMBER,
            Pattern.compile(".+_PORT(_[0-9]{1,5}_(TCP|UDP|SCTP))?"), URL,
            Pattern.compile(".+_PORT_[0-9]{1,5}_(TCP|UDP|SCTP)_PROTO"), Pattern.compile("tcp|udp|sctp"),
            Pattern.compile(".+_PORT_[0-9]{1,5}_(TCP|UDP|SCTP)_PORT"), NUMBER,
            Pattern.compile(".+_PORT_[0-9]{1,5}_(TCP|UDP|SCTP)_ADDR"), IP);

    private ConfigEnvironment() {
    }

    /**
     * Whether a variable that names no key is a Service link the kubelet made: a pod that does
     * not set {@code enableServiceLinks: false} gets them for every Service of its namespace,
     * and a Service named {@code netwatch-aggregator} would otherwise stop the aggregator at
     * start (found in review).
     */
    static boolean serviceLink(String name, String value) {
        for (Map.Entry<Pattern, Pattern> link : LINKS.entrySet()) {
            if (link.getKey().matcher(name).matches() && link.getValue().matcher(value).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Applies every variable with the schema's prefix, in name order. */
    public static void apply(Map<String, String> environment, ConfigValues values) {
        ConfigSchema schema = values.schema();
        Map<String, String> byName = new TreeMap<>();
        for (ConfigKey<?> k : schema.keys()) {
            byName.put(k.environmentName(schema.environmentPrefix()), k.path());
        }
        for (Map.Entry<String, String> e : new TreeMap<>(environment).entrySet()) {
            if (!e.getKey().startsWith(schema.environmentPrefix())) {
                continue;
            }
            String path = byName.get(e.getKey());
            if (path == null && serviceLink(e.getKey(), e.getValue())) {
                continue;
            }
            if (path == null) {
                throw new ConfigError("environment variable " + e.getKey() + " names no " + schema.component()
                        + " setting" + Suggestions.didYouMean(e.getKey(), byName.keySet()));
            }
            values.set(path, ConfigInput.scalar(e.getValue()), ConfigSource.setting(e.getKey()));
        }
    }
}
