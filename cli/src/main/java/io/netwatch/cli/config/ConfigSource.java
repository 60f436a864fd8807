package io.netwatch.cli.config;

/**
 * Where a configuration value came from, as an error message names it: the file
 * ({@code agent.yaml: flows.max_flows: }), an environment variable
 * ({@code NETWATCH_AGENT_FLOWS_MAX_FLOWS (flows.max_flows): }) or an option
 * ({@code --max-flows (flows.max_flows): }).
 *
 * @param name   file name, variable name or option name
 * @param isFile true for a file, whose keys are written as paths
 */
public record ConfigSource(String name, boolean isFile) {
    public static ConfigSource file(String name) {
        return new ConfigSource(name, true);
    }

    public static ConfigSource setting(String name) {
        return new ConfigSource(name, false);
    }

    /** The start of an error about {@code path}. */
    public String at(String path) {
        return isFile ? name + ": " + path + ": " : name + " (" + path + "): ";
    }
}
