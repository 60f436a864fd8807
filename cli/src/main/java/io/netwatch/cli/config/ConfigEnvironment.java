package io.netwatch.cli.config;

import java.util.Map;
import java.util.TreeMap;

/**
 * Environment overrides: {@code NETWATCH_AGENT_EXPORT_MAX_BATCH_FLOWS=1024} sets
 * {@code export.max_batch_flows} of the agent. A variable with the component's prefix that
 * names no key is an error, so a typo does not go unnoticed.
 */
public final class ConfigEnvironment {
    private ConfigEnvironment() {
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
            if (path == null) {
                throw new ConfigError("environment variable " + e.getKey() + " names no " + schema.component()
                        + " setting" + Suggestions.didYouMean(e.getKey(), byName.keySet()));
            }
            values.set(path, ConfigInput.scalar(e.getValue()), ConfigSource.setting(e.getKey()));
        }
    }
}
