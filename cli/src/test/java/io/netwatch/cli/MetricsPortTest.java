package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** A metrics port someone else holds stops the agent at start, with a line saying what to change. */
class MetricsPortTest {
    @Test
    void anAgentWhoseMetricsPortIsTakenExitsWith2AndSaysSo() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CliRun r = CliRun.of("agent", "--pcap", Samples.demo().toString(), "--aggregator", "127.0.0.1:9",
                    "--metrics", "127.0.0.1:" + taken.getLocalPort());
            assertEquals(2, r.code(), r.stdout() + r.stderr());
            // On standard error, as every message that stops a command.
            assertTrue(r.stderr().contains("netwatch agent: cannot serve metrics on 127.0.0.1:" + taken.getLocalPort()
                    + ": "), r.stderr());
            assertTrue(r.stderr().contains("--metrics"), r.stderr());
            assertTrue(!r.stderr().contains("Exception"), "no stack trace: " + r.stderr());
        }
    }
}
