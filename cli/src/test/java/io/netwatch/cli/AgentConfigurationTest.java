package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.agent.AgentConfig;
import io.netwatch.agent.decode.TunnelPorts;
import io.netwatch.agent.inspect.signature.RuleTuning;
import io.netwatch.agent.inspect.signature.RuleVariables;
import io.netwatch.agent.inspect.signature.ThresholdTable;
import io.netwatch.cli.config.ConfigError;
import io.netwatch.cli.config.ConfigFile;
import io.netwatch.cli.config.ConfigPrinter;
import io.netwatch.cli.config.ConfigValues;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import io.netwatch.agent.inspect.MessageKind;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The agent's configuration: layers, errors that name the key, and printing that parses back. */
class AgentConfigurationTest {
    @TempDir
    Path dir;

    private Path file(String yaml) throws Exception {
        Path f = dir.resolve("agent.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    /** The command as picocli would run it, with the given environment. */
    private static ConfigValues settings(Map<String, String> env, String... args) {
        AgentCommand cmd = new AgentCommand();
        new CommandLine(cmd).parseArgs(args);
        cmd.configuration.environment = env;
        return cmd.settings();
    }

    private static AgentConfig config(ConfigValues v) {
        return AgentSettings.toConfig(v, () -> "fallback-node");
    }

    private static String error(Map<String, String> env, String... args) {
        return assertThrows(ConfigError.class, () -> config(settings(env, args))).getMessage();
    }

    @Test
    void eachLayerOverridesTheOneBefore() throws Exception {
        Path f = file("""
                capture:
                  interfaces: [eth0, 'veth.*']
                flows:
                  max_flows: 100
                  timeouts:
                    udp: 2m
                export:
                  max_batch_flows: 64
                """);
        AgentConfig fileOnly = config(settings(Map.of(), "--config", f.toString()));
        assertEquals(100, fileOnly.flows().maxFlows());
        assertEquals(Duration.ofMinutes(2), fileOnly.flows().udpTimeout());
        assertEquals(64, fileOnly.export().maxBatchRecords());
        assertEquals(List.of("eth0", "veth.*"), fileOnly.live().interfaces());
        // Untouched keys keep the records' defaults.
        assertEquals(AgentConfig.DEFAULT_SHUTDOWN_GRACE, fileOnly.shutdownGrace());
        assertEquals("fallback-node", fileOnly.nodeName());

        Map<String, String> env = Map.of("NETWATCH_AGENT_FLOWS_MAX_FLOWS", "200",
                "NETWATCH_AGENT_EXPORT_MAX_BATCH_FLOWS", "128", "NETWATCH_AGENT_NODE_NAME", "node-7",
                "UNRELATED", "x");
        AgentConfig withEnv = config(settings(env, "--config", f.toString()));
        assertEquals(200, withEnv.flows().maxFlows());
        assertEquals(128, withEnv.export().maxBatchRecords());
        assertEquals("node-7", withEnv.nodeName());

        ConfigValues all = settings(env, "--config", f.toString(), "--max-flows", "300", "--pcap", "x.pcap",
                "--flow-timeouts", "udp=3m", "--shutdown-grace", "7s");
        AgentConfig withOptions = config(all);
        assertEquals(300, withOptions.flows().maxFlows());
        assertEquals(Duration.ofMinutes(3), withOptions.flows().udpTimeout());
        assertEquals(Duration.ofSeconds(7), withOptions.shutdownGrace());
        assertEquals(128, withOptions.export().maxBatchRecords(), "no option for it: the environment's value stands");
        // --pcap replaces the file's interfaces rather than clashing with them.
        assertNull(withOptions.live());
        assertEquals(Path.of("x.pcap"), withOptions.pcapFile());
        assertEquals("--max-flows", all.source("flows.max_flows"));
        assertEquals("NETWATCH_AGENT_EXPORT_MAX_BATCH_FLOWS", all.source("export.max_batch_flows"));
        assertEquals("--pcap", all.source("capture.interfaces"));
        assertEquals("default", all.source("export.max_batch_delay"));
    }

    @Test
    void aMistypedSectionIsSuggested() throws Exception {
        // Found by a new user: only whole key paths were compared, so a section's typo got no hint.
        String m = error(Map.of(), "--config", file("flow:\n  max_flows: 3\n").toString());
        assertTrue(m.startsWith("agent.yaml: flow: unknown key (did you mean flows?); the keys at the top level are "),
                m);
        m = error(Map.of(), "--config", file("Flows:\n  max_flows: 3\n").toString());
        assertTrue(m.startsWith("agent.yaml: Flows: unknown key (did you mean flows?)"), m);
        m = error(Map.of(), "--config", file("flows:\n  timeout:\n    udp: 1m\n").toString());
        assertTrue(m.startsWith("agent.yaml: flows.timeout: unknown key (did you mean flows.timeouts?)"), m);
        m = error(Map.of(), "--config", file("timeouts:\n  udp: 1m\n").toString());
        assertTrue(m.startsWith("agent.yaml: timeouts: unknown key (did you mean flows.timeouts?)"), m);
    }

    @Test
    void aKeyIsNotToldTheSectionItIsWrittenIn() throws Exception {
        // Found in review: with sections among the candidates, a short unknown key was told
        // to be the section holding it, where it already is.
        String m = error(Map.of(), "--config", file("flows:\n  x: 1\n").toString());
        assertEquals("agent.yaml: flows.x: unknown key; the keys in flows are max_flows, timeouts", m);
        m = error(Map.of(), "--config", file("flows:\n  timeouts:\n    x: 1s\n").toString());
        assertTrue(m.startsWith("agent.yaml: flows.timeouts.x: unknown key"), m);
        assertFalse(m.contains("did you mean flows.timeouts?"), m);
        m = error(Map.of(), "--config", file("flows.x: 1\n").toString());
        assertTrue(m.startsWith("agent.yaml: flows.x: unknown key; the keys at the top level are "), m);
    }

    @Test
    void fileErrorsNameTheFileTheKeyAndWhatIsAllowed() throws Exception {
        String m = error(Map.of(), "--config", file("flows:\n  timeouts:\n    tcp_established: 5x\n").toString());
        assertEquals("agent.yaml: flows.timeouts.tcp_established: \"5x\" is not a duration (examples: 30s, 5m, 500ms,"
                + " 2h, 1h30m, PT30S)", m);

        m = error(Map.of(), "--config", file("flows:\n  max_flow: 3\n").toString());
        assertTrue(m.startsWith("agent.yaml: flows.max_flow: unknown key (did you mean flows.max_flows?)"), m);
        assertTrue(m.contains("the keys in flows are max_flows, timeouts"), m);

        m = error(Map.of(), "--config", file("max_flows: 5\n").toString());
        assertTrue(m.contains("max_flows: unknown key (did you mean flows.max_flows?)"), m);

        m = error(Map.of(), "--config", file("capture:\n  immediate_mode: maybe\n").toString());
        assertEquals("agent.yaml: capture.immediate_mode: \"maybe\" is not allowed (expected one of true, false)", m);

        m = error(Map.of(), "--config", file("export:\n  queue_capacity: -1\n").toString());
        assertEquals("agent.yaml: export.queue_capacity: \"-1\" is out of range (expected integer, at least 1)", m);

        m = error(Map.of(), "--config", file("capture:\n  snap_length: 1.5\n").toString());
        assertTrue(m.startsWith("agent.yaml: capture.snap_length: \"1.5\" is not an integer (expected integer, 64 to "
                + "262144)"), m);

        // Found by a new user: 1e3 was quoted back as "1000.0", a number the file does not hold.
        m = error(Map.of(), "--config", file("flows:\n  max_flows: 1e3\n").toString());
        assertEquals("agent.yaml: flows.max_flows: \"1e3\" is not an integer (expected integer, at least 1)", m);
        // Found in review: a key written dotted was looked up as /flows/max_flows, where the
        // parser had /flows.max_flows, and "1000.0" came back.
        m = error(Map.of(), "--config", file("flows.max_flows: 1e3\n").toString());
        assertEquals("agent.yaml: flows.max_flows: \"1e3\" is not an integer (expected integer, at least 1)", m);
        m = error(Map.of(), "--config", file("inspection.parsers: [dns, 1.50]\n").toString());
        assertTrue(m.startsWith("agent.yaml: inspection.parsers: [dns, 1.50] names \"1.50\", which is not allowed"), m);
        m = error(Map.of(), "--config", file("inspection:\n  parsers: [dns, 1.50]\n").toString());
        assertTrue(m.startsWith("agent.yaml: inspection.parsers: [dns, 1.50] names \"1.50\", which is not allowed"), m);

        m = error(Map.of(), "--config", file("capture:\n  interfaces: [any]\ndetect:\n  overrides: [scan.pf=lots]\n").toString());
        assertTrue(m.startsWith("agent.yaml: detect.overrides: scan.pf=lots: 'lots' is not a number"), m);
        // Found by a new user: --detect was named detect.overrides, a key the command line never showed.
        m = error(Map.of(), "--pcap", "x.pcap", "--detect", "scan.pf=lots");
        assertTrue(m.startsWith("--detect (detect.overrides): scan.pf=lots: 'lots' is not a number"), m);
        m = error(Map.of(), "--pcap", "x.pcap", "--detect", "scan.pf");
        assertTrue(m.startsWith("--detect (detect.overrides): 'scan.pf' is not KEY=VALUE"), m);

        m = error(Map.of(), "--config", file("aggregator: nowhere\n").toString());
        assertTrue(m.startsWith("agent.yaml: aggregator: \"nowhere\" is not HOST:PORT"), m);

        m = error(Map.of(), "--config", file("flows: 3\n").toString());
        assertEquals("agent.yaml: flows: is a section, not a value; its keys are max_flows, timeouts", m);

        m = error(Map.of(), "--config", file("export:\n  max_batch_flows:\n").toString());
        assertTrue(m.startsWith("agent.yaml: export.max_batch_flows: has no value"), m);

        m = error(Map.of(), "--config", file("flows:\n  max_flows: [1, 2]\n").toString());
        assertTrue(m.startsWith("agent.yaml: flows.max_flows: [1, 2] is a list"), m);

        m = error(Map.of(), "--config", file("export:\n  max_batch_flows: 1\n  max_batch_flows: 2\n").toString());
        assertTrue(m.startsWith("agent.yaml: line 3") && m.contains("\"max_batch_flows\" appears twice"), m);

        // Found in review: Jackson's own words (trailing token, StreamReadConstraints) reached the user.
        m = error(Map.of(), "--config", file("flows:\n  max_flows: 10\n---\nflows:\n  max_flows: 20\n").toString());
        assertTrue(m.endsWith("a second YAML document (after ---); the configuration is one document"), m);
        StringBuilder deep = new StringBuilder("a:\n");
        for (int i = 1; i < 600; i++) {
            deep.append(" ".repeat(i)).append("k").append(i).append(":\n");
        }
        m = error(Map.of(), "--config", file(deep.toString()).toString());
        assertTrue(m.endsWith("nested too deeply (more than 500 levels); the configuration is at most a few levels deep"), m);

        m = error(Map.of(), "--config", file("flows: [\n").toString());
        assertTrue(m.startsWith("agent.yaml: line "), m);
        // The parser's problem, not only its context.
        m = error(Map.of(), "--config", file("rules:\n  paths: [1\n").toString());
        assertEquals("agent.yaml: line 3, column 1: while parsing a flow sequence (started at line 2, column 10): "
                + "expected ',' or ']', but got <stream end>", m);
        // Found by a new user: the place was Jackson's last token, the end of line 1 for a tab
        // that indents line 2, not the problem's.
        m = error(Map.of(), "--config", file("flows:\n\tmax_flows: 3\n").toString());
        assertTrue(m.startsWith("agent.yaml: line 2, column 1: while scanning for the next token: found character "
                + "'\\t(TAB)' that cannot start any token"), m);
        m = error(Map.of(), "--config", file("node_name: 'node-a\naggregator: localhost:50051\n").toString());
        assertEquals("agent.yaml: line 3, column 1: while scanning a quoted scalar (started at line 1, column 12): "
                + "found unexpected end of stream", m);
        m = error(Map.of(), "--config", dir.resolve("missing.yaml").toString());
        assertEquals("configuration file " + dir.resolve("missing.yaml") + " does not exist", m);

        m = error(Map.of(), "--config", file("- a\n- b\n").toString());
        assertTrue(m.startsWith("agent.yaml: must be a mapping of keys"), m);

    }

    @Test
    void theVariablesKubernetesGivesForAServiceAreNotSettings() throws Exception {
        // Found in review: a Service named netwatch-agent-* (or netwatch-aggregator, for the
        // aggregator) in the pod's namespace gives it these, and the agent refused to start.
        Map<String, String> links = Map.of("NETWATCH_AGENT_INGEST_SERVICE_HOST", "10.96.0.7",
                "NETWATCH_AGENT_INGEST_SERVICE_PORT", "50051", "NETWATCH_AGENT_INGEST_SERVICE_PORT_GRPC", "50051",
                "NETWATCH_AGENT_INGEST_PORT", "tcp://10.96.0.7:50051", "NETWATCH_AGENT_INGEST_PORT_50051_TCP",
                "tcp://10.96.0.7:50051", "NETWATCH_AGENT_INGEST_PORT_50051_TCP_PROTO", "tcp",
                "NETWATCH_AGENT_INGEST_PORT_50051_TCP_PORT", "50051", "NETWATCH_AGENT_INGEST_PORT_50051_TCP_ADDR",
                "10.96.0.7", "NETWATCH_AGENT_SERVICE_HOST", "10.96.0.8");
        assertEquals(config(settings(Map.of(), "--pcap", "x.pcap")), config(settings(links, "--pcap", "x.pcap")));
        // An IPv6 cluster IP, and a Service whose first port is UDP.
        assertEquals(config(settings(Map.of(), "--pcap", "x.pcap")), config(settings(Map.of(
                "NETWATCH_AGENT_V6_SERVICE_HOST", "fd00:10:96::a", "NETWATCH_AGENT_V6_PORT", "udp://[fd00:10:96::a]:53",
                "NETWATCH_AGENT_V6_PORT_53_UDP_ADDR", "fd00:10:96::a", "NETWATCH_AGENT_V6_PORT_53_UDP_PROTO", "udp"),
                "--pcap", "x.pcap")));
    }

    @Test
    void environmentAndOptionErrorsNameTheVariableOrOptionAndTheKey() {
        String m = error(Map.of("NETWATCH_AGENT_EXPORT_MAX_BATCH_FLOWS", "lots"), "--pcap", "x");
        assertEquals("NETWATCH_AGENT_EXPORT_MAX_BATCH_FLOWS (export.max_batch_flows): \"lots\" is not an integer "
                + "(expected integer, at least 1)", m);
        m = error(Map.of("NETWATCH_AGENT_EXPORT_MAX_BATCH_FLOW", "3"), "--pcap", "x");
        assertTrue(m.contains("NETWATCH_AGENT_EXPORT_MAX_BATCH_FLOW names no agent setting (did you mean "
                + "NETWATCH_AGENT_EXPORT_MAX_BATCH_FLOWS?)"), m);
        // A number where a Service link has a URL is a typo of a key, not a link.
        m = error(Map.of("NETWATCH_AGENT_METRICS_PORT", "9091"), "--pcap", "x");
        assertTrue(m.contains("NETWATCH_AGENT_METRICS_PORT names no agent setting"), m);
        // Found in review: a link's name alone was enough, whatever its value, so a setting
        // guessed at (an aggregator's host name where a Service's has a cluster IP, a port where
        // a protocol goes) was passed over without a word.
        m = error(Map.of("NETWATCH_AGENT_EXPORT_SERVICE_HOST", "netwatch-aggregator:50051"), "--pcap", "x");
        assertTrue(m.contains("NETWATCH_AGENT_EXPORT_SERVICE_HOST names no agent setting"), m);
        m = error(Map.of("NETWATCH_AGENT_EXPORT_SERVICE_PORT", "grpc"), "--pcap", "x");
        assertTrue(m.contains("NETWATCH_AGENT_EXPORT_SERVICE_PORT names no agent setting"), m);
        m = error(Map.of("NETWATCH_AGENT_INGEST_PORT_50051_TCP_ADDR", "aggregator"), "--pcap", "x");
        assertTrue(m.contains("NETWATCH_AGENT_INGEST_PORT_50051_TCP_ADDR names no agent setting"), m);
        m = error(Map.of(), "--pcap", "x", "--max-flows", "0");
        assertEquals("--max-flows (flows.max_flows): \"0\" is out of range (expected integer, at least 1)", m);
        m = error(Map.of(), "--pcap", "x", "--flow-timeouts", "udp=soon");
        assertTrue(m.startsWith("--flow-timeouts (flows.timeouts.udp): \"soon\" is not a duration"), m);
    }

    @Test
    void rulesThatSpanKeysNameEveryKey() throws Exception {
        String m = error(Map.of(), "--config", file("export:\n  reconnect_min: 10s\n").toString(), "--pcap", "x");
        assertEquals("export.reconnect_max (5s) must be at least export.reconnect_min (10s)", m);
        m = error(Map.of(), "--config", file("inspection:\n  budget_bytes: 2048\n").toString(), "--pcap", "x");
        assertTrue(m.startsWith("inspection.budget_bytes (2048) must be at least inspection.max_pending_bytes"), m);
        m = error(Map.of());
        assertTrue(m.contains("capture.interfaces") && m.contains("capture.pcap"), m);
        m = error(Map.of(), "--config", file("capture:\n  interfaces: [eth0]\n  pcap: a.pcap\n").toString());
        assertTrue(m.contains("are both set"), m);
    }

    @Test
    void printedDefaultsParseBackIntoTheSameConfig() {
        ConfigValues defaults = ConfigValues.defaults(AgentSettings.SCHEMA);
        String printed = ConfigPrinter.yaml(defaults);
        ConfigValues reread = ConfigValues.defaults(AgentSettings.SCHEMA);
        ConfigFile.apply(printed, "printed.yaml", reread);
        // Every key was in the printout: each value now comes from the file, none from the defaults.
        for (var k : AgentSettings.SCHEMA.keys()) {
            assertEquals("printed.yaml", reread.source(k.path()), k.path() + " missing from the printout");
        }
        defaults.set("capture.pcap", io.netwatch.cli.config.ConfigInput.scalar("x.pcap"),
                io.netwatch.cli.config.ConfigSource.setting("test"));
        reread.set("capture.pcap", io.netwatch.cli.config.ConfigInput.scalar("x.pcap"),
                io.netwatch.cli.config.ConfigSource.setting("test"));
        assertEquals(config(defaults), config(reread));
        assertEquals(config(defaults).flows(), io.netwatch.agent.flow.FlowTableConfig.defaults());
        assertEquals(config(defaults).export(), io.netwatch.agent.export.ExportConfig.defaults());
        assertEquals(config(defaults).detection(), io.netwatch.agent.score.DetectionConfig.defaults());
        assertEquals(config(defaults).inspection(), io.netwatch.agent.inspect.InspectionConfig.defaults());
    }

    @Test
    void printedNonDefaultsParseBackToo() throws Exception {
        ConfigValues v = settings(Map.of(), "--config", file("""
                capture:
                  interfaces: ["veth.*", cali.*]
                  bpf_filter: "tcp port 80"
                flows:
                  timeouts:
                    tcp_syn: 1500ms
                detect:
                  overrides: [scan.pf=0.0001]
                rules:
                  paths: [/etc/netwatch/rules]
                  reload: 0s
                metrics:
                  listen: none
                """).toString());
        ConfigValues reread = ConfigValues.defaults(AgentSettings.SCHEMA);
        ConfigFile.apply(ConfigPrinter.yaml(v), "printed.yaml", reread);
        AgentConfig c = config(reread);
        assertEquals(config(v), c);
        assertEquals(Duration.ofMillis(1500), c.flows().tcpSynTimeout());
        assertEquals("tcp port 80", c.live().bpfFilter());
        assertNull(c.metricsAddress());
        assertEquals(0.0001, c.detection().scan().falsePositiveRate());
    }

    /**
     * The zones the DNS detectors pass over come from detect.cluster_domain and
     * detect.trusted_zones, in the file or the environment; before, cluster.local was fixed in
     * code and a cluster with another domain had no way to say so. A malformed zone stops the
     * agent, naming the key and what to write.
     */
    @Test
    void theClusterDomainAndTrustedZonesAreReadAndAMalformedZoneIsRefused() throws Exception {
        AgentConfig c = config(settings(Map.of(), "--pcap", "x.pcap", "--config", file("""
                detect:
                  cluster_domain: Prod.K8s.Example.COM.
                  trusted_zones: [corp.example.com, lan]
                """).toString()));
        io.netwatch.agent.score.TrustedZones zones = c.detection().trustedZones();
        assertEquals("prod.k8s.example.com", zones.clusterDomain());
        assertEquals(List.of("corp.example.com", "lan"), zones.zones());
        assertTrue(zones.covers("web.shop.svc.prod.k8s.example.com"));
        assertFalse(zones.covers("web.shop.svc.cluster.local"));
        c = config(settings(Map.of("NETWATCH_AGENT_DETECT_TRUSTED_ZONES", "corp.example.com,corp.example.net"),
                "--pcap", "x.pcap"));
        assertEquals(List.of("corp.example.com", "corp.example.net"), c.detection().trustedZones().zones());
        assertEquals(io.netwatch.agent.score.TrustedZones.defaults(),
                config(settings(Map.of(), "--pcap", "x.pcap")).detection().trustedZones());

        String m = error(Map.of(), "--pcap", "x.pcap", "--config",
                file("detect:\n  trusted_zones: [corp.example.com, '*.corp.example.net']\n").toString());
        assertEquals("agent.yaml: detect.trusted_zones: \"*.corp.example.net\" holds a wildcard: write the zone itself "
                + "(corp.example.net), which covers every name under it", m);
        m = error(Map.of(), "--pcap", "x.pcap", "--config", file("detect:\n  trusted_zones: [co.uk]\n").toString());
        assertTrue(m.startsWith("agent.yaml: detect.trusted_zones: \"co.uk\" is a public suffix"), m);
        m = error(Map.of(), "--pcap", "x.pcap", "--config", file("detect:\n  cluster_domain: cluster..local\n")
                .toString());
        assertTrue(m.startsWith("agent.yaml: detect.cluster_domain: \"cluster..local\" is not a DNS domain"), m);
        assertTrue(m.contains("such as corp.example.com"), m);
        m = error(Map.of("NETWATCH_AGENT_DETECT_CLUSTER_DOMAIN", ""), "--pcap", "x.pcap");
        assertTrue(m.startsWith("NETWATCH_AGENT_DETECT_CLUSTER_DOMAIN (detect.cluster_domain): \"\" is empty"), m);
        assertEquals(2, NetwatchMain.execute("agent", "--config", file("detect:\n  trusted_zones: [com]\n").toString(),
                "--print-config"), "printing refuses what the agent would");
    }

    @Test
    void theCommandExitsWith2AndPrintConfigWith0() throws Exception {
        assertEquals(2, NetwatchMain.execute("agent", "--config", file("flows:\n  max_flow: 3\n").toString()));
        assertEquals(2, NetwatchMain.execute("agent", "--pcap", "x", "--max-flows", "none"));
        assertEquals(0, NetwatchMain.execute("agent", "--print-config", "--max-flows", "5"));
        assertEquals(0, NetwatchMain.execute("aggregator", "--print-config"));
        assertEquals(2, NetwatchMain.execute("aggregator", "--print-config", "--max-age", "forever"));
    }

    @Test
    void printConfigRefusesWhatTheAgentWouldRefuse() throws Exception {
        // Each key is valid alone; together, or against the files, the agent refuses them at start.
        for (String yaml : List.of("export:\n  reconnect_min: 10s\n  reconnect_max: 1s\n",
                "capture:\n  interfaces: [eth0]\n  pcap: x.pcap\n",
                "detect:\n  overrides: [scan.pf=7]\n",
                "rules:\n  paths: [" + dir.resolve("missing.rules") + "]\n")) {
            assertEquals(2, NetwatchMain.execute("agent", "--config", file(yaml).toString(), "--print-config"), yaml);
        }
        // No capture source is needed to print (--print-config > agent.yaml).
        assertEquals(0, NetwatchMain.execute("agent", "--config", file("export:\n  reconnect_max: 9s\n").toString(),
                "--print-config"));
    }

    @Test
    void damagedFilesAreRefusedWithAConfigErrorNeverAnotherException() {
        String valid = ConfigPrinter.yaml(ConfigValues.defaults(AgentSettings.SCHEMA));
        java.util.Random random = new java.util.Random(8);
        String alphabet = ":-[]{}&*!|>'\"%@`#,?\n\t 0x\u00e9\u0000";
        int refused = 0;
        for (int i = 0; i < 1000; i++) {
            StringBuilder b = new StringBuilder(valid);
            for (int edits = 1 + random.nextInt(4); edits > 0 && !b.isEmpty(); edits--) {
                int at = random.nextInt(b.length());
                switch (random.nextInt(3)) {
                    case 0 -> b.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    case 1 -> b.deleteCharAt(at);
                    default -> b.setLength(at);
                }
            }
            try {
                ConfigFile.apply(b.toString(), "agent.yaml", ConfigValues.defaults(AgentSettings.SCHEMA));
            } catch (ConfigError e) {
                refused++;
                assertTrue(e.getMessage().startsWith("agent.yaml"), e.getMessage());
            }
        }
        assertTrue(refused > 50, "only " + refused + " damaged files refused");
        // Anchors and aliases that would expand without bound, and deep nesting.
        String bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                + "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
        assertThrows(ConfigError.class, () -> ConfigFile.apply(bomb, "agent.yaml",
                ConfigValues.defaults(AgentSettings.SCHEMA)));
        String deep = "[".repeat(5000) + "]".repeat(5000);
        assertThrows(ConfigError.class, () -> ConfigFile.apply(deep, "agent.yaml",
                ConfigValues.defaults(AgentSettings.SCHEMA)));
    }

    @Test
    void parsersAreAListOfKnownProtocolsFromEveryLayerAndNoneTurnsThemAllOff() throws Exception {
        Path f = file("capture:\n  pcap: x.pcap\ninspection:\n  parsers: [TLS, dns]\n");
        assertEquals(EnumSet.of(MessageKind.DNS, MessageKind.TLS),
                config(settings(Map.of(), "--config", f.toString())).inspection().parsers());
        Map<String, String> none = Map.of("NETWATCH_AGENT_INSPECTION_PARSERS", "none");
        assertEquals(Set.of(), config(settings(none, "--config", f.toString())).inspection().parsers());
        assertEquals(EnumSet.of(MessageKind.HTTP, MessageKind.QUIC),
                config(settings(none, "--config", f.toString(), "--parsers", "http,quic")).inspection().parsers());
        // What is printed reads back as the same set, the empty one included.
        for (String parsers : List.of("[TLS, dns]", "[]")) {
            ConfigValues v = settings(Map.of(), "--config",
                    file("capture:\n  pcap: x.pcap\ninspection:\n  parsers: " + parsers + "\n").toString());
            ConfigValues reread = ConfigValues.defaults(AgentSettings.SCHEMA);
            ConfigFile.apply(ConfigPrinter.yaml(v), "printed.yaml", reread);
            assertEquals(config(v).inspection(), config(reread).inspection(), parsers);
        }

        String unknown = error(Map.of(), "--config", file("inspection:\n  parsers: [dns, smtp]\n").toString());
        assertTrue(unknown.contains("inspection.parsers: [dns, smtp] names \"smtp\", which is not allowed "
                + "(expected list of dns, http, tls, quic, ssh, each at most once (none or [] for none))"), unknown);
        String empty = error(Map.of("NETWATCH_AGENT_INSPECTION_PARSERS", ""), "--pcap", "x.pcap");
        assertTrue(empty.contains("NETWATCH_AGENT_INSPECTION_PARSERS (inspection.parsers): \"\" is empty (expected "
                + "list of dns, http, tls, quic, ssh"), empty);
        String twice = error(Map.of(), "--pcap", "x.pcap", "--parsers", "dns,tls,DNS");
        assertTrue(twice.contains("--parsers (inspection.parsers)") && twice.contains("names dns twice"), twice);
    }

    @Test
    void tunnelPortsAreMovedByTheFileTheEnvironmentAndNone() throws Exception {
        assertEquals(TunnelPorts.defaults(), config(settings(Map.of(), "--pcap", "x.pcap")).tunnelPorts());
        Path f = file("capture:\n  pcap: x.pcap\ndecode:\n  vxlan_ports: [4790, 8472]\n  geneve_ports: []\n");
        assertEquals(new TunnelPorts(List.of(4790, 8472), List.of()),
                config(settings(Map.of(), "--config", f.toString())).tunnelPorts());
        Map<String, String> env = Map.of("NETWATCH_AGENT_DECODE_VXLAN_PORTS", "none",
                "NETWATCH_AGENT_DECODE_GENEVE_PORTS", "6081, 6090");
        assertEquals(new TunnelPorts(List.of(), List.of(6081, 6090)),
                config(settings(env, "--config", f.toString())).tunnelPorts());
        // What is printed reads back as the same ports, the empty list included.
        ConfigValues v = settings(Map.of(), "--config", f.toString());
        ConfigValues reread = ConfigValues.defaults(AgentSettings.SCHEMA);
        ConfigFile.apply(ConfigPrinter.yaml(v), "printed.yaml", reread);
        assertEquals(config(v).tunnelPorts(), config(reread).tunnelPorts());
    }

    @Test
    void tunnelPortErrorsNameTheKeyThePortAndWhatIsAllowed() throws Exception {
        String allowed = "(expected list of ports, 1 to 65535, each at most once (none or [] for none))";
        assertEquals("agent.yaml: decode.vxlan_ports: [4789, 0] names port 0, which is out of range " + allowed,
                error(Map.of(), "--config", file("decode:\n  vxlan_ports: [4789, 0]\n").toString(), "--pcap", "x"));
        assertEquals("agent.yaml: decode.vxlan_ports: [65536] names port 65536, which is out of range " + allowed,
                error(Map.of(), "--config", file("decode:\n  vxlan_ports: [65536]\n").toString(), "--pcap", "x"));
        assertEquals("agent.yaml: decode.geneve_ports: [99999999999999999999] names port 99999999999999999999, "
                + "which is out of range " + allowed, error(Map.of(), "--config",
                file("decode:\n  geneve_ports: [99999999999999999999]\n").toString(), "--pcap", "x"));
        assertEquals("agent.yaml: decode.vxlan_ports: [4789, 8472, 4789] names port 4789 twice " + allowed,
                error(Map.of(), "--config", file("decode:\n  vxlan_ports: [4789, 8472, 4789]\n").toString(),
                        "--pcap", "x"));
        assertEquals("agent.yaml: decode.vxlan_ports: [vxlan] names \"vxlan\", which is not a port number " + allowed,
                error(Map.of(), "--config", file("decode:\n  vxlan_ports: [vxlan]\n").toString(), "--pcap", "x"));
        assertEquals("agent.yaml: decode.vxlan_ports: [-1] names \"-1\", which is not a port number " + allowed,
                error(Map.of(), "--config", file("decode:\n  vxlan_ports: [-1]\n").toString(), "--pcap", "x"));
        assertEquals("NETWATCH_AGENT_DECODE_VXLAN_PORTS (decode.vxlan_ports): \"\" is empty " + allowed,
                error(Map.of("NETWATCH_AGENT_DECODE_VXLAN_PORTS", ""), "--pcap", "x"));
        // Each list is valid alone; a port in both is refused naming both keys.
        assertEquals("port 6081 is in both decode.vxlan_ports [4789, 6081] and decode.geneve_ports [6081]; a port"
                + " carries one of them", error(Map.of(), "--config",
                file("decode:\n  vxlan_ports: [4789, 6081]\n").toString(), "--pcap", "x"));
    }

    @Test
    void ruleVariablesComeFromTheFileTheEnvironmentOrOptionsOverTheDefaults() throws Exception {
        RuleVariables defaults = RuleVariables.defaults().withTunnelPorts(TunnelPorts.DEFAULT_VXLAN,
                TunnelPorts.DEFAULT_GENEVE);
        assertEquals(defaults, config(settings(Map.of(), "--pcap", "x.pcap")).rules().variables());
        RuleVariables expected = defaults.with(
                Map.of("HOME_NET", "[10.0.0.0/8,100.64.0.0/10]", "DMZ_NET", "192.0.2.0/24"), Map.of("HTTP_PORTS", "8080"));
        // A list of NAME=VALUE, as detect.overrides; or a mapping, as suricata.yaml's vars are written,
        // where a value written as a YAML list is the rule list it was meant to be.
        for (String groups : List.of("""
                  address_groups:
                    - HOME_NET=[10.0.0.0/8,100.64.0.0/10]
                    - DMZ_NET = 192.0.2.0/24
                  port_groups: [HTTP_PORTS=8080]
                """, """
                  address_groups:
                    HOME_NET: "[10.0.0.0/8,100.64.0.0/10]"
                    DMZ_NET: 192.0.2.0/24
                  port_groups:
                    HTTP_PORTS: 8080
                """, """
                  address_groups:
                    HOME_NET: [10.0.0.0/8, 100.64.0.0/10]
                    DMZ_NET: 192.0.2.0/24
                  port_groups: "HTTP_PORTS=8080"
                """)) {
            ConfigValues v = settings(Map.of(), "--config", file("capture:\n  pcap: x.pcap\nrules:\n" + groups)
                    .toString());
            assertEquals(expected, config(v).rules().variables(), groups);
            // Printed, the groups read back the same.
            ConfigValues reread = ConfigValues.defaults(AgentSettings.SCHEMA);
            ConfigFile.apply(ConfigPrinter.yaml(v), "printed.yaml", reread);
            assertEquals(config(v).rules(), config(reread).rules(), ConfigPrinter.yaml(v));
        }
        // The environment: a comma inside brackets belongs to the value.
        Map<String, String> env = Map.of(
                "NETWATCH_AGENT_RULES_ADDRESS_GROUPS", "HOME_NET=[10.0.0.0/8,100.64.0.0/10], DMZ_NET=192.0.2.0/24",
                "NETWATCH_AGENT_RULES_PORT_GROUPS", "HTTP_PORTS=8080");
        assertEquals(expected, config(settings(env, "--pcap", "x.pcap")).rules().variables());
        // Options replace the key they set, as --rules replaces rules.paths.
        ConfigValues v = settings(env, "--pcap", "x.pcap", "--address-group", "HOME_NET=[10.0.0.0/8,100.64.0.0/10]",
                "--address-group", "WEB_NET=[$HOME_NET,!10.1.0.0/16]");
        RuleVariables options = config(v).rules().variables();
        assertEquals("[$HOME_NET,!10.1.0.0/16]", options.addresses().get("WEB_NET"));
        assertNull(options.addresses().get("DMZ_NET"), "--address-group replaced the variable's list");
        assertEquals("8080", options.ports().get("HTTP_PORTS"), "no --port-group: the variable's groups stand");
        assertEquals("--address-group", v.source("rules.address_groups"));
        ConfigValues reread = ConfigValues.defaults(AgentSettings.SCHEMA);
        ConfigFile.apply(ConfigPrinter.yaml(v), "printed.yaml", reread);
        assertEquals(options, config(reread).rules().variables());

        // The agent reads its rule files with them.
        Path rules = dir.resolve("dmz.rules");
        Files.writeString(rules, "alert tcp $EXTERNAL_NET any -> $DMZ_NET $HTTP_PORTS (msg:\"m\"; content:\"a\"; sid:1;)\n");
        var signatures = config(settings(env, "--pcap", "x.pcap", "--rules", rules.toString())).rules().load();
        assertEquals(List.of(), signatures.lastLoad().errors());
        assertTrue(signatures.current().rules().getLast().destPorts().matches(8080));
    }

    @Test
    void ruleTuningComesFromTheFileTheEnvironmentOrTheOptionsAndPrintsBack() throws Exception {
        Path threshold = dir.resolve("threshold.config");
        Files.writeString(threshold, "suppress gen_id 1, sig_id 9100063, track by_src, ip 10.20.0.5\n");
        ConfigValues v = settings(Map.of(), "--config", file("capture:\n  pcap: x.pcap\nrules:\n"
                + "  disabled_sids: [9100060, 9100064]\n  threshold_file: " + threshold + "\n").toString());
        RuleTuning fromFile = config(v).rules().tuning();
        assertEquals(new RuleTuning(List.of(9100060, 9100064), threshold), fromFile);
        ConfigValues reread = ConfigValues.defaults(AgentSettings.SCHEMA);
        ConfigFile.apply(ConfigPrinter.yaml(v), "printed.yaml", reread);
        assertEquals(fromFile, config(reread).rules().tuning(), ConfigPrinter.yaml(v));

        Map<String, String> env = Map.of("NETWATCH_AGENT_RULES_DISABLED_SIDS", "9100061,9100062",
                "NETWATCH_AGENT_RULES_THRESHOLD_FILE", threshold.toString());
        assertEquals(new RuleTuning(List.of(9100061, 9100062), threshold),
                config(settings(env, "--pcap", "x.pcap")).rules().tuning());

        // The bound on the thresholds' counts: the file's, printed back, the environment's; the rules loaded carry it.
        v = settings(Map.of(), "--config", file("capture:\n  pcap: x.pcap\nrules:\n  threshold_entries: 1000\n")
                .toString());
        assertEquals(1000, config(v).rules().tuning().thresholdEntries());
        assertEquals(1000, config(v).rules().load().thresholdEntries());
        reread = ConfigValues.defaults(AgentSettings.SCHEMA);
        ConfigFile.apply(ConfigPrinter.yaml(v), "printed.yaml", reread);
        assertEquals(1000, config(reread).rules().tuning().thresholdEntries());
        assertEquals(ThresholdTable.DEFAULT_MAX_ENTRIES,
                config(settings(env, "--pcap", "x.pcap")).rules().tuning().thresholdEntries());
        assertEquals(77, config(settings(Map.of("NETWATCH_AGENT_RULES_THRESHOLD_ENTRIES", "77"), "--pcap", "x.pcap"))
                .rules().tuning().thresholdEntries());

        // Options replace the key they set, as --rules replaces rules.paths.
        Path other = dir.resolve("other.config");
        v = settings(env, "--pcap", "x.pcap", "--disable-sid", "9100065", "--disable-sid", "9100066,9100067",
                "--threshold-file", other.toString());
        assertEquals(new RuleTuning(List.of(9100065, 9100066, 9100067), other), config(v).rules().tuning());
        assertEquals("--disable-sid", v.source("rules.disabled_sids"));
        assertEquals("--threshold-file", v.source("rules.threshold_file"));
        assertEquals(RuleTuning.NONE, config(settings(Map.of(), "--pcap", "x.pcap")).rules().tuning());

        // The agent loads them: the sids are left out, the file's line is in force.
        var signatures = config(settings(env, "--pcap", "x.pcap")).rules().load();
        assertTrue(signatures.current().rules().stream().noneMatch(r -> r.sid() == 9100061 || r.sid() == 9100062));
        assertEquals(1, signatures.suppressions().size());
        assertEquals(List.of(), signatures.lastLoad().tuningErrors());

        assertEquals("--disable-sid (rules.disabled_sids): [0] names sid 0, which is out of range (expected list of sids, 1 to 2147483647, "
                + "each at most once (none or [] for none))", error(Map.of(), "--pcap", "x.pcap", "--disable-sid", "0"));
        assertTrue(error(Map.of("NETWATCH_AGENT_RULES_DISABLED_SIDS", "9100060,nine"), "--pcap", "x.pcap")
                .startsWith("NETWATCH_AGENT_RULES_DISABLED_SIDS"));
    }

    @Test
    void tunnelPortVariablesFollowTheDecoderUnlessAPortGroupSetsThem() throws Exception {
        // Found in review: $VXLAN_PORTS stayed Suricata's 4789 while the decoder read VXLAN on
        // Flannel's 8472 too, or only on the ports decode.vxlan_ports moved it to.
        RuleVariables v = config(settings(Map.of(), "--pcap", "x.pcap")).rules().variables();
        assertEquals("[4789,8472]", v.ports().get("VXLAN_PORTS"));
        assertEquals("6081", v.ports().get("GENEVE_PORTS"));
        v = config(settings(Map.of(), "--config", file("capture:\n  pcap: x.pcap\ndecode:\n  vxlan_ports: [9000]\n"
                + "  geneve_ports: [6081, 6082]\n").toString())).rules().variables();
        assertEquals("9000", v.ports().get("VXLAN_PORTS"));
        assertEquals("[6081,6082]", v.ports().get("GENEVE_PORTS"));
        // No VXLAN decoded: the variable keeps Suricata's default, for rules that name it.
        v = config(settings(Map.of(), "--config", file("capture:\n  pcap: x.pcap\ndecode:\n  vxlan_ports: none\n")
                .toString())).rules().variables();
        assertEquals("4789", v.ports().get("VXLAN_PORTS"));
        // A port group of the user's own is laid over it.
        v = config(settings(Map.of(), "--pcap", "x.pcap", "--port-group", "VXLAN_PORTS=4790")).rules().variables();
        assertEquals("4790", v.ports().get("VXLAN_PORTS"));
    }

    @Test
    void ruleVariableErrorsNameTheKeyTheGroupAndWhatToFix() throws Exception {
        String m = error(Map.of(), "--config", file("rules:\n  address_groups: [\"HOME_NET=[10.0.0.0/8,100.64.0.0/100]\"]\n")
                .toString(), "--pcap", "x");
        assertEquals("agent.yaml: rules.address_groups: address group HOME_NET \"[10.0.0.0/8,100.64.0.0/100]\": prefix "
                + "length out of range in '100.64.0.0/100'", m);
        m = error(Map.of("NETWATCH_AGENT_RULES_ADDRESS_GROUPS", "HOME_NET=[10.0.0.0/8,!$EXTERNAL_NET]"), "--pcap", "x");
        assertEquals("NETWATCH_AGENT_RULES_ADDRESS_GROUPS (rules.address_groups): address group HOME_NET uses itself: "
                + "$HOME_NET -> $EXTERNAL_NET -> $HOME_NET; write one of them out without the other variables", m);
        m = error(Map.of(), "--pcap", "x", "--address-group", "home_net=10.0.0.0/8");
        assertEquals("--address-group (rules.address_groups): address group name \"home_net\" must be upper-case "
                + "letters, digits and _, starting with a letter, at most 64 characters (as HOME_NET)", m);
        m = error(Map.of(), "--pcap", "x", "--port-group", "HTTP_PORTS");
        assertEquals("--port-group (rules.port_groups): [HTTP_PORTS] names \"HTTP_PORTS\", which is not NAME=VALUE "
                + "(expected list of NAME=VALUE, or a mapping of NAME: VALUE)", m);
        m = error(Map.of(), "--config", file("rules:\n  port_groups: [\"WEB_PORTS=[$HTTP_PORT,8080]\"]\n").toString(),
                "--pcap", "x");
        assertTrue(m.startsWith("agent.yaml: rules.port_groups: port group WEB_PORTS uses $HTTP_PORT, which is not "
                + "defined; define it too, or use one of: DNP3_PORTS, "), m);
        m = error(Map.of(), "--config", file("rules:\n  port_groups: [HOME_NET=80]\n").toString(), "--pcap", "x");
        assertEquals("agent.yaml: rules.port_groups: HOME_NET is an address group, not a port group: set it with the "
                + "address groups", m);
        m = error(Map.of(), "--config", file("rules:\n  address_groups: [A=10.0.0.1, A=10.0.0.2]\n").toString());
        assertEquals("agent.yaml: rules.address_groups: [A=10.0.0.1, A=10.0.0.2] sets A twice (expected list of "
                + "NAME=VALUE, or a mapping of NAME: VALUE)", m);
        m = error(Map.of(), "--config", file("rules:\n  address_groups:\n    HOME_NET:\n      cidr: 10.0.0.0/8\n")
                .toString());
        assertEquals("agent.yaml: rules.address_groups: HOME_NET: is a section, not a value", m);
        m = error(Map.of(), "--config", file("rules:\n  address_groups:\n    EXTERNAL_NET: !$HOME_NET\n").toString());
        assertEquals("agent.yaml: rules.address_groups: EXTERNAL_NET: is empty; quote a value that starts with ! "
                + "(\"!$HOME_NET\"): unquoted, YAML reads it as a tag", m);
        // What the agent refuses at start, --print-config refuses too.
        assertEquals(2, NetwatchMain.execute("agent", "--config", file("rules:\n  address_groups: [HOME_NET=any]\n")
                .toString(), "--print-config"));
    }

    @Test
    void aFileLargerThanTheLimitIsRefused() throws Exception {
        Path f = dir.resolve("big.yaml");
        Files.writeString(f, "#" + "x".repeat((int) ConfigFile.MAX_BYTES) + "\n");
        String m = error(Map.of(), "--config", f.toString());
        assertTrue(m.contains("larger than " + ConfigFile.MAX_BYTES + " bytes"), m);
    }

    @Test
    void aNodeTokenIsNeverSentInPlaintext() throws Exception {
        CliRun r = CliRun.of("agent", "--pcap", Samples.demo().toString(), "--metrics", "none", "--config",
                file("tls:\n  node_token_file: /var/run/secrets/netwatch/token\n").toString());
        assertEquals(2, r.code(), r.stdout());
        assertTrue(r.stderr().contains("tls.node_token_file needs TLS"), r.stderr());
    }
}
