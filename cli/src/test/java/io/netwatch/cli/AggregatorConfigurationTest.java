package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.cli.config.ConfigError;
import io.netwatch.cli.config.ConfigFile;
import io.netwatch.cli.config.ConfigPrinter;
import io.netwatch.cli.config.ConfigValues;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The aggregator's configuration: layers, errors, printing that parses back. */
class AggregatorConfigurationTest {
    @TempDir
    Path dir;

    private static ConfigValues settings(Map<String, String> env, String... args) {
        AggregatorCommand cmd = new AggregatorCommand();
        new CommandLine(cmd).parseArgs(args);
        cmd.configuration.environment = env;
        return cmd.settings();
    }

    @Test
    void theStartLineSaysWhatTheBlockingRulesMatch() {
        assertEquals("blocking dry-run: node_drop for brute_force, ip_sweep, port_scan of severity high or more, score at "
                + "least 0.5 (docs/blocking.md; other offenses are only counted)",
                AggregatorCommand.describe(io.netwatch.aggregator.response.ResponseConfig.defaults()));
    }

    @Test
    void fileThenEnvironmentThenOptions() throws Exception {
        Path f = dir.resolve("aggregator.yaml");
        Files.writeString(f, "listen: 127.0.0.1:6000\nstore:\n  max_flows: 10\n  max_age: 2h\nkubernetes:\n"
                + "  enabled: true\nshutdown:\n  grace_period: 3s\n");
        ConfigValues v = settings(Map.of("NETWATCH_AGGREGATOR_STORE_MAX_FLOWS", "20"), "--config", f.toString(),
                "--max-age", "PT3H");
        AggregatorConfig c = AggregatorSettings.toConfig(v);
        assertEquals(new InetSocketAddress("127.0.0.1", 6000), c.listen());
        assertEquals(20, c.maxFlows());
        assertEquals(Duration.ofHours(3), c.maxAge());
        assertEquals(Duration.ofSeconds(3), c.shutdownGrace());
        assertEquals(AggregatorConfig.DEFAULT_MAX_ANOMALIES, c.maxAnomalies());
        assertTrue(v.get(AggregatorSettings.KUBERNETES));
    }

    @Test
    void theQueryLimitsReachTheServer() throws Exception {
        Path f = dir.resolve("aggregator.yaml");
        Files.writeString(f, "query:\n  max_streams: 7\n  max_policy_queries: 2\n  max_policy_run: 90s\n");
        var limits = AggregatorSettings.toConfig(settings(Map.of(), "--config", f.toString())).limits();
        assertEquals(7, limits.maxQueryStreams());
        assertEquals(2, limits.maxPolicyQueries());
        assertEquals(java.time.Duration.ofSeconds(90), limits.maxPolicyRun());
        var defaults = AggregatorSettings.toConfig(settings(Map.of())).limits();
        assertEquals(io.netwatch.aggregator.security.ServerLimits.DEFAULT_MAX_POLICY_QUERIES, defaults.maxPolicyQueries());
        assertEquals(java.time.Duration.ofMinutes(10), defaults.maxPolicyRun());
    }

    @Test
    void errorsNameTheKey() throws Exception {
        Path f = dir.resolve("aggregator.yaml");
        Files.writeString(f, "store:\n  max_flow: 10\n");
        String m = assertThrows(ConfigError.class, () -> settings(Map.of(), "--config", f.toString())).getMessage();
        assertTrue(m.startsWith("aggregator.yaml: store.max_flow: unknown key (did you mean store.max_flows?)"), m);
        // Found by a new user: a section's typo got no hint, only the list of every top-level key.
        Files.writeString(f, "stroe:\n  max_age: 1h\n");
        m = assertThrows(ConfigError.class, () -> settings(Map.of(), "--config", f.toString())).getMessage();
        assertTrue(m.startsWith("aggregator.yaml: stroe: unknown key (did you mean store?)"), m);
        Files.writeString(f, "kubernetes:\n  enabled: sometimes\n");
        m = assertThrows(ConfigError.class, () -> settings(Map.of(), "--config", f.toString())).getMessage();
        assertEquals("aggregator.yaml: kubernetes.enabled: \"sometimes\" is not allowed (expected one of true, false)", m);
        m = assertThrows(ConfigError.class, () -> settings(Map.of("NETWATCH_AGGREGATOR_LISTEN", "50051"))).getMessage();
        assertTrue(m.startsWith("NETWATCH_AGGREGATOR_LISTEN (listen): \"50051\" is not HOST:PORT"), m);
    }

    @Test
    void printConfigRefusesTheFilesTheStartWouldRefuse() throws Exception {
        // Found in review: --print-config passed a missing alerts file, and the start refused it.
        Path missing = dir.resolve("missing-alerts.yaml");
        Path f = dir.resolve("aggregator.yaml");
        Files.writeString(f, "alerts:\n  file: " + missing + "\n");
        CliRun r = CliRun.of("aggregator", "--config", f.toString(), "--print-config");
        assertEquals(2, r.code(), r.stdout());
        // Worded as every missing file is, naming the key (found in review: "X: no such file (alerts.file)").
        assertEquals("netwatch aggregator: aggregator.yaml: alerts.file: " + missing + " does not exist; the alerts"
                + " YAML file is expected", r.stderr().strip());
        assertEquals("", r.stdout(), "nothing printed for a configuration that would not start");

        Path alerts = dir.resolve("alerts.yaml");
        Files.writeString(alerts, "route: {receiver: pager}\nreceivers:\n  - name: team\n"
                + "    alertmanager: {url: \"http://alertmanager.monitoring:9093\"}\n");
        Files.writeString(f, "alerts:\n  file: " + alerts + "\n");
        r = CliRun.of("aggregator", "--config", f.toString(), "--print-config");
        assertEquals(2, r.code(), r.stdout());
        assertTrue(r.stderr().contains("no receiver is named 'pager'"), r.stderr());

        Files.writeString(alerts, "route: {receiver: team}\nreceivers:\n  - name: team\n"
                + "    alertmanager: {url: \"http://alertmanager.monitoring:9093\"}\n");
        r = CliRun.of("aggregator", "--config", f.toString(), "--print-config");
        assertEquals(0, r.code(), r.stderr());
        assertTrue(r.stdout().contains(alerts.toString()), r.stdout());

        Files.writeString(f, "response:\n  file: " + missing + "\n");
        r = CliRun.of("aggregator", "--config", f.toString(), "--print-config");
        assertEquals(2, r.code());
        assertEquals("netwatch aggregator: aggregator.yaml: response.file: " + missing + " does not exist; a YAML file"
                + " of response rules is expected", r.stderr().strip());
        assertFalse(r.stderr().contains("NoSuchFileException"), r.stderr());

        // A rule asking for more than response.max_ttl is named by its line, not only by the config.
        Path rules = dir.resolve("response.yaml");
        Files.writeString(rules, "rules:\n  - name: long\n    action: node_drop\n    ttl: 2h\n");
        Files.writeString(f, "response:\n  file: " + rules + "\n  max_ttl: 90m\n");
        r = CliRun.of("aggregator", "--config", f.toString(), "--print-config");
        assertEquals(2, r.code());
        assertTrue(r.stderr().contains(rules + " line 4, key 'ttl': rule 'long' asks for '2h', more than"
                + " response.max_ttl (90m)"), r.stderr());
    }

    @Test
    void printConfigRefusesABaselineFileTheStartWouldRefuse() throws Exception {
        // Found by a new user: a baseline.file in a directory that does not exist passed
        // --print-config, and the start then refused it.
        Path f = dir.resolve("aggregator.yaml");
        Path nowhere = dir.resolve("no-such-dir").resolve("baseline.pb");
        Files.writeString(f, "baseline:\n  file: " + nowhere + "\n");
        CliRun r = CliRun.of("aggregator", "--config", f.toString(), "--print-config");
        assertEquals(2, r.code(), r.stdout());
        assertEquals("netwatch aggregator: baseline.file " + nowhere + ": directory " + nowhere.getParent()
                + " does not exist (create it, or name a file in an existing directory)\n", r.stderr());
        assertEquals("", r.stdout(), "nothing printed for a configuration that would not start");

        Files.writeString(f, "baseline:\n  file: " + dir + "\n");
        r = CliRun.of("aggregator", "--config", f.toString(), "--print-config");
        assertEquals(2, r.code(), r.stdout());
        assertTrue(r.stderr().contains("baseline.file " + dir + " is a directory; name a file"), r.stderr());
        // Found in review: the root has no parent, and was said to be in "directory null".
        Files.writeString(f, "baseline:\n  file: /\n");
        r = CliRun.of("aggregator", "--config", f.toString(), "--print-config");
        assertEquals(2, r.code(), r.stdout());
        assertEquals("netwatch aggregator: baseline.file / is a directory; name a file\n", r.stderr());

        Path fine = dir.resolve("baseline.pb");
        Files.writeString(f, "baseline:\n  file: " + fine + "\n");
        r = CliRun.of("aggregator", "--config", f.toString(), "--print-config");
        assertEquals(0, r.code(), r.stderr());
        assertTrue(r.stdout().contains(fine.toString()), r.stdout());
        assertFalse(Files.exists(fine), "checking writes nothing");
    }

    @Test
    void theNodeCheckNeedsTls() throws Exception {
        Path f = dir.resolve("aggregator.yaml");
        Files.writeString(f, "ingest:\n  agent_service_account: netwatch:netwatch-agent\n");
        CliRun r = CliRun.of("aggregator", "--config", f.toString(), "--print-config");
        assertEquals(2, r.code(), r.stdout());
        assertTrue(r.stderr().contains("ingest.agent_service_account needs TLS"), r.stderr());

        TestPki pki = new TestPki(dir);
        Files.writeString(f, "tls:\n  cert: " + pki.crt("aggregator") + "\n  key: " + pki.key("aggregator")
                + "\n  client_ca: " + pki.crt("ca") + "\ningest:\n  agent_service_account: netwatch:netwatch-agent\n");
        r = CliRun.of("aggregator", "--config", f.toString(), "--print-config");
        assertEquals(2, r.code(), r.stdout());
        assertTrue(r.stderr().contains("ingest.agent_service_account needs the cluster: set kubernetes.enabled"),
                r.stderr());
    }

    @Test
    void printedDefaultsParseBackIntoTheSameConfig() {
        ConfigValues defaults = ConfigValues.defaults(AggregatorSettings.SCHEMA);
        ConfigValues reread = ConfigValues.defaults(AggregatorSettings.SCHEMA);
        ConfigFile.apply(ConfigPrinter.yaml(defaults), "printed.yaml", reread);
        for (var k : AggregatorSettings.SCHEMA.keys()) {
            assertEquals("printed.yaml", reread.source(k.path()), k.path() + " missing from the printout");
        }
        assertEquals(AggregatorSettings.toConfig(defaults), AggregatorSettings.toConfig(reread));
        assertEquals(AggregatorConfig.listenOn(new InetSocketAddress(NetwatchMain.DEFAULT_PORT))
                .withMetrics(new InetSocketAddress(AggregatorConfig.DEFAULT_METRICS_PORT)), AggregatorSettings.toConfig(reread));
    }
}
