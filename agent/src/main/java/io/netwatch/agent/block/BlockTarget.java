package io.netwatch.agent.block;

import io.netwatch.agent.flow.IpAddressFormat;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * What one block drops: every packet from or to {@code address}, or, with a port, only the
 * address's traffic to that port of {@code protocol} and the answers from it (the offender
 * talking to a service: {@code 10.0.0.7 tcp/22} stops 10.0.0.7's SSH attempts and nothing else).
 *
 * @param address  IPv4 or IPv6
 * @param protocol IP protocol number (6, 17, 33 or 132) when {@code port} is set, else 0
 * @param port     1-65535, or 0 for the whole address
 */
public record BlockTarget(InetAddress address, int protocol, int port) {
    /** The address family, a metric tag. */
    public enum Family {
        IPV4("ipv4"), IPV6("ipv6");

        private final String label;

        Family(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public BlockTarget {
        Objects.requireNonNull(address, "address");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0-65535, got " + port);
        }
        if ((port == 0) != (protocol == 0)) {
            throw new IllegalArgumentException("a port needs its protocol and a protocol its port, got protocol "
                    + protocol + " port " + port);
        }
        if (port != 0 && !hasPorts(protocol)) {
            throw new IllegalArgumentException("protocol " + protocol + " has no ports (tcp 6, udp 17, dccp 33, sctp 132)");
        }
    }

    /** The whole address. */
    public static BlockTarget of(InetAddress address) {
        return new BlockTarget(address, 0, 0);
    }

    /** True for the protocols whose header starts with ports nft can match ({@code th dport}). */
    public static boolean hasPorts(int protocol) {
        return protocol == 6 || protocol == 17 || protocol == 33 || protocol == 132;
    }

    public Family family() {
        return address instanceof Inet4Address ? Family.IPV4 : Family.IPV6;
    }

    public boolean hasPort() {
        return port != 0;
    }

    /** The address as text, IPv6 in RFC 5952 form. */
    public String addressText() {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return address.getHostAddress();
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
        }
        return IpAddressFormat.ipv6(groups, false);
    }

    @Override
    public String toString() {
        return hasPort() ? addressText() + " " + protocolName(protocol) + "/" + port : addressText();
    }

    static String protocolName(int protocol) {
        return switch (protocol) {
            case 6 -> "tcp";
            case 17 -> "udp";
            case 33 -> "dccp";
            case 132 -> "sctp";
            default -> Integer.toString(protocol);
        };
    }
}
