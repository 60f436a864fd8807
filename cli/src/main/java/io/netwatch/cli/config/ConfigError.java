package io.netwatch.cli.config;

/**
 * A configuration mistake the user can fix: the message names where the value came from
 * (file, environment variable or option), the full key path, what was wrong and what is
 * allowed. {@code netwatch} prints it without a stack trace and exits with status 2.
 */
public final class ConfigError extends IllegalArgumentException {
    public ConfigError(String message) {
        super(message);
    }
}
