package io.netwatch.aggregator.query;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * An address or CIDR prefix from a query ("10.0.0.7", "10.0.0.0/8", "fd00::/64"). Only
 * literals are accepted: a name is rejected, never resolved.
 */
record IpPrefix(byte[] network, int bits) {
    static IpPrefix parse(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        if (!addr.matches("[0-9.]+") && !addr.matches("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR prefix");
        }
        byte[] bytes;
        try {
            // ofLiteral, never getByName: a number-like name ("999.1.1.1") passes the pattern
            // above, and getByName would hand it to the resolver.
            bytes = InetAddress.ofLiteral(addr).getAddress();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR prefix");
        }
        int bits = bytes.length * 8;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "': prefix length must be a number");
            }
            if (bits < 0 || bits > bytes.length * 8) {
                throw new IllegalArgumentException("'" + text + "': prefix length must be 0 to " + bytes.length * 8);
            }
        }
        return new IpPrefix(bytes, bits);
    }

    boolean contains(String ip) {
        IpPrefix other;
        try {
            other = parse(ip);
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] a = other.network;
        if (a.length != network.length) {
            return false;
        }
        int full = bits / 8;
        if (!Arrays.equals(a, 0, full, network, 0, full)) {
            return false;
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (a[full] & mask) == (network[full] & mask);
    }

    boolean isSingleAddress() {
        return bits == network.length * 8;
    }
}
