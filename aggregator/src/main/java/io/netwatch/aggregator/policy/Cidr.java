package io.netwatch.aggregator.policy;

import java.util.Arrays;

/**
 * An IPv4 or IPv6 prefix from an {@code ipBlock}. Host bits after the prefix are cleared,
 * as the API server's parser does ("10.0.0.7/24" is 10.0.0.0/24).
 *
 * @param network the prefix's address, 4 or 16 bytes, host bits zero
 * @param bits    the prefix length, 0 to 32 or 0 to 128
 */
public record Cidr(byte[] network, int bits) {
    public Cidr {
        if (network == null || (network.length != 4 && network.length != 16)) {
            throw new IllegalArgumentException("a network address is 4 or 16 bytes");
        }
        if (bits < 0 || bits > network.length * 8) {
            throw new IllegalArgumentException("prefix length " + bits + " is out of range 0-" + network.length * 8);
        }
        network = masked(network, bits);
    }

    /** Parses "10.0.0.0/8" or "fd00::/64"; the message of the exception says what is wrong. */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("'" + text + "' is not in CIDR notation (address/length)");
        }
        byte[] address = IpAddresses.parse(text.substring(0, slash));
        if (address == null) {
            throw new IllegalArgumentException("'" + text + "' does not start with an IP address");
        }
        String length = text.substring(slash + 1);
        if (!length.matches("(0|[1-9][0-9]{0,2})")) {
            throw new IllegalArgumentException("'" + text + "': the prefix length must be a number");
        }
        int bits = Integer.parseInt(length);
        if (bits > address.length * 8) {
            throw new IllegalArgumentException("'" + text + "': the prefix length must be 0 to " + address.length * 8);
        }
        return new Cidr(address, bits);
    }

    /** Whether the address (4 or 16 bytes) is inside this prefix; other families never are. */
    public boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        return Arrays.equals(masked(address, bits), network);
    }

    /** Whether every address of {@code other} is in this prefix and this one has more. */
    public boolean strictlyContains(Cidr other) {
        return other.network.length == network.length && other.bits > bits && contains(other.network);
    }

    @Override
    public byte[] network() {
        return network.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.bits == bits && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + bits;
    }

    @Override
    public String toString() {
        return IpAddresses.format(network) + "/" + bits;
    }

    private static byte[] masked(byte[] address, int bits) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.clamp(bits - i * 8L, 0, 8);
            out[i] &= (byte) (0xFF << (8 - keep));
        }
        return out;
    }
}
