package io.netwatch.agent.flow;

/**
 * Text and byte forms of the two-long addresses the decoder produces (IPv4 held
 * IPv4-mapped). IPv6 text follows RFC 5952: lowercase, no leading zeros, the longest run of
 * two or more zero groups written as "::".
 */
public final class IpAddressFormat {
    private IpAddressFormat() {
    }

    public static String format(int ipVersion, long hi, long lo) {
        if (ipVersion == 4) {
            int v4 = (int) lo;
            return ((v4 >>> 24) & 0xFF) + "." + ((v4 >>> 16) & 0xFF) + "." + ((v4 >>> 8) & 0xFF) + "." + (v4 & 0xFF);
        }
        return ipv6(hi, lo, false);
    }

    /** The IPv6 address of these two halves as {@link #ipv6(int[], boolean)} spells it. */
    public static String ipv6(long hi, long lo, boolean dottedIpv4Tail) {
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (hi >>> (48 - 16 * i)) & 0xFFFF;
            g[4 + i] = (int) (lo >>> (48 - 16 * i)) & 0xFFFF;
        }
        return ipv6(g, dottedIpv4Tail);
    }

    /**
     * The RFC 5952 text of an IPv6 address given as eight 16-bit groups: lowercase hex without
     * leading zeros, the longest run of two or more zero groups (the first of equals) as
     * {@code ::}.
     *
     * @param dottedIpv4Tail write the last 32 bits of IPv4-compatible ({@code ::1.2.3.4}) and
     *                       IPv4-mapped ({@code ::ffff:1.2.3.4}) addresses in dotted form, as
     *                       tshark does in DNS answers
     */
    public static String ipv6(int[] g, boolean dottedIpv4Tail) {
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        boolean dotted = dottedIpv4Tail && bestStart == 0 && (bestLen == 6 || (bestLen == 5 && g[5] == 0xFFFF));
        StringBuilder sb = new StringBuilder(45);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append(i == 0 ? "::" : ":");
                i += bestLen - 1;
                continue;
            }
            if (dotted && i == 6) {
                sb.append(g[6] >>> 8).append('.').append(g[6] & 0xFF).append('.')
                        .append(g[7] >>> 8).append('.').append(g[7] & 0xFF);
                break;
            }
            sb.append(Integer.toHexString(g[i]));
            if (i < 7) {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    public static byte[] bytes(int ipVersion, long hi, long lo) {
        if (ipVersion == 4) {
            int v4 = (int) lo;
            return new byte[] {(byte) (v4 >>> 24), (byte) (v4 >>> 16), (byte) (v4 >>> 8), (byte) v4};
        }
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        return b;
    }
}
