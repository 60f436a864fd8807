package io.netwatch.aggregator.baseline;

/**
 * One edge of the baseline: who talks to whom on which port and protocol. Ends are named by
 * {@link EdgeNames}: a workload ({@code namespace/Kind/name}, the owner, never the pod), an
 * external DNS name, or a CIDR.
 *
 * @param port destination port; 0 for protocols without ports
 * @param protocol IP protocol number
 */
public record EdgeKey(String source, String destination, int port, int protocol) {
    public EdgeKey {
        if (source == null || source.isEmpty() || destination == null || destination.isEmpty()) {
            throw new IllegalArgumentException("an edge needs a source and a destination name");
        }
        if (port < 0 || port > 65_535 || protocol < 0 || protocol > 255) {
            throw new IllegalArgumentException("edge port must be 0-65535 and protocol 0-255, got " + port + "/"
                    + protocol);
        }
    }

    @Override
    public String toString() {
        return source + " -> " + destination + ":" + port + "/" + protocolName(protocol);
    }

    static String protocolName(int protocol) {
        return switch (protocol) {
            case 6 -> "tcp";
            case 17 -> "udp";
            case 1 -> "icmp";
            case 58 -> "icmpv6";
            case 132 -> "sctp";
            default -> "ip" + protocol;
        };
    }
}
