package io.netwatch.aggregator.policy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.regex.Pattern;

/**
 * Parses IP address literals the way the Kubernetes API validates them: dotted-quad IPv4
 * with no leading zeros, or IPv6 without a zone. Never resolves a name.
 */
public final class IpAddresses {
    private static final Pattern IPV4 = Pattern.compile("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");
    /**
     * Longest address literal: "0000:0000:0000:0000:0000:ffff:255.255.255.255". Longer text is
     * refused before it is looked at (it comes from queries, agents and policy YAML).
     */
    private static final int MAX_LITERAL = 45;

    private IpAddresses() {
    }

    /** The address's bytes (4 or 16), or null when the text is not an address literal. */
    public static byte[] parse(String text) {
        if (text.length() > MAX_LITERAL) {
            return null;
        }
        boolean v4 = IPV4.matcher(text).matches();
        if (!v4 && !ipv6Characters(text)) {
            return null;
        }
        InetAddress a;
        try {
            // ofLiteral, never getByName: getByName would hand anything odd to the resolver.
            a = InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
        // "::ffff:10.0.0.1" comes back as an Inet4Address; the API keeps families apart, and
        // an IPv4-mapped address in a policy is almost certainly a mistake.
        if (v4 != (a instanceof Inet4Address) || (!v4 && !(a instanceof Inet6Address))) {
            return null;
        }
        return a.getAddress();
    }

    /**
     * As {@link #parse}, but an IPv4-mapped IPv6 literal ({@code ::ffff:10.0.0.1},
     * {@code ::ffff:a00:1}) is its IPv4 address, 4 bytes, as an agent reads the address of a block
     * command: what is checked before a block must be the address the agent will drop.
     */
    public static byte[] parseUnmapped(String text) {
        byte[] b = parse(text);
        if (b != null || text.length() > MAX_LITERAL || !ipv6Characters(text)) {
            return b;
        }
        try {
            InetAddress a = InetAddress.ofLiteral(text);
            return a instanceof Inet4Address ? a.getAddress() : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Whether the text holds only the characters of an IPv6 literal (hex digits, ':' and '.'
     * for an embedded IPv4 address) and at least one ':'. One pass: the pattern this replaces,
     * {@code [0-9a-fA-F:.]*:[0-9a-fA-F:.]*}, backtracked in time quadratic in the length on a
     * long run of ':' (40,000 of them: 12 s of CPU for one request).
     */
    public static boolean ipv6Characters(CharSequence text) {
        boolean colon = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ':') {
                colon = true;
            } else if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '.')) {
                return false;
            }
        }
        return colon;
    }

    /** The canonical text of an address's bytes ("fd00::1", never "fd00:0:0:0:0:0:0:1"). */
    public static String format(byte[] address) {
        try {
            String s = InetAddress.getByAddress(address).getHostAddress();
            return address.length == 16 ? compress(s) : s;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("an address is 4 or 16 bytes, not " + address.length);
        }
    }

    /** Shortens Java's full IPv6 text with "::" at the longest run of zero groups (RFC 5952). */
    private static String compress(String full) {
        String[] groups = full.split(":");
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < groups.length; ) {
            if (!groups[i].equals("0")) {
                i++;
                continue;
            }
            int j = i;
            while (j < groups.length && groups[j].equals("0")) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestStart < 0) {
            return full;
        }
        String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLen, groups.length));
        return head + "::" + tail;
    }
}
