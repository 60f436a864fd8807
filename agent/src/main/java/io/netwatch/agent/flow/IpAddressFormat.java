package io.netwatch.agent.flow;

import java.nio.charset.StandardCharsets;

/**
 * Text and byte forms of the two-long addresses the decoder produces (IPv4 held
 * IPv4-mapped). IPv6 text follows RFC 5952: lowercase, no leading zeros, the longest run of
 * two or more zero groups written as "::".
 */
public final class IpAddressFormat {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);
    /** Longest text: eight groups of four hex digits and seven colons. */
    private static final int MAX_TEXT = 39;

    private IpAddressFormat() {
    }

    // Every flow record spells its two addresses, and DNS answers theirs: the text is written
    // digit by digit into one array that becomes the string, not built from a string per part.

    public static String format(int ipVersion, long hi, long lo) {
        if (ipVersion == 4) {
            byte[] t = new byte[15];
            int n = dottedQuad(t, 0, (int) lo);
            return new String(t, 0, n, StandardCharsets.ISO_8859_1);
        }
        return ipv6(hi, lo, false);
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
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 4; i++) {
            hi = hi << 16 | g[i] & 0xFFFF;
            lo = lo << 16 | g[4 + i] & 0xFFFF;
        }
        return ipv6(hi, lo, dottedIpv4Tail);
    }

    /** The IPv6 address of these two halves as {@link #ipv6(int[], boolean)} spells it. */
    public static String ipv6(long hi, long lo, boolean dottedIpv4Tail) {
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (group(hi, lo, i) != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && group(hi, lo, j) == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        boolean dotted = dottedIpv4Tail && bestStart == 0
                && (bestLen == 6 || (bestLen == 5 && group(hi, lo, 5) == 0xFFFF));
        byte[] t = new byte[MAX_TEXT];
        int n = 0;
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                // The colon after the group before the run is there already, unless the run leads.
                if (i == 0) {
                    t[n++] = ':';
                }
                t[n++] = ':';
                i += bestLen - 1;
                continue;
            }
            if (dotted && i == 6) {
                n = dottedQuad(t, n, (int) lo);
                break;
            }
            n = hex(t, n, group(hi, lo, i));
            if (i < 7) {
                t[n++] = ':';
            }
        }
        return new String(t, 0, n, StandardCharsets.ISO_8859_1);
    }

    /** Group {@code i} (0 to 7, most significant first) of the address. */
    private static int group(long hi, long lo, int i) {
        return (int) ((i < 4 ? hi : lo) >>> (48 - 16 * (i & 3))) & 0xFFFF;
    }

    /** Writes the four bytes of {@code v4} as a dotted quad at {@code t[n]}; returns the index after it. */
    private static int dottedQuad(byte[] t, int n, int v4) {
        for (int shift = 24; ; shift -= 8) {
            n = decimal(t, n, (v4 >>> shift) & 0xFF);
            if (shift == 0) {
                return n;
            }
            t[n++] = '.';
        }
    }

    /** Writes {@code v} (0 to 255) in decimal at {@code t[n]}; returns the index after it. */
    private static int decimal(byte[] t, int n, int v) {
        if (v >= 100) {
            t[n++] = (byte) ('0' + v / 100);
            v %= 100;
            t[n++] = (byte) ('0' + v / 10);
        } else if (v >= 10) {
            t[n++] = (byte) ('0' + v / 10);
        }
        t[n++] = (byte) ('0' + v % 10);
        return n;
    }

    /** Writes {@code g} (0 to 0xFFFF) in lowercase hex without leading zeros; returns the index after it. */
    private static int hex(byte[] t, int n, int g) {
        int shift = g >= 0x1000 ? 12 : g >= 0x100 ? 8 : g >= 0x10 ? 4 : 0;
        for (; shift >= 0; shift -= 4) {
            t[n++] = HEX[(g >>> shift) & 0xF];
        }
        return n;
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
