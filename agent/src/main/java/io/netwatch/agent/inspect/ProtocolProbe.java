package io.netwatch.agent.inspect;

import java.nio.ByteBuffer;

/**
 * Names the application protocol from the first bytes of one direction of a stream, whatever
 * the port: so that TLS on port 80, SSH on 443 or a miner speaking Stratum on 3333 or 443 is
 * seen for what it is. Pure and cheap: a few absolute reads, no allocation.
 */
public final class ProtocolProbe {
    public static final String HTTP = "http";
    public static final String TLS = "tls";
    public static final String SSH = "ssh";
    public static final String DNS = "dns";
    public static final String STRATUM = "stratum";
    public static final String QUIC = "quic";
    /** Returned while too few bytes arrived to decide. */
    public static final String NEED_MORE = "";
    /** Below this many bytes, a probe that matched nothing waits for more. */
    public static final int MIN_DECISION_BYTES = 14;
    /** Bytes the probe looks at, at most. */
    public static final int MAX_PROBE_BYTES = 256;

    private static final String[] METHODS = {"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ",
        "CONNECT ", "TRACE ", "PROPFIND ", "PROPPATCH ", "MKCOL ", "COPY ", "MOVE ", "LOCK ", "UNLOCK ", "SEARCH "};
    private static final String[] STRATUM_MARKERS = {"\"mining.subscribe\"", "\"mining.authorize\"",
        "\"mining.notify\"", "\"mining.submit\"", "\"mining.set_difficulty\"", "\"login\"", "\"job\""};

    private ProtocolProbe() {
    }

    /**
     * @return a protocol name, {@link #NEED_MORE}, or null when the bytes match nothing known
     */
    public static String identify(ByteBuffer b, int off, int len, boolean tcp) {
        int n = Math.min(len, MAX_PROBE_BYTES);
        if (n <= 0) {
            return NEED_MORE;
        }
        int first = b.get(off) & 0xFF;
        if (first == 0x16) {
            if (n < 3) {
                return NEED_MORE;
            }
            int major = b.get(off + 1) & 0xFF;
            int minor = b.get(off + 2) & 0xFF;
            return major == 3 && minor <= 4 ? TLS : null;
        }
        if ((first & 0x80) != 0 && tcp) {
            // SSLv2-compatible ClientHello: 2-byte length with the high bit, type 1, version 3.x or 2.
            // Never the 3-byte SSLv2 header (high bit clear): that one carries padding, which only
            // encrypted records have (see TlsRecordReader.read).
            if (n < 5) {
                return NEED_MORE;
            }
            int type = b.get(off + 2) & 0xFF;
            int major = b.get(off + 3) & 0xFF;
            if (type == 1 && (major == 3 || major == 0 || major == 2)) {
                return TLS;
            }
            // SSLv2 ServerHello: type 4, then session-id-hit, certificate type, version 0x0002.
            if (type == 4) {
                if (n < 7) {
                    return NEED_MORE;
                }
                if ((b.get(off + 5) & 0xFF) == 0 && (b.get(off + 6) & 0xFF) == 2) {
                    return TLS;
                }
            }
        }
        if (startsWith(b, off, n, "SSH-")) {
            return SSH;
        }
        if (startsWith(b, off, n, "HTTP/1.")) {
            return HTTP;
        }
        for (String m : METHODS) {
            if (startsWith(b, off, n, m)) {
                return HTTP;
            }
            if (n < m.length() && startsWith(b, off, n, m.substring(0, n))) {
                return NEED_MORE;
            }
        }
        if (first == '{') {
            if (contains(b, off, n, "\"method\"")) {
                for (String marker : STRATUM_MARKERS) {
                    if (contains(b, off, n, marker)) {
                        return STRATUM;
                    }
                }
            }
            return n < MAX_PROBE_BYTES && !contains(b, off, n, "\n") ? NEED_MORE : null;
        }
        if (tcp && n >= 14 && looksLikeDns(b, off + 2, n - 2) && (b.getShort(off) & 0xFFFF) >= 12) {
            return DNS;
        }
        // Too few bytes to rule DNS over TCP out (a server may send the length prefix alone).
        return n < MIN_DECISION_BYTES ? NEED_MORE : null;
    }

    /** A DNS header with one question and sane counts. */
    static boolean looksLikeDns(ByteBuffer b, int off, int n) {
        if (n < 12) {
            return false;
        }
        int flags = b.getShort(off + 2) & 0xFFFF;
        int opcode = (flags >>> 11) & 0xF;
        int qd = b.getShort(off + 4) & 0xFFFF;
        int an = b.getShort(off + 6) & 0xFFFF;
        int ns = b.getShort(off + 8) & 0xFFFF;
        int ar = b.getShort(off + 10) & 0xFFFF;
        return qd == 1 && opcode <= 5 && opcode != 3 && an < 256 && ns < 256 && ar < 256 && (flags & 0x0040) == 0;
    }

    private static boolean startsWith(ByteBuffer b, int off, int n, String s) {
        if (n < s.length()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (b.get(off + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean contains(ByteBuffer b, int off, int n, String s) {
        outer:
        for (int i = 0; i + s.length() <= n; i++) {
            for (int j = 0; j < s.length(); j++) {
                if (b.get(off + i + j) != s.charAt(j)) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** The protocol a port is expected to carry, or null when the port says nothing. */
    public static String expectedForPort(int port, boolean tcp) {
        return switch (port) {
            case 80, 8080, 8000, 8008, 8888 -> tcp ? HTTP : null;
            case 443, 8443, 6443, 10250 -> tcp ? TLS : QUIC;
            case 22, 2222 -> tcp ? SSH : null;
            case 53 -> DNS;
            case 3333, 4444, 5555, 7777, 14444, 45700 -> tcp ? STRATUM : null;
            default -> null;
        };
    }
}
