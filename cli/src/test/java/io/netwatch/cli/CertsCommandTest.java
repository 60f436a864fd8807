package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** {@code netwatch certs}: the files a user gets, checked as a TLS stack would check them. */
class CertsCommandTest {
    @TempDir
    Path tmp;

    private static X509Certificate cert(Path p) throws Exception {
        try (InputStream in = Files.newInputStream(p)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** PKIX path validation, as the JDK's TLS does, against the CA file alone. */
    private static void validate(X509Certificate leaf, X509Certificate ca) throws Exception {
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), params);
    }

    private static List<String> names(X509Certificate c) throws Exception {
        List<String> out = new ArrayList<>();
        for (List<?> n : c.getSubjectAlternativeNames()) {
            out.add((String) n.get(1));
        }
        return out;
    }

    @Test
    void makesACaAndCertificatesThatVerifyWithOwnerOnlyKeys() throws Exception {
        Path out = tmp.resolve("certs");
        CliRun r = CliRun.of("certs", "--out", out.toString(), "--namespace", "watch", "--san", "agg.example.org,10.0.0.7");
        assertEquals(0, r.code(), r.stderr());
        X509Certificate ca = cert(out.resolve("ca.crt"));
        assertEquals(0, ca.getBasicConstraints(), "the CA may sign end-entity certificates only");
        for (String leaf : List.of("aggregator", "agent", "query")) {
            X509Certificate c = cert(out.resolve(leaf + ".crt"));
            validate(c, ca);
            assertEquals(-1, c.getBasicConstraints(), leaf + " is no CA");
            PrivateKey key = TlsFiles.privateKey(out.resolve(leaf + ".key"), "key");
            TlsFiles.requirePair(c, key, "cert", out.resolve(leaf + ".crt"), "key", out.resolve(leaf + ".key"));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve(leaf + ".key"))));
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("ca.key"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("query.token"))));
        assertTrue(Files.readString(out.resolve("query.token")).strip().length() >= 40);

        X509Certificate aggregator = cert(out.resolve("aggregator.crt"));
        assertEquals(List.of("netwatch-aggregator", "netwatch-aggregator.watch", "netwatch-aggregator.watch.svc",
                "netwatch-aggregator.watch.svc.cluster.local", "localhost", "127.0.0.1", "0:0:0:0:0:0:0:1",
                "agg.example.org", "10.0.0.7"), names(aggregator));
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), aggregator.getExtendedKeyUsage(), "server authentication");
        assertEquals(List.of("1.3.6.1.5.5.7.3.2"), cert(out.resolve("agent.crt")).getExtendedKeyUsage(), "client authentication");
        assertNotEquals(aggregator.getPublicKey(), cert(out.resolve("agent.crt")).getPublicKey(), "every role its own key");
    }

    @Test
    void aValidityPastAHundredYearsIsRefusedBeforeAnythingIsWritten() {
        // Found in review: --days 99999999 ended in a stack trace from the certificate encoder.
        Path out = tmp.resolve("long");
        CliRun r = CliRun.of("certs", "--out", out.toString(), "--days", "99999999");
        assertEquals(2, r.code());
        assertEquals("netwatch certs: --days must be 1 to 36500 (100 years), got 99999999", r.stderr().strip());
        assertFalse(Files.exists(out.resolve("ca.crt")));
    }

    @Test
    void aSanThatIsNoNameAndASecretsPathWithoutADirectoryAreRefusedBeforeAnythingIsWritten() {
        // Found in review: 'bad name!' went into the certificate; a bad --secret-yaml failed after
        // the keys were written, so that the rerun needed --force.
        Path out = tmp.resolve("sans");
        CliRun r = CliRun.of("certs", "--out", out.toString(), "--san", "agg.example.org,bad name!");
        assertEquals(2, r.code());
        assertTrue(r.stderr().contains("--san: 'bad name!' is neither an IP address nor a DNS name"), r.stderr());
        Path nowhere = tmp.resolve("missing").resolve("secrets.yaml");
        r = CliRun.of("certs", "--out", out.toString(), "--secret-yaml", nowhere.toString());
        assertEquals(2, r.code());
        assertTrue(r.stderr().contains("--secret-yaml: no directory " + nowhere.getParent() + "; nothing was written"),
                r.stderr());
        assertFalse(Files.exists(out.resolve("ca.crt")));
        assertEquals(0, CliRun.of("certs", "--out", out.toString(), "--san", "*.agg.example.org,10.0.0.7,fd00::7")
                .code());
        // The Secrets file in the --out directory that this run makes (found in review: refused).
        Path fresh = tmp.resolve("fresh");
        r = CliRun.of("certs", "--out", fresh.toString(), "--secret-yaml", fresh.resolve("secrets.yaml").toString());
        assertEquals(0, r.code(), r.stderr());
        assertTrue(Files.exists(fresh.resolve("secrets.yaml")) && Files.exists(fresh.resolve("ca.crt")));
    }

    @Test
    void neverOverwritesWithoutForce() throws Exception {
        Path out = tmp.resolve("certs");
        assertEquals(0, CliRun.of("certs", "--out", out.toString()).code());
        byte[] ca = Files.readAllBytes(out.resolve("ca.crt"));
        CliRun again = CliRun.of("certs", "--out", out.toString());
        assertEquals(2, again.code());
        assertTrue(again.stderr().contains("ca.crt exists") && again.stderr().contains("--force"), again.stderr());
        assertArrayEquals(ca, Files.readAllBytes(out.resolve("ca.crt")));
        assertEquals(0, CliRun.of("certs", "--out", out.toString(), "--force").code());
        assertFalse(java.util.Arrays.equals(ca, Files.readAllBytes(out.resolve("ca.crt"))), "a new CA");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("agent.key"))));
    }

    @Test
    void writesTheSecretsTheManifestsMount() throws Exception {
        Path out = tmp.resolve("certs");
        Path yaml = tmp.resolve("secrets.yaml");
        assertEquals(0, CliRun.of("certs", "--out", out.toString(), "--secret-yaml", yaml.toString()).code());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(yaml)));
        List<JsonNode> docs = new YAMLMapper().readerFor(JsonNode.class).<JsonNode>readValues(yaml.toFile()).readAll();
        assertEquals(3, docs.size());
        Map<String, JsonNode> byName = new java.util.HashMap<>();
        docs.forEach(d -> byName.put(d.get("metadata").get("name").asString(), d));
        assertEquals(Set.of(CertsCommand.AGGREGATOR_SECRET, CertsCommand.AGENT_SECRET, CertsCommand.TOKEN_SECRET),
                byName.keySet());
        JsonNode agg = byName.get(CertsCommand.AGGREGATOR_SECRET);
        assertEquals("kubernetes.io/tls", agg.get("type").asString());
        assertEquals("netwatch", agg.get("metadata").get("namespace").asString());
        String crt = new String(Base64.getDecoder().decode(agg.get("data").get("tls.crt").asString()), StandardCharsets.US_ASCII);
        assertEquals(Files.readString(out.resolve("aggregator.crt")), crt);
        String ca = new String(Base64.getDecoder().decode(byName.get(CertsCommand.AGENT_SECRET).get("data").get("ca.crt")
                .asString()), StandardCharsets.US_ASCII);
        assertEquals(Files.readString(out.resolve("ca.crt")), ca);
        String token = new String(Base64.getDecoder().decode(byName.get(CertsCommand.TOKEN_SECRET).get("data").get("token")
                .asString()), StandardCharsets.US_ASCII);
        assertEquals(Files.readString(out.resolve("query.token")).strip(), token, "the Secret holds the token alone");
    }

    @Test
    void anUnwritablePlaceIsNamed() throws Exception {
        Path file = tmp.resolve("a-file");
        Files.writeString(file, "x");
        CliRun r = CliRun.of("certs", "--out", file.resolve("sub").toString());
        assertEquals(2, r.code());
        // Found by a new user: the reason was the exception, "(java.nio.file.FileSystemException: ...)".
        assertEquals("netwatch certs: --out: cannot make the directory " + file.resolve("sub") + ": not a directory: "
                + file.resolve("sub") + "\n", r.stderr());
        r = CliRun.of("certs", "--out", file.toString());
        assertEquals(2, r.code());
        assertEquals("netwatch certs: --out: cannot make the directory " + file + ": " + file
                + " is a file, not a directory\n", r.stderr());
        CliRun y = CliRun.of("certs", "--out", tmp.resolve("ok").toString(), "--secret-yaml",
                tmp.resolve("no/such/dir/s.yaml").toString());
        assertEquals(2, y.code());
        assertTrue(y.stderr().contains("--secret-yaml: no directory " + tmp.resolve("no/such/dir")), y.stderr());
        assertFalse(Files.exists(tmp.resolve("ok").resolve("ca.crt")), "checked before anything is written");
    }

    @Test
    void refusesNamesThatAreNotKubernetesNames() {
        CliRun r = CliRun.of("certs", "--out", tmp.resolve("c").toString(), "--namespace", "Net_Watch");
        assertEquals(2, r.code());
        assertTrue(r.stderr().contains("--namespace"), r.stderr());
        assertFalse(Files.exists(tmp.resolve("c")));
    }

    @Test
    void aDirectoryAsTheSecretFileIsRefusedEvenWithForce() throws Exception {
        // Found trying it: with --force an empty directory given as --secret-yaml was deleted and
        // replaced by the file; a directory with files in it failed after the keys were written.
        Path dir = Files.createDirectory(tmp.resolve("secrets"));
        Path out = tmp.resolve("certs");
        CliRun r = CliRun.of("certs", "--out", out.toString(), "--secret-yaml", dir.toString(), "--force");
        assertEquals(2, r.code(), r.stderr());
        assertEquals("netwatch certs: --secret-yaml: " + dir + " is a directory; give the name of a file to write"
                + " (netwatch-secrets.yaml); nothing was written", r.stderr().strip());
        assertTrue(Files.isDirectory(dir));
        assertFalse(Files.exists(out.resolve("ca.crt")), "checked before anything is written");
    }

    @Test
    void aSecretFileThatExistsIsNamedWithItsOwnOption() throws Exception {
        // Found trying it: "secrets.yaml exists; remove it, choose another --out, or pass --force",
        // and another --out does not help.
        Path secrets = Files.writeString(tmp.resolve("secrets.yaml"), "kept\n");
        CliRun r = CliRun.of("certs", "--out", tmp.resolve("certs").toString(), "--secret-yaml", secrets.toString());
        assertEquals(2, r.code(), r.stderr());
        assertEquals("netwatch certs: --secret-yaml: " + secrets + " exists; remove it, choose another file, or pass"
                + " --force", r.stderr().strip());
    }
}
