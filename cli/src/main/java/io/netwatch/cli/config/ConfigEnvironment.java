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
    /**
     * The names of a Service's link variables: a Service {@code netwatch-aggregator} on port
     * 50051 gives {@code NETWATCH_AGGREGATOR_SERVICE_HOST}, {@code _SERVICE_PORT},
     * {@code _SERVICE_PORT_GRPC}, {@code _PORT}, {@code _PORT_50051_TCP} and its
     * {@code _PROTO}, {@code _PORT} and {@code _ADDR}.
     */
    private static final Pattern SERVICE_NAMES = Pattern.compile(
            "(.+_)?(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT_[0-9]{1,5}_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)");
    /** {@code _PORT} alone is the Service's first port as a URL; a number there is more likely a typo of a key. */
    private static final Pattern PORT_URL = Pattern.compile("(tcp|udp|sctp)://\\S+");

    private ConfigEnvironment() {
    }

    /**
     * Whether a variable that names no key is a Service link the kubelet made: a pod that does
     * not set {@code enableServiceLinks: false} gets them for every Service of its namespace,
     * and a Service named {@code netwatch-aggregator} would otherwise stop the aggregator at
     * start (found in review).
     */
    static boolean serviceLink(String name, String value) {
        if (SERVICE_NAMES.matcher(name).matches()) {
            return true;
        }
        return (name.endsWith("_PORT")) && PORT_URL.matcher(value).matches();
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
