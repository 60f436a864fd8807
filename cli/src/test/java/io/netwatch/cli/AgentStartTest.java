package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `netwatch agent` says when what it was given cannot work: the file, the aggregator's name. */
class AgentStartTest {
    @TempDir
    Path tmp;

    @Test
    void anAggregatorNameThatDoesNotResolveIsSaidSoNotAskedWhetherItRunsWithTls() {
        // Found in review: the agent's warning asked "is it running there, without TLS?" for a
        // name that resolves to nothing, sending the user to the aggregator and TLS settings.
        // .invalid never resolves (RFC 6761).
        CliRun r = CliRun.of("agent", "--pcap", Samples.demo().toString(), "--aggregator", "typo.invalid:50051",
                "--metrics", "none", "--drain-timeout", "2s");
        assertEquals(1, r.code(), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains("export: cannot reach the aggregator at typo.invalid:50051: its host name does"
                + " not resolve (UNAVAILABLE: Unable to resolve host typo.invalid); check the host in --aggregator"
                + " (aggregator)"), r.stderr());
        assertFalse(r.stderr().contains("running there"), r.stderr());
    }

    @Test
    void plaintextToAnotherMachineIsWarnedOf() {
        // Found in review: only "(plaintext)" at the end of the start line said that the flows
        // cross the network in the clear and that whoever answers is obeyed. 192.0.2.1 is
        // TEST-NET-1 (RFC 5737): another machine, which nothing answers.
        CliRun r = CliRun.of("agent", "--pcap", Samples.demo().toString(), "--aggregator", "192.0.2.1:50051",
                "--metrics", "none", "--drain-timeout", "1s");
        assertTrue(r.stderr().startsWith("netwatch agent: PLAINTEXT to the aggregator at 192.0.2.1:50051, another"
                + " machine: anyone on the path can read the flows"), r.stderr());
        CliRun local = CliRun.of("agent", "--pcap", Samples.demo().toString(), "--aggregator", "127.0.0.1:1",
                "--metrics", "none", "--drain-timeout", "1s");
        assertFalse(local.stderr().contains("PLAINTEXT"), local.stderr());
    }

    @Test
    void aCaptureFileThatCannotBeReadIsSaidWhy() throws Exception {
        // Found in review: "cannot read capture file X" and no more, where inspect says why.
        Path missing = tmp.resolve("missing.pcap");
        CliRun r = CliRun.of("agent", "--pcap", missing.toString(), "--metrics", "none");
        assertEquals(2, r.code(), r.stdout() + r.stderr());
        // Named by the setting that gave it, as every missing file is (found in review: "cannot open
        // capture file X: no such file", worded unlike the others and naming no setting).
        assertEquals("netwatch agent: --pcap (capture.pcap): " + missing + " does not exist; a pcap or pcapng"
                + " capture file is expected", r.stderr().strip());
        CliRun inspect = CliRun.of("inspect", missing.toString());
        assertEquals(r.stderr().replace("netwatch agent: --pcap (capture.pcap): ", "netwatch inspect: "),
                inspect.stderr());

        Path dir = Files.createDirectory(tmp.resolve("captures"));
        r = CliRun.of("agent", "--pcap", dir.toString(), "--metrics", "none");
        assertEquals(2, r.code(), r.stdout() + r.stderr());
        assertEquals("netwatch agent: cannot open capture file " + dir + ": it is a directory", r.stderr().strip());
    }
}
