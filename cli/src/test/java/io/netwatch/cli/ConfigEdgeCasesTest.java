package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration files and values found wrong in review: each is refused with one line that
 * says what to fix, never a stack trace, a hang or silence.
 */
class ConfigEdgeCasesTest {
    @TempDir
    Path dir;

    private Path file(String name, String yaml) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, yaml);
        return f;
    }

    private Path fifo() throws Exception {
        Path f = dir.resolve("fifo");
        Process p = new ProcessBuilder("mkfifo", f.toString()).start();
        assumeTrue(p.waitFor() == 0, "mkfifo is needed");
        return f;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aDeviceAPipeOrADirectoryGivenAsTheConfigurationIsRefusedBeforeItIsRead() throws Exception {
        // Before: /dev/zero ran out of memory with a stack trace, and a FIFO waited for ever.
        CliRun r = CliRun.of("agent", "--config", "/dev/zero", "--print-config");
        assertEquals(2, r.code(), r.stderr());
        assertEquals("netwatch agent: configuration file /dev/zero is not a regular file (a device or a pipe);"
                + " --config names the YAML file\n", r.stderr());
        r = CliRun.of("aggregator", "--config", fifo().toString(), "--print-config");
        assertEquals(2, r.code(), r.stderr());
        assertTrue(r.stderr().contains("is not a regular file (a device or a pipe)"), r.stderr());
        r = CliRun.of("agent", "--config", dir.toString(), "--print-config");
        assertEquals(2, r.code(), r.stderr());
        assertEquals("netwatch agent: configuration file " + dir + " is a directory, not a file; --config names"
                + " the YAML file\n", r.stderr());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void rulesAndAlertsFilesThatAreDevicesOrPipesAreRefused() throws Exception {
        CliRun r = CliRun.of("rules", "check", "/dev/zero");
        assertEquals(2, r.code(), r.stderr());
        assertTrue(r.stderr().contains("rule file /dev/zero is not a regular file (a device or a pipe)"), r.stderr());
        r = CliRun.of("rules", "check", fifo().toString());
        assertEquals(2, r.code(), r.stderr());
        assertTrue(r.stderr().contains("is not a regular file"), r.stderr());
        r = CliRun.of("agent", "--config", file("agent.yaml", "rules:\n  paths: [/dev/zero]\n").toString(),
                "--print-config");
        assertEquals(2, r.code(), r.stderr());
        assertTrue(r.stderr().contains("/dev/zero is not a regular file"), r.stderr());
        assertFalse(r.stderr().contains("Exception"), r.stderr());
        r = CliRun.of("aggregator", "--config", file("aggregator.yaml", "alerts:\n  file: /dev/zero\n").toString(),
                "--print-config");
        assertEquals(2, r.code(), r.stderr());
        assertTrue(r.stderr().contains("/dev/zero is not a regular file (a device or a pipe); alerts.file names"),
                r.stderr());
    }

    @Test
    void aKeyWrittenBothDottedAndNestedIsGivenTwice() throws Exception {
        // Before: the later one silently won, though a key given twice is refused.
        Path f = file("agent.yaml", "flows.max_flows: 1\nflows:\n  max_flows: 2\n");
        CliRun r = CliRun.of("agent", "--config", f.toString(), "--print-config");
        assertEquals(2, r.code(), r.stdout());
        assertEquals("netwatch agent: agent.yaml: flows.max_flows: is given twice (once as a dotted key, once "
                + "nested in its section); keep one\n", r.stderr());
        // Different keys of one section, one dotted and one nested, are fine.
        f = file("agent.yaml", "flows.max_flows: 1\nflows:\n  timeouts:\n    udp: 2s\n");
        assertEquals(0, CliRun.of("agent", "--config", f.toString(), "--print-config").code());
    }

    @Test
    void anIntegerPastTheLargestAllowedSaysTheLargest() throws Exception {
        // Before: "3000000000" is out of range (expected integer, at least 1), which it is.
        CliRun r = CliRun.of("agent", "--config", file("agent.yaml", "flows:\n  max_flows: 3000000000\n").toString(),
                "--print-config");
        assertEquals("netwatch agent: agent.yaml: flows.max_flows: \"3000000000\" is out of range (expected "
                + "integer, 1 to 2147483647)\n", r.stderr());
        // Before: an integer with more digits than a long "is not an integer".
        r = CliRun.of("agent", "--config", file("agent.yaml", "flows:\n  max_flows: 99999999999999999999\n")
                .toString(), "--print-config");
        assertEquals("netwatch agent: agent.yaml: flows.max_flows: \"99999999999999999999\" is out of range "
                + "(expected integer, 1 to 2147483647)\n", r.stderr());
        r = CliRun.of("agent", "--config", file("agent.yaml", "flows:\n  max_flows: -99999999999999999999\n")
                .toString(), "--print-config");
        assertEquals("netwatch agent: agent.yaml: flows.max_flows: \"-99999999999999999999\" is out of range "
                + "(expected integer, at least 1)\n", r.stderr());
    }

    @Test
    void aVeryLongOrNegativeDurationSaysSo() throws Exception {
        // Before: both were "not a duration (examples: ...)", though the form is right.
        CliRun r = CliRun.of("aggregator", "--config", file("aggregator.yaml", "store:\n  max_age: 99999999999999d\n")
                .toString(), "--print-config");
        assertEquals("netwatch aggregator: aggregator.yaml: store.max_age: \"99999999999999d\" is longer than "
                + "36500d (100 years), the most a duration may be\n", r.stderr());
        r = CliRun.of("aggregator", "--config", file("aggregator.yaml", "store:\n  max_age: -5s\n").toString(),
                "--print-config");
        // Found by a new user: it said what was wrong, not what is allowed.
        assertEquals("netwatch aggregator: aggregator.yaml: store.max_age: \"-5s\" is negative (expected duration, at "
                + "least 1s)\n", r.stderr());
        r = CliRun.of("aggregator", "--config", file("aggregator.yaml", "store:\n  max_age: -5x\n").toString(),
                "--print-config");
        assertTrue(r.stderr().endsWith("\"-5x\" is not a duration (examples: 30s, 5m, 500ms, 2h, 1h30m, PT30S)\n"),
                r.stderr());
        assertEquals(Duration.ofDays(1), io.netwatch.common.Durations.parse("24h"));
    }
}
