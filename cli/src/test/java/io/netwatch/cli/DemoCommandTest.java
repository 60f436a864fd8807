package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The demo and the offline command as a user meets them when something is off. */
class DemoCommandTest {
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aDamagedCaptureStillShowsWhatWasReadAndEndsWithStatusOne() {
        // Found in review: the demo stopped after the agent's lines, with nothing to show.
        assertNotNull(Samples.sharedPcaps(), "the corpus at ../shared/pcaps");
        CliRun r = CliRun.of("demo", "--listen", "127.0.0.1:0", "--pcap",
                Samples.sharedPcaps().resolve("sv-http-mime-truncated.pcap").toString());
        assertEquals(1, r.code(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("agent: the replay ended early; below is what it read before that"), r.stdout());
        assertTrue(r.stdout().contains("-- Flows (1 stored"), r.stdout());
        // The agent's summary, its counts in words that agree with them.
        assertTrue(r.stdout().contains("agent: 2696 packets, 1 flow record, 1 acknowledged, 0 dropped, 0 anomalies,"),
                r.stdout());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theAggregatorNamesTheBundledCaptureNotItsTemporaryCopy() {
        // Found by a new user: during demo --serve, netwatch agents named /tmp/netwatch-demo-….pcap.
        // The demo's Agents section prints what the aggregator holds, as netwatch agents does.
        CliRun r = CliRun.of("demo", "--listen", "127.0.0.1:0");
        assertEquals(0, r.code(), r.stdout() + r.stderr());
        String agents = r.stdout().substring(r.stdout().indexOf("-- Agents --"));
        assertTrue(agents.contains("demo-node  connected") || agents.contains("demo-node  disconnected"), agents);
        assertTrue(agents.contains("  file samples/demo.pcap (bundled)  "), agents);
        assertTrue(!r.stdout().contains("netwatch-demo-"), r.stdout());
    }

    @Test
    void inspectNamesTheOptionAValueCameFrom() {
        // Found in review: "flow table timeouts must be positive durations, got PT0S" named no option.
        CliRun r = CliRun.of("inspect", Samples.demo().toString(), "--flow-timeouts", "udp=0s");
        assertEquals(2, r.code(), r.stderr());
        assertTrue(r.stderr().contains("--flow-timeouts udp=0s: "), r.stderr());
        r = CliRun.of("inspect", Samples.demo().toString(), "--rule-payload-depth", "10");
        assertEquals(2, r.code(), r.stderr());
        assertTrue(r.stderr().contains("--rule-payload-depth: rule payload depth must be 64 bytes to 1 MiB, not 10"),
                r.stderr());
    }
}
