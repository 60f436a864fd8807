package io.netwatch.cli.config;

import java.util.List;

/**
 * One value as the user wrote it, before it is typed: a scalar's text, or a list of
 * scalars' texts (a YAML sequence, or a comma-separated environment variable or option).
 *
 * @param text  the scalar's text; null for a list
 * @param items the list's items; null for a scalar
 */
public record ConfigInput(String text, List<String> items) {
    public ConfigInput {
        if ((text == null) == (items == null)) {
            throw new IllegalArgumentException("a config input is either a scalar or a list");
        }
        items = items == null ? null : List.copyOf(items);
    }

    public static ConfigInput scalar(String text) {
        return new ConfigInput(text, null);
    }

    public static ConfigInput list(List<String> items) {
        return new ConfigInput(null, items);
    }

    /** How the value reads in an error message: quoted scalar, or a bracketed list. */
    public String shown() {
        return text != null ? "\"" + text + "\"" : items.toString();
    }
}
