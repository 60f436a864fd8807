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
}
