package io.netwatch.agent.inspect.tls;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The JA4 TLS client fingerprint (FoxIO, {@code technical_details/JA4.md}, BSD 3-clause), e.g.
 * {@code t13d1516h2_8daaf6152771_e5627efa2ab1}:
 * <ul>
 * <li>a: {@code t} (TCP) or {@code q} (QUIC); the version (highest non-GREASE supported_versions
 * value, else legacy_version: {@code 13 12 11 10 s3 s2}, anything else {@code 00}); {@code d} when
 * the server_name extension is present, else {@code i}; two-digit counts (at most 99) of cipher
 * suites and of extensions, GREASE left out; the first and last character of the first ALPN
 * protocol ({@code 00} when there is none or it is empty; when either end byte is not ASCII
 * alphanumeric, the first and last hex digit of the protocol's bytes instead);</li>
 * <li>b: the first 12 hex digits of SHA-256 over the non-GREASE cipher suites as 4-digit lowercase
 * hex, sorted, joined by commas;</li>
 * <li>c: the same over the non-GREASE extension types sorted, without server_name (0000) and ALPN
 * (0010), then, when there are any, {@code _} and the non-GREASE signature algorithms in the order
 * sent.</li>
 * </ul>
 * An empty list makes its part {@code 000000000000} rather than the hash of nothing.
 *
 * <p>Choices where the specification is silent, so they are stated: a supported_versions
 * extension with no non-GREASE value falls back to legacy_version; the highest version is the
 * numerically highest, as FoxIO's implementation picks it, so a TLS 1.3 draft (0x7fNN) gives
 * {@code 00}; an SSLv2 hello's 3-byte cipher specs are written as 6 hex digits when they are not
 * TLS suites ({@code 0x00XXXX} stays 4 digits). GREASE is dropped from signature algorithms too,
 * as the specification says ("anywhere"; FoxIO ja4 issue 305).
 *
 * @param fingerprint the JA4 fingerprint
 * @param raw         JA4_r: the same with the sorted lists in clear instead of hashed
 */
public record Ja4(String fingerprint, String raw) {
    private static final String EMPTY_HASH = "000000000000";

    public Ja4 {
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(raw, "raw");
    }

    /**
     * @param hello a parsed ClientHello
     * @param quic  the hello came in QUIC CRYPTO frames (prefix {@code q}) rather than over TCP ({@code t})
     */
    public static Ja4 of(ClientHello hello, boolean quic) {
        List<String> ciphers = hex(hello.cipherSuites());
        List<Integer> extensions = withoutGrease(hello.extensions());
        List<String> sortedExtensions = new ArrayList<>();
        for (int type : extensions) {
            if (type != ClientHello.EXT_SERVER_NAME && type != ClientHello.EXT_ALPN) {
                sortedExtensions.add(hex4(type));
            }
        }
        ciphers.sort(null);
        sortedExtensions.sort(null);
        List<String> signatures = hex(hello.signatureAlgorithms());

        String a = (quic ? "q" : "t") + version(hello) + (hello.hasExtension(ClientHello.EXT_SERVER_NAME) ? "d" : "i")
                + count(ciphers.size()) + count(extensions.size()) + alpn(hello.alpn());
        String cipherList = String.join(",", ciphers);
        String extensionList = String.join(",", sortedExtensions)
                + (signatures.isEmpty() ? "" : "_" + String.join(",", signatures));
        String b = ciphers.isEmpty() ? EMPTY_HASH : sha256First12(cipherList);
        String c = sortedExtensions.isEmpty() ? EMPTY_HASH : sha256First12(extensionList);
        return new Ja4(a + "_" + b + "_" + c, a + "_" + cipherList + "_" + extensionList);
    }

    @Override
    public String toString() {
        return fingerprint;
    }

    private static String version(ClientHello hello) {
        int best = -1;
        if (hello.hasExtension(ClientHello.EXT_SUPPORTED_VERSIONS)) {
            for (int v : hello.supportedVersions()) {
                if (!TlsGrease.is(v)) {
                    best = Math.max(best, v);
                }
            }
        }
        int version = best >= 0 ? best : hello.legacyVersion();
        return switch (version) {
            case TlsVersions.TLS_1_3 -> "13";
            case TlsVersions.TLS_1_2 -> "12";
            case TlsVersions.TLS_1_1 -> "11";
            case TlsVersions.TLS_1_0 -> "10";
            case TlsVersions.SSL_3_0 -> "s3";
            case TlsVersions.SSL_2_0 -> "s2";
            default -> "00";
        };
    }

    private static String count(int n) {
        int c = Math.min(n, 99);
        return c < 10 ? "0" + c : Integer.toString(c);
    }

    /** First and last character of the first ALPN protocol, or of its hex when an end is not alphanumeric. */
    private static String alpn(List<String> protocols) {
        if (protocols.isEmpty() || protocols.getFirst().isEmpty()) {
            return "00";
        }
        String p = protocols.getFirst();
        char first = p.charAt(0);
        char last = p.charAt(p.length() - 1);
        if (alphanumeric(first) && alphanumeric(last)) {
            return "" + first + last;
        }
        String hex = HexFormat.of().formatHex(p.getBytes(StandardCharsets.ISO_8859_1));
        return "" + hex.charAt(0) + hex.charAt(hex.length() - 1);
    }

    private static boolean alphanumeric(char c) {
        return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z';
    }

    private static List<Integer> withoutGrease(List<Integer> values) {
        List<Integer> kept = new ArrayList<>(values.size());
        for (int v : values) {
            if (!TlsGrease.is(v)) {
                kept.add(v);
            }
        }
        return kept;
    }

    private static List<String> hex(List<Integer> values) {
        List<String> out = new ArrayList<>(values.size());
        for (int v : withoutGrease(values)) {
            out.add(hex4(v));
        }
        return out;
    }

    /** Lowercase hex, at least 4 digits (an SSLv2 cipher spec above 0xffff keeps its 6). */
    private static final HexFormat HEX = HexFormat.of();

    private static String hex4(int v) {
        // HexFormat, not String.format: this runs for every cipher and extension of every hello.
        return v > 0xFFFF ? HEX.toHexDigits(v).substring(2) : HEX.toHexDigits((short) v);
    }

    /** Looking a digest up by name costs more than the hash of a short list: one per thread, reused. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    });

    private static String sha256First12(String s) {
        byte[] digest = SHA256.get().digest(s.getBytes(StandardCharsets.US_ASCII));
        return HexFormat.of().formatHex(digest, 0, 6);
    }
}
