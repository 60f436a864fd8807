package io.netwatch.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;

/** Parses "host:port", "[v6]:port" and ":port" as users type them. */
final class HostPort {
    private HostPort() {
    }

    static InetSocketAddress parse(String text, String what) {
        String s = text.trim();
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(what + " must be HOST:PORT, got '" + text + "'");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf('[') >= 0 || host.indexOf(']') >= 0) {
            // Found in review: "[::1:50051" passed here and failed only at bind.
            throw new IllegalArgumentException(what + " must be HOST:PORT, with an IPv6 address in brackets"
                    + " ([::1]:50051), got '" + text + "'");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be HOST:PORT with a numeric port, got '" + text + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(what + " port must be 0-65535, got " + port);
        }
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    /**
     * Whether {@code text}'s host is another machine: it resolves to an address that is not
     * loopback, the wildcard or one of this machine's own. A name that does not resolve is not
     * (the connection will say so itself).
     */
    static boolean elsewhere(String text) {
        InetAddress ip = parse(text, "aggregator address").getAddress();
        if (ip == null || ip.isLoopbackAddress() || ip.isAnyLocalAddress()) {
            return false;
        }
        try {
            return NetworkInterface.getByInetAddress(ip) == null;
        } catch (SocketException e) {
            return true;
        }
    }

    /** gRPC target form of a host:port the user gave. */
    static String target(String text) {
        InetSocketAddress a = parse(text, "aggregator address");
        String host = a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
