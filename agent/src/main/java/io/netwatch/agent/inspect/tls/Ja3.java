package io.netwatch.agent.inspect.tls;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The JA3 TLS client fingerprint (Salesforce, BSD 3-clause), still the key of many threat
 * feeds: the string {@code legacy_version,ciphers,extensions,groups,ec_point_formats} with
 * every value in decimal, list values joined by {@code -} in the order sent and GREASE values
 * left out, and its MD5 in lowercase hex. A list that is absent stays empty, its commas kept.
 *
 * @param full the JA3 string
 * @param md5  its MD5, 32 lowercase hex digits
 */
public record Ja3(String full, String md5) {
    public Ja3 {
        Objects.requireNonNull(full, "full");
        Objects.requireNonNull(md5, "md5");
    }

    /**
     * The JA3 of a TLS-layout ClientHello; empty for an SSLv2 hello, for which JA3 is not defined
     * (the reference implementation and tshark give none).
     */
    public static Optional<Ja3> of(ClientHello hello) {
        if (hello.sslv2()) {
            return Optional.empty();
        }
        String full = hello.legacyVersion() + "," + join(hello.cipherSuites()) + "," + join(hello.extensions()) + ","
                + join(hello.supportedGroups()) + "," + join(hello.ecPointFormats());
        return Optional.of(new Ja3(full, md5(full)));
    }

    @Override
    public String toString() {
        return md5;
    }

    private static String join(List<Integer> values) {
        StringBuilder sb = new StringBuilder();
        for (int v : values) {
            if (TlsGrease.is(v)) {
                continue;
            }
            if (!sb.isEmpty()) {
                sb.append('-');
            }
            sb.append(v);
        }
        return sb.toString();
    }

    /** Looking a digest up by name costs more than the hash of a short list: one per thread, reused. */
    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no MD5", e);
        }
    });

    private static String md5(String s) {
        byte[] digest = MD5.get().digest(s.getBytes(StandardCharsets.US_ASCII));
        return HexFormat.of().formatHex(digest);
    }
}
