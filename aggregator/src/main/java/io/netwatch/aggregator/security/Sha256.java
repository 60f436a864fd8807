package io.netwatch.aggregator.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of text: how tokens are kept and compared, and how alert groups are named at a receiver. */
public final class Sha256 {
    private Sha256() {
    }

    /** The digest of {@code text}'s UTF-8 bytes, in lower-case hex (64 digits). */
    public static String hex(String text) {
        return HexFormat.of().formatHex(of(text));
    }

    /** The digest of {@code text}'s UTF-8 bytes. */
    public static byte[] of(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
