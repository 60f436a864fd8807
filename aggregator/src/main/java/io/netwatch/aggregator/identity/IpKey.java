package io.netwatch.aggregator.identity;

import io.netwatch.aggregator.policy.IpAddresses;

/**
 * An IP address as a map key: the 4 or 16 bytes folded into two longs, so that a lookup on
 * the ingest path hashes two numbers instead of a string. IPv4 and IPv6 never collide
 * ({@code v6} is part of the key).
 */
public record IpKey(long high, long low, boolean v6) {
    /** The key of an address's bytes (4 or 16). */
    public static IpKey of(byte[] address) {
        if (address.length == 4) {
            return new IpKey(0, ((address[0] & 0xffL) << 24) | ((address[1] & 0xffL) << 16)
                    | ((address[2] & 0xffL) << 8) | (address[3] & 0xffL), false);
        }
        if (address.length != 16) {
            throw new IllegalArgumentException("an address is 4 or 16 bytes, not " + address.length);
        }
        long high = 0;
        long low = 0;
        for (int i = 0; i < 8; i++) {
            high = (high << 8) | (address[i] & 0xffL);
            low = (low << 8) | (address[i + 8] & 0xffL);
        }
        return new IpKey(high, low, true);
    }

    /** The key of an address literal, or null when the text is not one (never resolves a name). */
    public static IpKey parse(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        byte[] a = IpAddresses.parse(text);
        return a == null ? null : of(a);
    }

    public byte[] bytes() {
        if (!v6) {
            return new byte[]{(byte) (low >>> 24), (byte) (low >>> 16), (byte) (low >>> 8), (byte) low};
        }
        byte[] out = new byte[16];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (high >>> (56 - 8 * i));
            out[i + 8] = (byte) (low >>> (56 - 8 * i));
        }
        return out;
    }

    /**
     * The network of {@code prefix} bits around this address, as {@code 203.0.113.0/24}: how
     * an external address with no DNS name is grouped.
     */
    public String network(int prefix) {
        int bits = v6 ? 128 : 32;
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix " + prefix + " is out of range 0-" + bits);
        }
        byte[] b = bytes();
        for (int i = 0; i < b.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - 8 * i));
            b[i] &= (byte) (0xff00 >>> keep);
        }
        return IpAddresses.format(b) + "/" + prefix;
    }

    @Override
    public String toString() {
        return IpAddresses.format(bytes());
    }
}
