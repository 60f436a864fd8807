package io.netwatch.agent.inspect;

import java.util.Locale;

/** The application-layer messages inspection finds, as counted in metrics and statistics. */
public enum MessageKind {
    DNS, HTTP, TLS, QUIC, SSH;

    /** The metric label: the name in lower case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
