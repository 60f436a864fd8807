package io.netwatch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

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

    void write(String name, DevCertificates.Issued issued) throws IOException {
        Files.writeString(crt(name), issued.certificatePem());
        Files.writeString(key(name), issued.keyPem());
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
