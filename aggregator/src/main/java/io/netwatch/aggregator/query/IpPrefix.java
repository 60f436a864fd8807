package io.netwatch.aggregator.query;

import io.netwatch.aggregator.policy.IpAddresses;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * An address or CIDR prefix from a query ("10.0.0.7", "10.0.0.0/8", "fd00::/64"). Only
 * literals are accepted: a name is rejected, never resolved.
 */
record IpPrefix(byte[] network, int bits) {
    /**
     * Longest text taken: an address literal (at most 45 characters) and "/128", with room for
     * spaces around. Longer text is refused unread, and never quoted back: a status travels in a
     * header, and past the client's header limit the caller would get a transport error instead.
     */
    static final int MAX_TEXT = 64;
    private static final Pattern DIGITS_AND_DOTS = Pattern.compile("[0-9.]*");

    static IpPrefix parse(String text) {
        if (text.length() > MAX_TEXT) {
            throw new IllegalArgumentException("a value of " + text.length() + " characters is not an IP address or"
                    + " CIDR prefix (at most " + MAX_TEXT + ")");
        }
        String s = text.trim();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        // Digits and dots must be a dotted quad, as Hubble (Go's ParseIP) and the Kubernetes API
        // take it: ofLiteral also reads the BSD forms, so "10.1" was 10.0.0.1 and "10.0.1/24"
        // 10.0.0.1/24, and a shortened address or prefix matched other flows without a word.
        boolean dotted = DIGITS_AND_DOTS.matcher(addr).matches();
        byte[] bytes = dotted ? IpAddresses.parse(addr) : address(addr);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR prefix"
                    + (dotted && !addr.isEmpty()
                    ? " (an IPv4 address is four numbers 0-255 without leading zeros, as 10.0.0.1 or 10.0.0.0/16)"
                    : ""));
        }
        int bits = bytes.length * 8;
        if (slash >= 0) {
            try {
                String length = s.substring(slash + 1);
                // Digits only, as Go's ParseCIDR and the Kubernetes API read it: parseInt takes "+8".
                if (!length.matches("[0-9]{1,3}")) {
                    throw new NumberFormatException(length);
                }
                bits = Integer.parseInt(length);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "': prefix length must be a number");
            }
            if (bits < 0 || bits > bytes.length * 8) {
                throw new IllegalArgumentException("'" + text + "': prefix length must be 0 to " + bytes.length * 8);
            }
        }
        return new IpPrefix(bytes, bits);
    }

    /**
     * An address literal's bytes (4, or 16 for IPv6 other than IPv4-mapped), or null when the
     * text is not one: a stored flow's address is read once per flow with this, never thrown over.
     */
    static byte[] address(String text) {
        if (text.length() > MAX_TEXT || !digitsAndDots(text) && !IpAddresses.ipv6Characters(text)) {
            return null;
        }
        try {
            // ofLiteral, never getByName: a number-like name ("999.1.1.1") passes the check
            // above, and getByName would hand it to the resolver.
            return InetAddress.ofLiteral(text).getAddress();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Whether {@code text} is one or more digits and dots (a loop: this runs for every stored flow's addresses). */
    private static boolean digitsAndDots(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c < '0' || c > '9') && c != '.') {
                return false;
            }
        }
        return true;
    }

    boolean contains(String ip) {
        return contains(address(ip));
    }

    /** Whether the address (as {@link #address}; null for none) is in this prefix. */
    boolean contains(byte[] a) {
        if (a == null || a.length != network.length) {
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
