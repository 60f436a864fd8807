package io.netwatch.aggregator.policy;

/** The transport protocols a NetworkPolicy port can name; a port with no protocol means TCP. */
public enum Protocol {
    TCP, UDP, SCTP;

    /** The protocol as the Kubernetes API spells it ("TCP"), or null when it is none of the three. */
    public static Protocol fromKubernetes(String name) {
        return switch (name) {
            case "TCP" -> TCP;
            case "UDP" -> UDP;
            case "SCTP" -> SCTP;
            default -> null;
        };
    }
}
