package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.aggregator.baseline.BaselineConfig;
import io.netwatch.cli.config.ConfigError;
import io.netwatch.cli.config.ConfigValues;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The baseline.* keys of aggregator.yaml and the mistakes a person can make with them. */
class BaselineSettingsTest {
    @TempDir
    Path dir;

    private BaselineConfig baseline(String yaml) throws Exception {
        Path f = dir.resolve("aggregator.yaml");
        Files.writeString(f, yaml);
        return AggregatorSettings.toConfig(ConfigValues.load(AggregatorSettings.SCHEMA, f, Map.of())).baseline();
    }

    @Test
    void theKeysMapOntoTheBaselineConfig() throws Exception {
        BaselineConfig b = baseline("""
                baseline:
                  file: /var/lib/netwatch/baseline.pb
                  learning: 2h
                  workload_learning: 15m
                  edge_expiry: 90d
                  max_edges: 5000
                  lateral:
                    window: 1m
                    min_edges: 6
                    min_peers: 3
                """);
        assertEquals(Path.of("/var/lib/netwatch/baseline.pb"), b.file());
        assertEquals(Duration.ofHours(2), b.learning());
        assertEquals(Duration.ofMinutes(15), b.workloadLearning());
        assertEquals(Duration.ofDays(90), b.edgeExpiry());
        assertEquals(5000, b.maxEdges());
        assertEquals(Duration.ofMinutes(1), b.lateralWindow());
        assertEquals(6, b.lateralMinEdges());
        assertEquals(3, b.lateralMinPeers());
        assertNull(baseline("listen: 127.0.0.1:50051\n").file(), "no file: memory only");
        assertEquals(Duration.ofDays(45), baseline("listen: 127.0.0.1:50051\n").edgeExpiry(),
                "a monthly job's edges are kept by default");
        assertEquals(Duration.ZERO, baseline("baseline:\n  edge_expiry: 0s\n").edgeExpiry(), "0s: never");
    }

    @Test
    void aBadEdgeExpiryIsRefusedNamingTheKey() {
        for (String bad : new String[] {"45", "monthly", "-1d", "1h-"}) {
            ConfigError e = assertThrows(ConfigError.class,
                    () -> baseline("baseline:\n  edge_expiry: \"" + bad + "\"\n"), bad);
            assertTrue(e.getMessage().contains("aggregator.yaml: baseline.edge_expiry: \"" + bad + "\""),
                    e.getMessage());
            assertTrue(e.getMessage().contains("is not a duration") || e.getMessage().contains("is negative"),
                    e.getMessage());
        }
    }

    @Test
    void morePeersThanEdgesIsRefusedNamingTheKeys() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> baseline("baseline:\n  lateral:\n    min_edges: 3\n    min_peers: 4\n"));
        assertTrue(e.getMessage().contains("baseline.lateral"), e.getMessage());
    }

    @Test
    void aBaselineFileInAMissingDirectoryStopsTheAggregatorWithItsName() throws Exception {
        Path missing = dir.resolve("nowhere").resolve("baseline.pb");
        Path f = dir.resolve("aggregator.yaml");
        Files.writeString(f, "baseline:\n  file: " + missing + "\n");
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = NetwatchMain.execute("aggregator", "--config", f.toString(), "--listen", "127.0.0.1:0",
                    "--metrics", "none");
        } finally {
            System.setErr(err);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        assertEquals(2, code, text);
        assertTrue(text.contains("baseline.file " + missing), text);
        assertTrue(text.contains("does not exist"), text);
    }
}
