package io.netwatch.aggregator.response;

import java.util.Arrays;
import java.util.stream.Collectors;

/** What the response stage does with a decision to block. */
public enum ResponseMode {
    /** No decisions: offenses are not even judged. */
    OFF("off"),
    /** The default: every decision is recorded, audited and reported as "would block"; nothing is sent. */
    DRY_RUN("dry-run"),
    /** Decisions are carried out: block commands to the agents, quarantine through the API server. */
    ENFORCE("enforce");

    private final String word;

    ResponseMode(String word) {
        this.word = word;
    }

    /** As written in configuration and shown by the CLI. */
    public String word() {
        return word;
    }

    /** @throws IllegalArgumentException naming the allowed words */
    public static ResponseMode parse(String text) {
        for (ResponseMode m : values()) {
            if (m.word.equalsIgnoreCase(text.strip())) {
                return m;
            }
        }
        throw new IllegalArgumentException("response mode must be one of " + allowed() + ", got '" + text + "'");
    }

    static String allowed() {
        return Arrays.stream(values()).map(ResponseMode::word).collect(Collectors.joining(", "));
    }
}
