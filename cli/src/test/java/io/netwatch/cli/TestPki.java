package io.netwatch.cli;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates for the TLS tests, made by the code behind {@code netwatch certs}: the CA
 * and the aggregator, agent and query certificates the command makes, plus what an attacker
 * or a neglected cluster would bring (a certificate from another CA, an expired one).
 */
final class TestPki {
    final Path dir;
    final DevCertificates.Issued ca;
    final DevCertificates.Issued otherCa;

    TestPki(Path dir) throws IOException {
        this.dir = dir;
        Instant from = Instant.now().minus(Duration.ofMinutes(5));
        Instant to = from.plus(Duration.ofDays(1));
        ca = DevCertificates.authority("test CA", from, to);
        otherCa = DevCertificates.authority("another CA", from, to);
        write("ca", ca);
        write("other-ca", otherCa);
        write("aggregator", DevCertificates.issue(ca, "netwatch-aggregator", DevCertificates.Role.SERVER,
                List.of("netwatch-aggregator", "localhost", "127.0.0.1"), from, to));
        write("agent", DevCertificates.issue(ca, "netwatch-agent", DevCertificates.Role.CLIENT, List.of(), from, to));
        write("query", DevCertificates.issue(ca, "netwatch-query", DevCertificates.Role.CLIENT, List.of(), from, to));
        write("foreign-agent", DevCertificates.issue(otherCa, "netwatch-agent", DevCertificates.Role.CLIENT, List.of(),
                from, to));
        write("expired-agent", DevCertificates.issue(ca, "netwatch-agent", DevCertificates.Role.CLIENT, List.of(),
                from.minus(Duration.ofDays(30)), from.minus(Duration.ofDays(1))));
        Files.writeString(dir.resolve("query.token"), "s3cr3t-token-for-the-query-api\n");
        Files.writeString(dir.resolve("wrong.token"), "not-the-token-of-the-query-api\n");
    }

    Path crt(String name) {
        return dir.resolve(name + ".crt");
    }

    Path key(String name) {
        return dir.resolve(name + ".key");
    }

    /** Writes a certificate and its key, the key owner-only as netwatch certs writes it. */
    void write(String name, DevCertificates.Issued issued) throws IOException {
        Files.writeString(crt(name), issued.certificatePem());
        Files.writeString(key(name), issued.keyPem());
        Files.setPosixFilePermissions(key(name), PosixFilePermissions.fromString("rw-------"));
    }

    /** The certificate and key written as {@code name}, read back. */
    DevCertificates.Issued issued(String name) {
        return new DevCertificates.Issued(TlsFiles.certificates(crt(name), name).getFirst(),
                TlsFiles.privateKey(key(name), name));
    }

    /**
     * Replaces only {@code name}'s certificate with one {@code ca} signs for the same key and the
     * server names given (a renewal that keeps its key: cert-manager's rotationPolicy Never, or
     * a CSR signed again); the key file is not touched.
     */
    void renewKeepingKey(String name, DevCertificates.Issued ca, List<String> serverNames) throws Exception {
        X509Certificate old = TlsFiles.certificates(crt(name), name).getFirst();
        Instant from = Instant.now().minus(Duration.ofMinutes(5));
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()),
                BigInteger.valueOf(System.nanoTime()), Date.from(from), Date.from(from.plus(Duration.ofDays(1))),
                X500Name.getInstance(old.getSubjectX500Principal().getEncoded()), old.getPublicKey());
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(serverNames.stream()
                .map(n -> new GeneralName(n.matches("[0-9.]+") ? GeneralName.iPAddress : GeneralName.dNSName, n))
                .toArray(GeneralName[]::new)));
        X509Certificate renewed = new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.key())));
        Path c = dir.resolve(name + ".crt.new");
        Files.writeString(c, DevCertificates.pem(renewed));
        Files.move(c, crt(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Replaces a certificate and key the way a Secret update does: each file swapped whole. */
    void rotate(String name, DevCertificates.Issued issued) throws IOException {
        Path k = dir.resolve(name + ".key.new");
        Path c = dir.resolve(name + ".crt.new");
        Files.writeString(k, issued.keyPem());
        Files.writeString(c, issued.certificatePem());
        Files.move(k, key(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.move(c, crt(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
