package io.netwatch.agent.inspect.tls;

/**
 * Protocol version names and the version a hello offers or selects, as the shared tshark
 * reference ({@code shared/pcaps/README.md}, section {@code tls}) writes them, so inspection
 * output and the oracle compare directly.
 */
public final class TlsVersions {
    public static final int SSL_2_0 = 0x0002;
    public static final int SSL_3_0 = 0x0300;
    public static final int TLS_1_0 = 0x0301;
    public static final int TLS_1_1 = 0x0302;
    public static final int TLS_1_2 = 0x0303;
    public static final int TLS_1_3 = 0x0304;

    private TlsVersions() {
    }

    /**
     * "SSL 2.0", "SSL 3.0", "TLS 1.0" to "TLS 1.3", "TLS 1.3 draft NN" for 0x7fNN (NN in decimal),
     * "GREASE" for the GREASE values, else the value as {@code 0x%04x}; the empty string for a
     * negative value (no version: a hello that came without a record, an absent field).
     */
    /** A 16-bit value as {@code 0x1301}: four lower-case hex digits (no Formatter on the capture thread). */
    public static String hex16(int v) {
        char[] c = {'0', 'x', 0, 0, 0, 0};
        for (int i = 0; i < 4; i++) {
            c[5 - i] = Character.forDigit((v >>> (4 * i)) & 0xF, 16);
        }
        return new String(c);
    }

    public static String name(int version) {
        if (version < 0) {
            return "";
        }
        if (TlsGrease.is(version)) {
            return "GREASE";
        }
        if (version >>> 8 == 0x7F) {
            return "TLS 1.3 draft " + (version & 0xFF);
        }
        return switch (version) {
            case SSL_2_0 -> "SSL 2.0";
            case SSL_3_0 -> "SSL 3.0";
            case TLS_1_0 -> "TLS 1.0";
            case TLS_1_1 -> "TLS 1.1";
            case TLS_1_2 -> "TLS 1.2";
            case TLS_1_3 -> "TLS 1.3";
            default -> String.format("0x%04x", version);
        };
    }

    /**
     * The highest version a ClientHello offers: the highest non-GREASE supported_versions entry,
     * else its legacy_version. TLS 1.3 drafts (0x7fNN) rank below TLS 1.3 and above TLS 1.2, later
     * drafts higher; other values rank by number.
     */
    public static int highestOffered(ClientHello hello) {
        int best = -1;
        for (int v : hello.supportedVersions()) {
            if (!TlsGrease.is(v) && (best < 0 || rank(v) > rank(best))) {
                best = v;
            }
        }
        return best >= 0 ? best : hello.legacyVersion();
    }

    /** The version a ServerHello (or HelloRetryRequest) selects: its supported_versions value, else legacy_version. */
    public static int selected(ServerHello hello) {
        return hello.selectedVersion() >= 0 ? hello.selectedVersion() : hello.legacyVersion();
    }

    /** Ordering key: the version scaled by 256, drafts placed between TLS 1.2 and TLS 1.3. */
    private static long rank(int version) {
        if (version >>> 8 == 0x7F) {
            return (long) TLS_1_2 * 256 + (version & 0xFF);
        }
        return (long) version * 256;
    }
}
