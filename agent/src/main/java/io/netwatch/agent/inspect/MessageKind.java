package io.netwatch.agent.inspect;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The application-layer messages inspection finds, as counted in metrics and statistics; one
 * parser reads each kind (see {@link InspectionConfig#parsers}).
 */
public enum MessageKind {
    DNS, HTTP, TLS, QUIC, SSH;

    /** The metric label and configuration word: the name in lower case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Every kind's {@link #label()}, in declaration order. */
    public static List<String> labels() {
        return Arrays.stream(values()).map(MessageKind::label).toList();
    }

    /** The kind whose {@link #label()} is {@code label}. */
    public static MessageKind byLabel(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }
}
