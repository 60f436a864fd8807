package io.netwatch.cli.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The effective configuration of a component: every key's value, starting from the built-in
 * defaults, each later layer (file, environment, options) overriding the one before.
 */
public final class ConfigValues {
    private final ConfigSchema schema;
    private final Map<String, Object> values = new LinkedHashMap<>();
    /** Where each key's value came from; absent for a default. */
    private final Map<String, ConfigSource> sources = new LinkedHashMap<>();

    private ConfigValues(ConfigSchema schema) {
        this.schema = schema;
        for (ConfigKey<?> k : schema.keys()) {
            values.put(k.path(), k.defaultValue());
        }
    }

    /** The built-in defaults. */
    public static ConfigValues defaults(ConfigSchema schema) {
        return new ConfigValues(schema);
    }

    /** A copy, to be changed without changing this. */
    public ConfigValues copy() {
        ConfigValues c = new ConfigValues(schema);
        c.values.putAll(values);
        c.sources.putAll(sources);
        return c;
    }

    public ConfigSchema schema() {
        return schema;
    }

    /** Sets {@code path} from {@code input}; throws {@link ConfigError} naming the key and the source. */
    public ConfigValues set(String path, ConfigInput input, ConfigSource source) {
        ConfigKey<?> k = schema.find(path);
        if (k == null) {
            throw new ConfigError(source.at(path) + "unknown key" + schema.didYouMean(path));
        }
        values.put(path, k.read(input, source));
        sources.put(path, source);
        return this;
    }

    /**
     * Sets a key from a command-line option when the user gave it ({@code value} not null);
     * options come last, so they override the file and the environment.
     */
    public ConfigValues option(ConfigKey<?> key, String option, Object value) {
        if (value != null) {
            ConfigInput in = value instanceof java.util.List<?> list
                    ? ConfigInput.list(list.stream().map(String::valueOf).toList())
                    : ConfigInput.scalar(String.valueOf(value));
            set(key.path(), in, ConfigSource.setting(option));
        }
        return this;
    }

    /**
     * Defaults, then the file (if any), then the environment: what options then override.
     *
     * @param file        the YAML file, or null for none
     * @param environment the process environment; only variables with the schema's prefix are read
     */
    public static ConfigValues load(ConfigSchema schema, java.nio.file.Path file,
                                    java.util.Map<String, String> environment) {
        ConfigValues v = defaults(schema);
        if (file != null) {
            ConfigFile.apply(file, v);
        }
        ConfigEnvironment.apply(environment, v);
        return v;
    }

    /** The value of a key of this schema. */
    public <T> T get(ConfigKey<T> key) {
        if (schema.find(key.path()) != key) {
            throw new IllegalArgumentException(key.path() + " is not a key of the " + schema.component()
                    + " configuration");
        }
        @SuppressWarnings("unchecked")
        T v = (T) values.get(key.path());
        return v;
    }

    /** The value of the key at {@code path}, untyped (for printing). */
    public Object get(String path) {
        return values.get(path);
    }

    /** Where the value of {@code path} came from: "default", a file, a variable or an option. */
    public String source(String path) {
        ConfigSource s = sources.get(path);
        return s == null ? "default" : s.name();
    }

    /**
     * The start of an error about {@code key}'s value, naming where it came from as
     * {@link ConfigSource#at} does ({@code agent.yaml: rules.paths: }); the key alone for a default.
     */
    public String at(ConfigKey<?> key) {
        ConfigSource s = sources.get(key.path());
        return s == null ? key.path() + ": " : s.at(key.path());
    }

    /** Where the value of {@code path} came from, for naming it in a message; null for the default. */
    public ConfigSource origin(String path) {
        return sources.get(path);
    }
}
