package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mistakes in the TLS options stop {@code netwatch aggregator}, {@code agent} and the query
 * commands at start with one line naming the option and the file, before any socket opens.
 */
class TlsOptionsTest {
    @TempDir
    Path tmp;

    private TestPki pki;

    @BeforeEach
    void certificates() throws Exception {
        pki = new TestPki(tmp);
    }

    private CliRun aggregator(String... tls) {
        String[] args = new String[tls.length + 3];
        args[0] = "aggregator";
        args[1] = "--listen";
        args[2] = "127.0.0.1:0";
        System.arraycopy(tls, 0, args, 3, tls.length);
        return CliRun.of(args);
    }

    private static void assertRefused(CliRun r, String... parts) {
        assertEquals(2, r.code(), r.stdout() + r.stderr());
        for (String p : parts) {
            assertTrue(r.stderr().contains(p), "'" + p + "' in: " + r.stderr());
        }
    }

    @Test
    void aMissingFileIsNamedWithItsOption() {
        Path missing = tmp.resolve("nope.crt");
        assertRefused(aggregator("--tls-cert", missing.toString(), "--tls-key", pki.key("aggregator").toString(),
                "--tls-client-ca", pki.crt("ca").toString()), "--tls-cert: " + missing + " does not exist; a PEM file is expected");
        assertRefused(aggregator("--tls-cert", pki.crt("aggregator").toString(), "--tls-key", pki.key("aggregator").toString(),
                "--tls-client-ca", missing.toString()), "--tls-client-ca: " + missing + " does not exist");
    }

    @Test
    void aKeyEveryUserCanReadIsSaidWithTheFix() throws Exception {
        // Found in review: nothing was said of a private key any user of the machine could read.
        Files.setPosixFilePermissions(pki.key("query"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        CliRun r = CliRun.of("agents", "--aggregator", "127.0.0.1:1", "--timeout", "1", "--tls-ca", pki.crt("ca").toString(),
                "--tls-cert", pki.crt("query").toString(), "--tls-key", pki.key("query").toString());
        assertTrue(r.stderr().startsWith("netwatch: --tls-key: " + pki.key("query") + " can be read by every user of this"
                + " machine (mode rw-r--r--); a private key should be its owner's alone: chmod 600 " + pki.key("query")
                + " (in Kubernetes, mount its Secret with defaultMode: 0400"), r.stderr());
        // Readable by its group (a Secret mounted 0440 for the pod's fsGroup) is not every user.
        Files.setPosixFilePermissions(pki.key("query"), java.nio.file.attribute.PosixFilePermissions.fromString("r--r-----"));
        r = CliRun.of("agents", "--aggregator", "127.0.0.1:1", "--timeout", "1", "--tls-ca", pki.crt("ca").toString(),
                "--tls-cert", pki.crt("query").toString(), "--tls-key", pki.key("query").toString());
        assertFalse(r.stderr().contains("can be read by every user"), r.stderr());
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsNamed() {
        assertRefused(aggregator("--tls-cert", pki.crt("aggregator").toString(), "--tls-key", pki.key("agent").toString(),
                "--tls-client-ca", pki.crt("ca").toString()),
                pki.key("agent") + " (--tls-key) is not the key of the certificate in " + pki.crt("aggregator")
                        + " (--tls-cert; ");
    }

    @Test
    void filesOfTheWrongKindAreNamed() throws Exception {
        assertRefused(aggregator("--tls-cert", pki.key("aggregator").toString(), "--tls-key", pki.key("aggregator").toString(),
                "--tls-client-ca", pki.crt("ca").toString()), "--tls-cert", pki.key("aggregator").toString());
        assertRefused(aggregator("--tls-cert", pki.crt("aggregator").toString(), "--tls-key", pki.crt("aggregator").toString(),
                "--tls-client-ca", pki.crt("ca").toString()), "--tls-key: " + pki.crt("aggregator") + " holds no PEM private key");
        Path garbage = tmp.resolve("garbage.pem");
        Files.write(garbage, new byte[] {0, 1, 2, (byte) 0xff, '-', '-'});
        assertRefused(aggregator("--tls-cert", pki.crt("aggregator").toString(), "--tls-key", pki.key("aggregator").toString(),
                "--tls-client-ca", garbage.toString()), "--tls-client-ca", garbage.toString());
        // Found in review: /dev/zero was read for ever.
        assertRefused(aggregator("--tls-cert", pki.crt("aggregator").toString(), "--tls-key", pki.key("aggregator").toString(),
                "--tls-client-ca", "/dev/zero"), "--tls-client-ca: /dev/zero is not a regular file (a device or a pipe); a PEM file is expected");
        assertRefused(aggregator("--tls-cert", pki.crt("aggregator").toString(), "--tls-key", "/dev/zero",
                "--tls-client-ca", pki.crt("ca").toString()), "--tls-key: /dev/zero is not a regular file");
    }

    @Test
    void partialTlsOptionsSayWhatIsMissing() {
        assertRefused(aggregator("--tls-cert", pki.crt("aggregator").toString()),
                "--tls-cert given but not --tls-key, --tls-client-ca");
        assertRefused(CliRun.of("agent", "--pcap", Samples.demo().toString(), "--metrics", "none",
                        "--tls-ca", pki.crt("ca").toString()),
                "mutual TLS needs --tls-ca, --tls-cert, --tls-key together; --tls-ca given but not --tls-cert, --tls-key");
        assertRefused(CliRun.of("agents", "--tls-cert", pki.crt("query").toString()),
                "--tls-cert given but not --tls-key");
    }

    /** A configuration file's TLS files are named by their keys and the file (a new user's report). */
    @Test
    void partialTlsKeysInAFileAreNamedAsKeys() throws Exception {
        Path agentYaml = tmp.resolve("agent.yaml");
        Files.writeString(agentYaml, "tls:\n  ca: " + pki.crt("ca") + "\n  cert: " + pki.crt("agent") + "\n");
        CliRun agent = CliRun.of("agent", "--config", agentYaml.toString(), "--pcap", Samples.demo().toString(),
                "--metrics", "none");
        assertRefused(agent, "a client certificate needs tls.cert, tls.key together; tls.cert in agent.yaml given"
                + " but not tls.key");
        assertFalse(agent.stderr().contains("--tls"), agent.stderr());

        Path aggregatorYaml = tmp.resolve("aggregator.yaml");
        Files.writeString(aggregatorYaml, "tls:\n  cert: " + pki.crt("aggregator") + "\n");
        assertRefused(aggregator("--config", aggregatorYaml.toString()),
                "TLS needs tls.cert, tls.key, tls.client_ca together; tls.cert in aggregator.yaml given but not tls.key,"
                        + " tls.client_ca");
        Files.writeString(aggregatorYaml, "query:\n  token_file: " + tmp.resolve("query.token") + "\n");
        assertRefused(aggregator("--config", aggregatorYaml.toString()), "query.token_file in aggregator.yaml needs"
                + " TLS (tls.cert, tls.key, tls.client_ca)");

        // A file's value is checked under its key too, and a flag beside it keeps its own name.
        Files.writeString(agentYaml, "tls:\n  ca: " + pki.crt("ca") + "\n  key: " + pki.key("query") + "\n");
        assertRefused(CliRun.of("agent", "--config", agentYaml.toString(), "--pcap", Samples.demo().toString(),
                "--metrics", "none", "--tls-cert", pki.crt("agent").toString()),
                pki.key("query") + " (tls.key in agent.yaml) is not the key of the certificate in " + pki.crt("agent")
                        + " (--tls-cert; ");
    }

    @Test
    void whatStopsTheAgentGoesToStandardError() {
        // Found in review: a missing rules path was printed on standard output.
        CliRun r = CliRun.of("agent", "--pcap", Samples.demo().toString(), "--metrics", "none", "--rules",
                tmp.resolve("nonexistent").toString());
        assertRefused(r, "netwatch agent: --rules (rules.paths): " + tmp.resolve("nonexistent") + " does not exist");
        assertFalse(r.stdout().contains("does not exist"), r.stdout());
    }

    @Test
    void aTokenNeverTravelsInPlaintext() {
        assertRefused(aggregator("--query-token-file", tmp.resolve("query.token").toString()),
                "--query-token-file needs TLS");
    }

    @Test
    void anExpiredCertificateIsRefusedAtStart() {
        assertRefused(CliRun.of("agent", "--pcap", Samples.demo().toString(), "--metrics", "none",
                        "--tls-ca", pki.crt("ca").toString(), "--tls-cert", pki.crt("expired-agent").toString(),
                        "--tls-key", pki.key("expired-agent").toString()),
                "--tls-cert: the certificate", pki.crt("expired-agent") + " expired on");
    }

    @Test
    void aTooShortQueryTokenIsRefusedAtStart() throws Exception {
        Path shortToken = tmp.resolve("short.token");
        Files.writeString(shortToken, "abc\n");
        assertRefused(aggregator("--tls-cert", pki.crt("aggregator").toString(), "--tls-key", pki.key("aggregator").toString(),
                "--tls-client-ca", pki.crt("ca").toString(), "--query-token-file", shortToken.toString()),
                "query token file " + shortToken, "at least 16");
    }

    @Test
    void anUnreadableTokenFileOfAQueryCommandIsNamed() {
        Path missing = tmp.resolve("missing.token");
        assertRefused(CliRun.of("agents", "--token-file", missing.toString()), "--token-file: " + missing + " does not exist; a token file is expected (netwatch certs makes one)");
    }
}
