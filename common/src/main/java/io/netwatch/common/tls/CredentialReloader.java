package io.netwatch.common.tls;

import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.CertificateUtils;
import io.netwatch.common.TextFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Keeps one side's TLS credentials in step with their PEM files: its certificate chain and
 * key (in a gRPC {@link AdvancedTlsX509KeyManager}) and the CA certificates it trusts (in an
 * {@link AdvancedTlsX509TrustManager}). Kubernetes mounts them from a Secret and cert-manager
 * renews them in place, so {@link #run} rereads them, and new handshakes use what it put in
 * force.
 *
 * <p>What it must never do is put in force what cannot work: a chain with no certificate (a file
 * read while it is being written), a key that is not the certificate's (a Secret updated with
 * a new certificate and the old key), a certificate that has expired or is not valid yet, or an
 * empty or expired CA list. Each of those fails every new handshake, and the previous
 * credentials, which worked, would be gone. So each reread is checked as the first read is;
 * one that fails leaves the previous credentials in force, is reported ({@link Events}), and is
 * tried again at the next run. Change is told by the files' content, not their modification
 * times: gRPC's own file refresh waits for both the certificate's and the key's times to
 * change, so a certificate renewed with its key kept was never taken, and a pair read half
 * written stayed in force once the certificate was finished (its key's time no longer moved).
 * The files are small; reading them once a period costs nothing.
 *
 * <p>Not thread-safe: {@link #load} once, then {@link #run} from one scheduler thread.
 */
public final class CredentialReloader implements Runnable {
    /** Largest PEM file read: a certificate chain or a CA bundle is a few KiB. */
    public static final long MAX_PEM_BYTES = 1 << 20;

    /** What the rereads did, for the side to log and count. */
    public interface Events {
        /** Logs nothing, counts nothing. */
        Events NONE = (why, repeated) -> { };

        /**
         * A reread found changed files it cannot use; the previous credentials stay in force and
         * it is tried again at the next run.
         *
         * @param why      which file and what to fix
         * @param repeated true when the last run failed for the same reason (said already)
         */
        void failed(String why, boolean repeated);

        /** Changed files are in force; {@code what} names them (and the certificate's end). */
        default void reloaded(String what) {
        }

        /** The certificate in force has expired and no valid one replaced it; said once per certificate. */
        default void expired(String why) {
        }

        /**
         * {@code events} told of everything, and each failure (once while it repeats), reread
         * and expiry said in a line of its own ("tls: ...") to {@code warn} or {@code info}, the
         * side's log.
         *
         * @param inForce what stays when a reread fails, as the line names it ("the certificate, key and CA")
         */
        static Events said(Consumer<String> warn, Consumer<String> info, String inForce, Events events) {
            return new Events() {
                @Override
                public void failed(String why, boolean repeated) {
                    events.failed(why, repeated);
                    if (!repeated) {
                        warn.accept("tls: " + why + "; " + inForce + " in force stay until it is fixed");
                    }
                }

                @Override
                public void reloaded(String what) {
                    events.reloaded(what);
                    info.accept("tls: took " + what);
                }

                @Override
                public void expired(String why) {
                    events.expired(why);
                    warn.accept("tls: " + why);
                }
            };
        }
    }

    /** A file that cannot be used, and why. */
    private static final class Unusable extends Exception {
        Unusable(String message) {
            super(message);
        }
    }

    private final Path certificate;
    private final Path key;
    private final Path ca;
    private final AdvancedTlsX509KeyManager keys;
    private final AdvancedTlsX509TrustManager trust;
    private final Events events;
    private final InstantSource clock;
    /** SHA-256 of the certificate's and key's bytes in force; null before the first read. */
    private byte[] identityInForce;
    private byte[] caInForce;
    /** The leaf certificate in force, for its expiry. */
    private X509Certificate leaf;
    private boolean expirySaid;
    /** Why the last reread of each failed, null when it did not. */
    private String identityFailure;
    private String caFailure;

    /**
     * @param certificate the PEM certificate chain, or null for none ({@code key} and {@code keys} null too)
     * @param key         the unencrypted PKCS#8 PEM key of {@code certificate}
     * @param ca          PEM CA certificates, or null when {@code trust} is not read from a file
     */
    public CredentialReloader(Path certificate, Path key, AdvancedTlsX509KeyManager keys, Path ca,
                              AdvancedTlsX509TrustManager trust, Events events, InstantSource clock) {
        if ((certificate == null) != (key == null) || (certificate == null) != (keys == null)
                || (ca == null) != (trust == null)) {
            throw new IllegalArgumentException("a certificate goes with its key and a key manager, a CA file with a"
                    + " trust manager");
        }
        this.certificate = certificate;
        this.key = key;
        this.keys = keys;
        this.ca = ca;
        this.trust = trust;
        this.events = Objects.requireNonNull(events);
        this.clock = Objects.requireNonNull(clock);
    }

    /**
     * The first read, held to what every reread is.
     *
     * @throws IllegalArgumentException naming the file and what to fix when one cannot be used
     */
    public void load() {
        try {
            if (certificate != null) {
                byte[] c = read(certificate);
                byte[] k = read(key);
                putIdentity(c, k);
            }
            if (ca != null) {
                putCa(read(ca));
            }
        } catch (Unusable e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Rereads the files; puts in force what changed and can be used. Never throws: it runs on a schedule. */
    @Override
    public void run() {
        if (certificate != null) {
            try {
                byte[] c = read(certificate);
                byte[] k = read(key);
                if (!Arrays.equals(digest(c, k), identityInForce)) {
                    putIdentity(c, k);
                    events.reloaded("the certificate " + certificate + " (" + leaf.getSubjectX500Principal()
                            + ", valid until " + leaf.getNotAfter().toInstant() + ") and its key " + key);
                }
                identityFailure = null;
            } catch (Unusable | RuntimeException e) {
                identityFailure = failed(e, identityFailure);
            }
            Instant now = clock.instant();
            if (leaf != null && !expirySaid && leaf.getNotAfter().toInstant().isBefore(now)) {
                expirySaid = true;
                events.expired("the certificate in force, from " + certificate + " (" + leaf.getSubjectX500Principal()
                        + "), expired on " + leaf.getNotAfter().toInstant() + ": the other side refuses it; renew it"
                        + " (cert-manager, or netwatch certs) and it is taken without a restart");
            }
        }
        if (ca != null) {
            try {
                byte[] a = read(ca);
                if (!Arrays.equals(digest(a), caInForce)) {
                    putCa(a);
                    events.reloaded("the CA certificates " + ca);
                }
                caFailure = null;
            } catch (Unusable | RuntimeException e) {
                caFailure = failed(e, caFailure);
            }
        }
    }

    private String failed(Exception e, String last) {
        String why = e instanceof Unusable ? e.getMessage() : "rereading failed: " + e;
        events.failed(why, why.equals(last));
        return why;
    }

    private void putIdentity(byte[] certificateBytes, byte[] keyBytes) throws Unusable {
        X509Certificate[] chain = certificates(certificateBytes, certificate);
        X509Certificate first = chain[0];
        PrivateKey k;
        try {
            k = CertificateUtils.getPrivateKey(new ByteArrayInputStream(keyBytes));
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new Unusable(key + " holds no unencrypted PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----,"
                    + " RSA or EC)" + (keyBytes.length == 0 ? ": it is empty" : ""));
        }
        if (!isKeyOf(k, first)) {
            throw new Unusable("the key in " + key + " is not the key of the certificate in " + certificate + " ("
                    + first.getSubjectX500Principal() + "): a certificate and its key are replaced together");
        }
        requireValidNow(first, certificate);
        keys.updateIdentityCredentials(chain, k);
        identityInForce = digest(certificateBytes, keyBytes);
        leaf = first;
        expirySaid = false;
    }

    private void putCa(byte[] bytes) throws Unusable {
        X509Certificate[] cas = certificates(bytes, ca);
        String none = Validity.noCaValidAt(cas, ca, clock.instant());
        if (none != null) {
            throw new Unusable(none);
        }
        try {
            trust.updateTrustCredentials(cas);
        } catch (IOException | GeneralSecurityException e) {
            throw new Unusable("cannot use the CA certificates in " + ca + ": " + e.getMessage());
        }
        caInForce = digest(bytes);
    }

    private void requireValidNow(X509Certificate c, Path file) throws Unusable {
        String why = Validity.invalidAt(c, file, clock.instant());
        if (why != null) {
            throw new Unusable(why);
        }
    }

    private static X509Certificate[] certificates(byte[] bytes, Path file) throws Unusable {
        X509Certificate[] out;
        try {
            out = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes))
                    .toArray(X509Certificate[]::new);
        } catch (CertificateException | RuntimeException e) {
            throw new Unusable(file + " is not a PEM certificate file (" + e.getMessage() + ")");
        }
        if (out.length == 0) {
            throw new Unusable(file + " holds no PEM certificate" + (bytes.length == 0 ? ": it is empty" : ""));
        }
        return out;
    }

    private static byte[] read(Path file) throws Unusable {
        try {
            TextFiles.requireSmall(file, MAX_PEM_BYTES);
            return Files.readAllBytes(file);
        } catch (TextFiles.NotSmallFile e) {
            throw new Unusable(e.getMessage() + "; a PEM file is expected");
        } catch (IOException e) {
            throw new Unusable("cannot read " + file + " (" + e + ")");
        }
    }

    /**
     * Whether {@code key} is the private half of {@code certificate}'s public key: it signs a
     * random challenge, and the public key verifies it.
     */
    public static boolean isKeyOf(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> key.getAlgorithm();
        };
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            s.update(challenge);
            byte[] signed = s.sign();
            Signature v = Signature.getInstance(algorithm);
            v.initVerify(certificate.getPublicKey());
            v.update(challenge);
            return v.verify(signed);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static byte[] digest(byte[]... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                // Each part's length first: the certificate and key "ab"+"c" must not match "a"+"bc".
                d.update(new byte[] {(byte) (p.length >>> 24), (byte) (p.length >>> 16), (byte) (p.length >>> 8),
                        (byte) p.length});
                d.update(p);
            }
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
