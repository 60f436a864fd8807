package io.netwatch.agent.inspect.quic;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with SHA-256 (RFC 5869) and TLS 1.3's HKDF-Expand-Label (RFC 8446 §7.1), the key schedule
 * of QUIC's Initial packets. Inputs here are fixed salts, labels and a connection ID of at most
 * 20 bytes, never attacker-sized. One instance holds one JCE {@link Mac}, re-keyed per call: use
 * it on one thread, for one key derivation.
 */
final class Hkdf {
    private static final String HMAC = "HmacSHA256";
    /** SHA-256 output, bytes. */
    static final int HASH_LENGTH = 32;
    private static final byte[] TLS13_PREFIX = "tls13 ".getBytes(StandardCharsets.US_ASCII);

    private final Mac mac;

    Hkdf() {
        try {
            mac = Mac.getInstance(HMAC);
        } catch (GeneralSecurityException e) {
            // Every Java platform must provide HmacSHA256: this is a broken JDK, not bad input.
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** HKDF-Extract(salt, ikm) = HMAC-SHA256(salt, ikm). */
    byte[] extract(byte[] salt, byte[] ikm) {
        key(salt);
        return mac.doFinal(ikm);
    }

    /**
     * HKDF-Expand-Label(secret, label, "", length): HKDF-Expand with the info
     * {@code uint16 length || opaque label<7..255> = "tls13 " + label || opaque context<0..255> = ""}.
     */
    byte[] expandLabel(byte[] secret, String label, int length) {
        byte[] l = label.getBytes(StandardCharsets.US_ASCII);
        byte[] info = new byte[2 + 1 + TLS13_PREFIX.length + l.length + 1];
        info[0] = (byte) (length >>> 8);
        info[1] = (byte) length;
        info[2] = (byte) (TLS13_PREFIX.length + l.length);
        System.arraycopy(TLS13_PREFIX, 0, info, 3, TLS13_PREFIX.length);
        System.arraycopy(l, 0, info, 3 + TLS13_PREFIX.length, l.length);
        info[info.length - 1] = 0;
        return expand(secret, info, length);
    }

    /** HKDF-Expand(prk, info, length): T(i) = HMAC(prk, T(i-1) || info || i), concatenated. */
    byte[] expand(byte[] prk, byte[] info, int length) {
        if (length < 0 || length > 255 * HASH_LENGTH) {
            throw new IllegalArgumentException("HKDF-Expand length " + length);
        }
        key(prk);
        byte[] out = new byte[length];
        byte[] t = new byte[0];
        for (int i = 1, done = 0; done < length; i++) {
            mac.update(t);
            mac.update(info);
            mac.update((byte) i);
            t = mac.doFinal();
            int n = Math.min(t.length, length - done);
            System.arraycopy(t, 0, out, done, n);
            done += n;
        }
        return out;
    }

    private void key(byte[] key) {
        try {
            mac.init(new SecretKeySpec(key, HMAC));
        } catch (GeneralSecurityException e) {
            // Keys here are salts and 32-byte secrets, never empty: HMAC accepts them all.
            throw new IllegalStateException("HmacSHA256 refused a key", e);
        }
    }
}
