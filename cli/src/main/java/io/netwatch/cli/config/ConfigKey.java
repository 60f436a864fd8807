package io.netwatch.cli.config;

import java.util.Locale;

/**
 * One configuration key: its dotted path in the YAML file ({@code flows.timeouts.udp}), its
 * type, its built-in default and what it means (the documentation says the same).
 *
 * @param path         dotted path; each part lowercase with underscores
 * @param type         how values are read, printed and described
 * @param defaultValue the built-in default, taken from the component's config record
 * @param meaning      one sentence for docs/configuration.md
 * @param <T>          the value's Java type
 */
public record ConfigKey<T>(String path, ConfigType<T> type, T defaultValue, String meaning) {
    public ConfigKey {
        if (!path.matches("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*")) {
            throw new IllegalArgumentException("config key path must be dotted snake_case, got " + path);
        }
    }

    /** The environment variable that overrides this key: {@code PREFIX} + path, dots as underscores. */
    public String environmentName(String prefix) {
        return prefix + path.replace('.', '_').toUpperCase(Locale.ROOT);
    }

    /** Reads a value, naming where it came from in the error. */
    public T read(ConfigInput input, ConfigSource source) {
        try {
            return type.parse(input);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(source.at(path) + input.shown() + " " + e.getMessage());
        }
    }
}
