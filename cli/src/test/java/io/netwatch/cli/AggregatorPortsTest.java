package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A port another process holds stops the aggregator with one line naming the option, not a stack trace. */
class AggregatorPortsTest {
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aListenPortInUseIsNamed() throws Exception {
        try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String address = "127.0.0.1:" + held.getLocalPort();
            for (String command : new String[] {"aggregator", "demo"}) {
                CliRun r = command.equals("demo") ? CliRun.of("demo", "--listen", address)
                        : CliRun.of("aggregator", "--listen", address, "--metrics", "none");
                assertEquals(2, r.code(), r.stderr());
                // Found by a new user: it quoted Netty, "Failed to bind to address /127.0.0.1:...".
                assertEquals("netwatch " + command + ": cannot listen on " + address + ": Address already in use"
                        + " (choose another with --listen, or stop what holds it)\n", r.stderr());
                assertEquals(1, r.stderr().lines().count(), "one line: " + r.stderr());
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aMetricsPortInUseIsNamed() throws Exception {
        try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CliRun r = CliRun.of("aggregator", "--listen", "127.0.0.1:0", "--metrics", "127.0.0.1:" + held.getLocalPort());
            assertEquals(2, r.code(), r.stderr());
            assertTrue(r.stderr().startsWith("netwatch aggregator: cannot serve metrics on 127.0.0.1:" + held.getLocalPort()),
                    r.stderr());
            assertTrue(r.stderr().contains("(choose another with --metrics or metrics.listen, or 'none')"), r.stderr());
            assertEquals(1, r.stderr().lines().count(), "one line: " + r.stderr());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aStartThatFailsOnAFileNamesNoPort(@TempDir Path dir) throws Exception {
        // Found in review: every failure of the start was said as the port's, "cannot listen on
        // 127.0.0.1:...: <path> (choose another with --listen, ...)", here a damaged baseline
        // file that cannot be set aside (a directory holds its .corrupt name).
        Path baseline = dir.resolve("baseline.pb");
        Files.writeString(baseline, "not a baseline");
        Files.createDirectories(dir.resolve("baseline.pb.corrupt"));
        Files.writeString(dir.resolve("baseline.pb.corrupt").resolve("x"), "x");
        Path config = dir.resolve("aggregator.yaml");
        Files.writeString(config, "baseline:\n  file: " + baseline + "\n");
        CliRun r = CliRun.of("aggregator", "--config", config.toString(), "--listen", "127.0.0.1:0", "--metrics", "none");
        assertEquals(2, r.code(), r.stderr());
        assertEquals("netwatch aggregator: cannot start: " + dir.resolve("baseline.pb.corrupt") + " (directory not empty)\n",
                r.stderr());
    }
}
