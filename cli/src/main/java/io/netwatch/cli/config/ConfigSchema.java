package io.netwatch.cli.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every key of one component's configuration, in the order they are printed and documented.
 * A component declares its keys once; reading the file, the environment and the options,
 * printing the effective configuration and the documentation test all work from this list,
 * so adding a key is one {@link #key} call.
 */
public final class ConfigSchema {
    private final String component;
    private final String environmentPrefix;
    private final Map<String, ConfigKey<?>> keys = new LinkedHashMap<>();

    /**
     * @param component the component's name, as in {@code netwatch agent} ("agent")
     */
    public ConfigSchema(String component) {
        this.component = component;
        this.environmentPrefix = "NETWATCH_" + component.toUpperCase(java.util.Locale.ROOT) + "_";
    }

    /** Declares a key. */
    public <T> ConfigKey<T> key(String path, ConfigType<T> type, T defaultValue, String meaning) {
        ConfigKey<T> k = new ConfigKey<>(path, type, defaultValue, meaning);
        for (String existing : keys.keySet()) {
            if (existing.startsWith(path + ".") || path.startsWith(existing + ".")) {
                throw new IllegalArgumentException("config key " + path + " clashes with " + existing);
            }
        }
        if (keys.putIfAbsent(path, k) != null) {
            throw new IllegalArgumentException("config key " + path + " declared twice");
        }
        return k;
    }

    public String component() {
        return component;
    }

    /** {@code NETWATCH_AGENT_} for the agent. */
    public String environmentPrefix() {
        return environmentPrefix;
    }

    public List<ConfigKey<?>> keys() {
        return List.copyOf(keys.values());
    }

    /** The key at {@code path}, or null. */
    public ConfigKey<?> find(String path) {
        return keys.get(path);
    }

    /** True when {@code path} is a section holding keys ({@code flows}, {@code flows.timeouts}). */
    public boolean isSection(String path) {
        String prefix = path + ".";
        return keys.keySet().stream().anyMatch(k -> k.startsWith(prefix));
    }

    /** The names directly inside a section ("" for the top level), for error messages. */
    public Set<String> children(String section) {
        String prefix = section.isEmpty() ? "" : section + ".";
        Set<String> names = new TreeSet<>();
        for (String k : keys.keySet()) {
            if (k.startsWith(prefix)) {
                String rest = k.substring(prefix.length());
                int dot = rest.indexOf('.');
                names.add(dot < 0 ? rest : rest.substring(0, dot));
            }
        }
        return Collections.unmodifiableSet(names);
    }

    /**
     * " (did you mean flows.max_flows?)" for a mistyped path, or "". Sections are candidates
     * too: found by a new user, "flow:" or "Flows:" at the top level (and "stroe:" in the
     * aggregator's file) suggested nothing, since only whole key paths were compared. The
     * sections that hold {@code path} are not: the mistake is below them ("flows.x" was told
     * "did you mean flows?", the section it was written in).
     */
    public String didYouMean(String path) {
        Set<String> candidates = new TreeSet<>(keys.keySet());
        for (String k : keys.keySet()) {
            for (int dot = k.indexOf('.'); dot > 0; dot = k.indexOf('.', dot + 1)) {
                String section = k.substring(0, dot);
                if (!path.startsWith(section + ".")) {
                    candidates.add(section);
                }
            }
        }
        return Suggestions.didYouMean(path, candidates);
    }

    /** The environment variable names of every key. */
    public List<String> environmentNames() {
        List<String> names = new ArrayList<>();
        for (ConfigKey<?> k : keys.values()) {
            names.add(k.environmentName(environmentPrefix));
        }
        return names;
    }
}
