package io.netwatch.cli;

import java.net.InetSocketAddress;

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

    /** gRPC target form of a host:port the user gave. */
    static String target(String text) {
        InetSocketAddress a = parse(text, "aggregator address");
        String host = a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
