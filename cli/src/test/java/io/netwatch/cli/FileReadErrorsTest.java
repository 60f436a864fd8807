package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file whose read fails below the file system's checks, as on a failing disk or a network
 * file system gone: every command that reads one names the file and says what to fix. The
 * JDK reports such a failure as a bare {@link IOException} ("Input/output error"), not a
 * {@link java.nio.file.FileSystemException} that carries the path. {@code /proc/self/mem}
 * fails so on Linux, every time: a read at offset 0, where no process maps memory, is EIO.
 */
class FileReadErrorsTest {
    @TempDir
    Path tmp;

    private static final Path UNREADABLE = Path.of("/proc/self/mem");
    /** What every command says after the path. */
    private static final String WHY = "Input/output error (a failing disk or network file system, or a kernel file"
            + " that cannot be read as text): check that cat reads it, or give a readable copy";

    @BeforeAll
    static void readingItFailsWithABareIoException() {
        try (FileChannel c = FileChannel.open(UNREADABLE)) {
            c.read(java.nio.ByteBuffer.allocate(1));
            assumeTrue(false, UNREADABLE + " read: the fixture needs a read that fails");
        } catch (IOException e) {
            assumeTrue(e.getClass() == IOException.class && "Input/output error".equals(e.getMessage()),
                    UNREADABLE + ": " + e);
        }
    }

    private static String fixture(String name) throws Exception {
        return Path.of(FileReadErrorsTest.class.getResource("/policy/" + name).toURI()).toString();
    }

    private static void assertSaid(int code, String message, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(message, r.stderr().strip(), String.join(" ", args));
        assertEquals(code, r.code(), r.stderr());
    }

    @Test
    void theFlowsFile() throws Exception {
        // Found in review: "netwatch policy check: I/O error: Input/output error", no file named.
        assertSaid(1, "netwatch policy check: I/O error on " + UNREADABLE + ": " + WHY,
                "policy", "check", "--cluster", fixture("cluster.yaml"), "--flows", UNREADABLE.toString());
        assertSaid(1, "netwatch policy suggest: I/O error on " + UNREADABLE + ": " + WHY,
                "policy", "suggest", "-n", "shop", "--cluster", fixture("cluster.yaml"), "--flows", UNREADABLE.toString());
    }

    @Test
    void theClusterFileIsUnreadableNotInvalidYaml() throws Exception {
        // Found in review: "/proc/self/mem: not valid YAML: java.io.IOException: Input/output error at [Source: ...".
        assertSaid(2, "netwatch policy check: cannot read " + UNREADABLE + ": " + WHY,
                "policy", "check", "--cluster", UNREADABLE.toString(), "--flows", fixture("flows.jsonl"));
        // Bytes that are not UTF-8 also come up from the parser as an IOException: they were read.
        Path latin1 = Files.write(tmp.resolve("cluster.yaml"), "kind: Pod\nmetadata: {name: caf\u00e9}\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        CliRun r = CliRun.of("policy", "check", "--cluster", latin1.toString(), "--flows", fixture("flows.jsonl"));
        assertTrue(r.stderr().startsWith("netwatch policy check: " + latin1 + ": not valid YAML: "), r.stderr());
    }

    @Test
    void thePoliciesFile() throws Exception {
        assertSaid(2, "netwatch policy simulate: cannot read " + UNREADABLE + ": " + WHY,
                "policy", "simulate", "--policies", UNREADABLE.toString(), "--cluster", fixture("cluster.yaml"),
                "--flows", fixture("flows.jsonl"));
        Path latin1 = Files.write(tmp.resolve("policies.yaml"), "metadata: {name: caf\u00e9}\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        assertSaid(2, "netwatch policy simulate: cannot read " + latin1 + ": not UTF-8 text: save it as UTF-8",
                "policy", "simulate", "--policies", latin1.toString(), "--cluster", fixture("cluster.yaml"),
                "--flows", fixture("flows.jsonl"));
    }

    @Test
    void aRuleFile() {
        // Found in review: "cannot read rules: java.io.IOException: Input/output error", no file named.
        assertSaid(2, "netwatch rules check: cannot read rule file " + UNREADABLE + ": " + WHY,
                "rules", "check", UNREADABLE.toString());
    }

    @Test
    void theConfigurationFile() {
        assertSaid(2, "netwatch aggregator: cannot read configuration file " + UNREADABLE + ": " + WHY,
                "aggregator", "--config", UNREADABLE.toString());
    }

    @Test
    void theTokenAndCertificateFiles() {
        // Found in review: a CA file that could not be read was "not a PEM certificate file".
        assertSaid(2, "netwatch observe: --tls-ca: cannot read " + UNREADABLE + ": " + WHY,
                "observe", "--aggregator", "127.0.0.1:1", "--tls-ca", UNREADABLE.toString());
        assertSaid(2, "netwatch observe: --token-file: cannot read " + UNREADABLE + ": " + WHY,
                "observe", "--aggregator", "127.0.0.1:1", "--token-file", UNREADABLE.toString());
    }
}
