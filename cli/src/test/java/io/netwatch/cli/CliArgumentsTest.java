package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Mistakes in options: one line naming the option and the value, status 2, never the usage text. */
class CliArgumentsTest {
    @Test
    void countsBelowOneAreRefusedInsteadOfMeaningNoLimit() {
        // Found in review: --last -1, --last 0 and --limit -5 returned every flow with status 0.
        for (String[] args : new String[][] {{"observe", "--last", "-1"}, {"observe", "--limit", "0"},
            {"incidents", "--limit", "-1"}, {"anomalies", "--limit", "-5"}, {"observe", "--timeout", "-1"},
            {"blocks", "audit", "--limit", "0"}}) {
            CliRun r = CliRun.of(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.stderr());
            assertTrue(r.stderr().contains("Invalid value for option '" + args[args.length - 2] + "': '"
                    + args[args.length - 1] + "' is below 1"), r.stderr());
            assertEquals(1, r.stderr().lines().count(), "one line: " + r.stderr());
        }
    }

    @Test
    void optionsThatExcludeEachOtherAreSaidOnce() {
        // Found by a new user: "netwatch agent: Error: --interface=<interfaces>, --pcap=<pcap> are ...".
        CliRun r = CliRun.of("agent", "--pcap", "x.pcap", "--interface", "eth0");
        assertEquals(2, r.code());
        assertEquals("netwatch agent: --interface=<interfaces>, --pcap=<pcap> are mutually exclusive (specify only one)"
                + " (netwatch agent --help lists the options)", r.stderr().strip());
    }

    @Test
    void aValueOfTheWrongTypeIsOneLineNotTheUsage() {
        CliRun r = CliRun.of("inspect", Samples.demo().toString(), "--max-flows", "many");
        assertEquals(2, r.code());
        assertEquals("netwatch inspect: Invalid value for option '--max-flows': 'many' is not an int"
                + " (netwatch inspect --help lists the options)", r.stderr().strip());
    }

    @Test
    void aValueCheckedAfterReadingStillNamesTheFileThatSetIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        // Found in review: response.protected_cidrs and beaconing.ignored_ports errors named no file.
        java.nio.file.Path file = tmp.resolve("agg.yaml");
        java.nio.file.Files.writeString(file, "response:\n  protected_cidrs: [10.0.0.0/99]\n");
        CliRun r = CliRun.of("aggregator", "--config", file.toString(), "--print-config");
        assertEquals(2, r.code(), r.stderr());
        assertEquals("netwatch aggregator: agg.yaml: response.protected_cidrs: '10.0.0.0/99': the prefix length must"
                + " be 0 to 32", r.stderr().strip());
    }
}
