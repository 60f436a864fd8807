package io.netwatch.aggregator.policy;

import java.util.Objects;

/**
 * A connection to judge: who opens it, to which address, port and protocol. The source
 * port plays no part in NetworkPolicy.
 *
 * @param source      the opener's IP, 4 or 16 bytes
 * @param destination the acceptor's IP, 4 or 16 bytes
 */
public record Connection(byte[] source, byte[] destination, int port, Protocol protocol) {
    public Connection {
        source = checked(source, "source");
        destination = checked(destination, "destination");
        Objects.requireNonNull(protocol, "protocol");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range 1-65535");
        }
    }

    /** Builds one from address literals ("10.0.0.1", "fd00::1"); names are never resolved. */
    public static Connection of(String source, String destination, int port, Protocol protocol) {
        return new Connection(literal(source), literal(destination), port, protocol);
    }

    /** The bytes of an IP address literal, or an exception saying it is not one. */
    public static byte[] literal(String ip) {
        byte[] a = IpAddresses.parse(ip);
        if (a == null) {
            throw new IllegalArgumentException("'" + ip + "' is not an IP address");
        }
        return a;
    }

    @Override
    public byte[] source() {
        return source.clone();
    }

    @Override
    public byte[] destination() {
        return destination.clone();
    }

    private static byte[] checked(byte[] ip, String what) {
        Objects.requireNonNull(ip, what);
        if (ip.length != 4 && ip.length != 16) {
            throw new IllegalArgumentException(what + ": an IP is 4 or 16 bytes");
        }
        return ip.clone();
    }
}
