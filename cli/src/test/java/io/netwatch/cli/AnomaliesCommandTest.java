package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A misspelt anomaly type is refused, not read as "none found". */
class AnomaliesCommandTest {
    @Test
    void anUnknownTypeIsRefusedWithTheTypes() {
        // Refused before any connection: no aggregator is needed (nothing listens on port 1).
        CliRun r = CliRun.of("anomalies", "--aggregator", "127.0.0.1:1", "--type", "port_scan,portscan");
        assertEquals(2, r.code(), r.stderr());
        assertTrue(r.stderr().startsWith("netwatch anomalies: --type portscan is not an anomaly type; the types are "
                + "port_scan, ip_sweep, "), r.stderr());
    }

    @Test
    void anAggregatorThatCannotBeReachedIsAFailureNotAMistake() {
        // Found in review: it exited 2, the status of a typo, so a script could not tell an outage.
        CliRun r = CliRun.of("agents", "--aggregator", "127.0.0.1:1");
        assertEquals(1, r.code(), r.stderr());
        assertTrue(r.stderr().startsWith("netwatch agents: cannot reach the aggregator at 127.0.0.1:1"), r.stderr());
    }
}
