package io.netwatch.agent.inspect.signature;

import java.util.Arrays;
import java.util.Optional;

/** The protocol in a rule's header: a transport, or an application protocol named by inspection. */
public enum RuleProtocol {
    IP("ip"), TCP("tcp"), UDP("udp"), HTTP("http"), DNS("dns"), TLS("tls"), SSH("ssh");

    private final String keyword;

    RuleProtocol(String keyword) {
        this.keyword = keyword;
    }

    public String keyword() {
        return keyword;
    }

    /** True for the protocols inspection names from the payload (http, dns, tls, ssh). */
    public boolean isApplication() {
        return this != IP && this != TCP && this != UDP;
    }

    /** True when the rule can match a flow with this transport. */
    boolean mayMatch(boolean tcp) {
        return switch (this) {
            case TCP, HTTP, SSH -> tcp;
            case UDP -> !tcp;
            default -> true;
        };
    }

    static Optional<RuleProtocol> of(String s) {
        if (s.equals("any")) {
            return Optional.of(IP);
        }
        return Arrays.stream(values()).filter(p -> p.keyword.equals(s)).findFirst();
    }

    /**
     * True when a flow with this transport and application protocol is one the rule looks at.
     *
     * @param appProto the flow's protocol as inspection named it ("http", "tls", "quic", ...), or empty
     */
    boolean admits(boolean tcp, String appProto) {
        return switch (this) {
            case IP -> true;
            case TCP -> tcp;
            case UDP -> !tcp;
            // Suricata's "tls" rules see QUIC's ClientHello too (its tls.sni works on QUIC).
            case TLS -> appProto.equals("tls") || appProto.equals("quic");
            default -> appProto.equals(keyword);
        };
    }
}
