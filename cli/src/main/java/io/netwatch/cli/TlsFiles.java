package io.netwatch.cli;

import io.netwatch.cli.config.ConfigSource;
import io.netwatch.cli.config.ConfigValues;
import io.netwatch.common.TextFiles;
import io.netwatch.common.tls.CredentialReloader;
import io.netwatch.common.tls.Validity;
import java.io.IOException;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Checks certificate, key and CA files before anything starts, so a missing, unreadable,
 * expired or mismatched file is one clear line naming the option and the file, instead of a
 * handshake failing later on the other side. gRPC reads the same files itself afterwards
 * (and rereads them when they change).
 */
final class TlsFiles {
    private TlsFiles() {
    }

    /** Largest PEM file read: a certificate chain is a few KiB. */
    private static final long MAX_PEM_BYTES = CredentialReloader.MAX_PEM_BYTES;

    /** Refuses what is not a small regular file before reading it (see {@link TextFiles#requireSmall}). */
    private static void regular(Path file, String option) {
        try {
            TextFiles.requireSmall(file, MAX_PEM_BYTES);
        } catch (TextFiles.NotSmallFile e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage() + "; a PEM file is expected");
        } catch (IOException e) {
            throw new IllegalArgumentException(option + ": cannot read " + file + ": " + TextFiles.whyUnreadable(e));
        }
    }

    /**
     * The file's bytes, read whole before they are parsed (it is small: {@link #regular}): a
     * parser's IOException is a read failure or bad content alike, and found in review, a CA
     * file whose read failed was "not a PEM certificate file".
     */
    private static byte[] read(Path file, String option) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + ": cannot read " + file + ": " + TextFiles.whyUnreadable(e));
        }
    }

    /**
     * The CA certificates in a PEM file; at least one valid now. A rotation's bundle holds the
     * old CA beside the new one, and either may be outside its validity for a while (the old one
     * expired, the new one made a little ahead of this machine's clock).
     */
    static List<X509Certificate> caCertificates(Path file, String option) {
        List<X509Certificate> out = parse(file, option);
        String none = Validity.noCaValidAt(out.toArray(X509Certificate[]::new), file, Instant.now());
        if (none != null) {
            throw new IllegalArgumentException(option + ": " + none);
        }
        return out;
    }

    /** The certificates in a PEM file; at least one, each valid now. */
    static List<X509Certificate> certificates(Path file, String option) {
        List<X509Certificate> out = parse(file, option);
        for (X509Certificate c : out) {
            String why = Validity.invalidAt(c, file, Instant.now());
            if (why != null) {
                throw new IllegalArgumentException(option + ": " + why);
            }
        }
        return out;
    }

    /** The certificates in a PEM file; at least one. */
    private static List<X509Certificate> parse(Path file, String option) {
        regular(file, option);
        List<X509Certificate> out = new ArrayList<>();
        byte[] bytes = read(file, option);
        try {
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes))) {
                out.add((X509Certificate) c);
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException(option + ": " + file + " is not a PEM certificate file (" + e.getMessage()
                    + ")");
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(option + ": " + file + " holds no PEM certificate");
        }
        return out;
    }

    /** An unencrypted PKCS#8 PEM private key, the form gRPC's Netty transport reads. */
    static PrivateKey privateKey(Path file, String option) {
        regular(file, option);
        Object pem;
        byte[] bytes = read(file, option);
        try (PEMParser parser = new PEMParser(new StringReader(new String(bytes, StandardCharsets.US_ASCII)))) {
            pem = parser.readObject();
        } catch (IOException e) {
            throw new IllegalArgumentException(option + ": " + file + " is not a PEM file (" + e.getMessage() + ")");
        }
        if (pem instanceof PEMKeyPair) {
            throw new IllegalArgumentException(option + ": " + file + " is a PKCS#1/SEC1 key; gRPC needs PKCS#8:"
                    + " openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem");
        }
        if (pem instanceof PEMEncryptedKeyPair || pem instanceof PKCS8EncryptedPrivateKeyInfo) {
            throw new IllegalArgumentException(option + ": " + file + " is encrypted; give an unencrypted PKCS#8 key"
                    + " (a Kubernetes Secret protects it at rest)");
        }
        if (!(pem instanceof PrivateKeyInfo info)) {
            throw new IllegalArgumentException(option + ": " + file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
        try {
            return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + ": the key in " + file + " cannot be used: " + e.getMessage());
        }
    }

    /** Fails unless {@code key} is the private half of the first certificate's public key. */
    static void requirePair(X509Certificate cert, PrivateKey key, String certOption, Path certFile, String keyOption,
                            Path keyFile) {
        if (!CredentialReloader.isKeyOf(key, cert)) {
            throw new IllegalArgumentException(keyFile + " (" + keyOption + ") is not the key of the certificate in "
                    + certFile + " (" + certOption + "; " + cert.getSubjectX500Principal() + ")");
        }
    }

    /**
     * Checks a certificate with its key: readable, valid now, and a pair. A key every user of
     * this machine can read is said on standard error, with the fix: it is not refused, since
     * a Secret volume mounted without a defaultMode makes it so, and the pod's other users are
     * few; but the key is what a certificate's holder proves itself with.
     */
    static void requireIdentity(Path cert, String certOption, Path key, String keyOption) {
        X509Certificate leaf = certificates(cert, certOption).getFirst();
        requirePair(leaf, privateKey(key, keyOption), certOption, cert, keyOption, key);
        String readable = readableByAll(key);
        if (readable != null) {
            System.err.println("netwatch: " + keyOption + ": " + key + " can be read by every user of this machine ("
                    + readable + "); a private key should be its owner's alone: chmod 600 " + key
                    + " (in Kubernetes, mount its Secret with defaultMode: 0400, or 0440 with the pod's fsGroup)");
        }
    }

    /** The file's mode as {@code ls -l} shows it when others may read it, else null (or not POSIX). */
    private static String readableByAll(Path file) {
        try {
            java.util.Set<java.nio.file.attribute.PosixFilePermission> p = Files.getPosixFilePermissions(file);
            return p.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)
                    ? "mode " + java.nio.file.attribute.PosixFilePermissions.toString(p) : null;
        } catch (UnsupportedOperationException | IOException e) {
            return null;
        }
    }

    /**
     * Fails naming the settings given and the ones missing when some but not all of a set are
     * given. The missing ones are named as the first given one is: by their options after an
     * option, by their keys after a configuration file's key or a variable.
     */
    static void requireAllOrNone(String what, Setting[] settings, Object... values) {
        List<Setting> given = new ArrayList<>();
        List<Setting> missing = new ArrayList<>();
        for (int i = 0; i < settings.length; i++) {
            (values[i] == null ? missing : given).add(settings[i]);
        }
        if (!given.isEmpty() && !missing.isEmpty()) {
            Setting first = given.getFirst();
            throw new IllegalArgumentException(what + " needs " + String.join(", ",
                    java.util.Arrays.stream(settings).map(s -> s.nameLike(first)).toList()) + " together; "
                    + String.join(", ", given.stream().map(Setting::given).toList()) + " given but not "
                    + String.join(", ", missing.stream().map(s -> s.nameLike(first)).toList()));
        }
    }

    /**
     * A TLS setting as a message names it: by the option the user typed, or, when the value
     * came from the configuration, by the key and the file ({@code tls.cert in agent.yaml}) or
     * by the variable. (Found by a new user: agent.yaml with tls.cert but no tls.key was
     * refused with "--tls-cert given but not --tls-key".)
     *
     * @param option the command-line option, {@code --tls-cert}
     * @param key    the configuration key of the same value, {@code tls.cert}
     * @param from   where the value came from when the configuration gave it; null for the option (or unset)
     */
    record Setting(String option, String key, ConfigSource from) {
        static Setting option(String option, String key) {
            return new Setting(option, key, null);
        }

        /** The same setting, its value taken from {@code v}'s {@code key}. */
        Setting from(ConfigValues v) {
            return new Setting(option, key, v.origin(key));
        }

        /** How a message names the value given: {@code --tls-cert}, {@code tls.cert in agent.yaml}, a variable. */
        String given() {
            if (from == null) {
                return option;
            }
            return from.isFile() ? key + " in " + from.name() : from.name();
        }

        /** How a message names this setting beside {@code other}: by option after an option, else by key. */
        String nameLike(Setting other) {
            return other.from == null ? option : key;
        }
    }
}
