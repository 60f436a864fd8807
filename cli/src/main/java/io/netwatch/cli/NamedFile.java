package io.netwatch.cli;

import io.netwatch.cli.config.ConfigError;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file or directory that a setting names, checked before anything starts, so that a missing
 * one is refused in one line, worded alike for every setting: the setting as the user gave it
 * (an option, or a configuration key with its file or variable), the path, and what it should
 * name. (Found in review: five wordings, "rules path X does not exist", "X: no such file
 * (alerts.file)", ..., most naming neither the key nor the option.)
 */
final class NamedFile {
    /** What a capture file is, as a message says it is expected. */
    static final String CAPTURE = "a pcap or pcapng capture file";

    private NamedFile() {
    }

    /**
     * @param setting  the start of the message, naming the setting: {@code "agent.yaml: rules.paths: "},
     *                 {@code "--rules (rules.paths): "} or {@code "--rules: "}
     * @param expected what the setting names, for "... is expected": {@code "a rule file"}
     * @throws ConfigError when nothing is at {@code path}
     */
    static void requireExists(String setting, Path path, String expected) {
        if (!Files.exists(path)) {
            throw new ConfigError(setting + path + " does not exist; " + expected + " is expected");
        }
    }
}
