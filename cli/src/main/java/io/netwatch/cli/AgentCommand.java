package io.netwatch.cli;

import io.netwatch.agent.AgentConfig;
import io.netwatch.agent.AgentMain;
import io.netwatch.agent.capture.CaptureException;
import io.netwatch.agent.capture.LiveCaptureConfig;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.export.ClientTls;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.identity.IdentityCache;
import io.netwatch.cli.config.ConfigValues;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

@Command(name = "agent", mixinStandardHelpOptions = true, modelTransformer = AgentCommand.SharedOptionKeys.class,
        description = {"Run the node agent: capture live (or replay a file), track flows, detect, stream to the aggregator.",
                "Settings come from built-in defaults, then --config FILE, then NETWATCH_AGENT_* environment variables,"
                        + " then these options (docs/configuration.md); --print-config shows the result."})
final class AgentCommand implements Callable<Integer> {
    /**
     * Ends the help of each option the agent shares with commands that read no configuration
     * (the rule options of inspect, the TLS options of the query commands) with the key it sets
     * here, as the agent's own options end theirs: the shared text cannot name it, since there
     * it sets none.
     */
    static final class SharedOptionKeys implements CommandLine.IModelTransformer {
        private static final Map<String, String> KEYS = Map.ofEntries(
                Map.entry("--rules", AgentSettings.RULE_PATHS.path()),
                Map.entry("--no-default-rules", AgentSettings.BUNDLED.path() + ": false"),
                Map.entry("--rule-payload-depth", AgentSettings.PAYLOAD_DEPTH.path()),
                Map.entry("--address-group", AgentSettings.ADDRESS_GROUPS.path()),
                Map.entry("--port-group", AgentSettings.PORT_GROUPS.path()),
                Map.entry("--disable-sid", AgentSettings.DISABLED_SIDS.path()),
                Map.entry("--threshold-file", AgentSettings.THRESHOLD_FILE.path()),
                Map.entry("--tls-ca", AgentSettings.TLS_CA.path()),
                Map.entry("--tls-cert", AgentSettings.TLS_CERT.path()),
                Map.entry("--tls-key", AgentSettings.TLS_KEY.path()),
                Map.entry("--tls-server-name", AgentSettings.TLS_SERVER_NAME.path()));

        @Override
        public CommandSpec transform(CommandSpec spec) {
            KEYS.forEach((name, key) -> {
                OptionSpec option = spec.findOption(name);
                OptionSpec.Builder named = option.toBuilder();
                String[] description = named.description().clone();
                description[description.length - 1] += " (" + key + ")";
                spec.remove(option);
                spec.addOption(named.description(description).build());
            });
            return spec;
        }
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source;

    static final class Source {
        @Option(names = {"-i", "--interface"}, split = ",",
                description = "Interface name, regular expression over names (cali.*|veth.*), or 'any'. Repeatable. "
                        + "(capture.interfaces)")
        List<String> interfaces;

        @Option(names = "--pcap", description = "Replay this pcap or pcapng file, then exit. (capture.pcap)")
        Path pcap;
    }

    @picocli.CommandLine.Mixin
    ConfigOptions configuration = new ConfigOptions();

    @Option(names = "--bpf", description = "BPF filter for live capture. (capture.bpf_filter)")
    String bpf;

    @Option(names = "--aggregator", description = "Aggregator HOST:PORT (default: localhost:" + NetwatchMain.DEFAULT_PORT
            + "). (aggregator)")
    String aggregator;

    @Option(names = "--node", description = "Node name to report as (default: $NODE_NAME, else the host name). "
            + "(node_name)")
    String node;

    @Option(names = "--metrics", description = "Serve /metrics, /healthz, /readyz here; 'none' to disable "
            + "(default: 0.0.0.0:9091). (metrics.listen)")
    String metrics;

    @Option(names = "--snaplen", description = "Bytes captured per packet (default: "
            + LiveCaptureConfig.DEFAULT_SNAP_LENGTH + ", also the most). (capture.snap_length)")
    String snapLength;

    @Option(names = "--buffer-size", description = "Kernel capture buffer per interface, bytes (default: "
            + LiveCaptureConfig.DEFAULT_BUFFER_BYTES + ", 32 MiB). (capture.buffer_bytes)")
    String bufferBytes;

    @Option(names = "--immediate", description = "libpcap immediate mode: lower latency, more drops at high rates. "
            + "(capture.immediate_mode)")
    Boolean immediate;

    @Option(names = "--max-flows", description = "Flow table bound: past it a flow is evicted, unanswered ones first,"
            + " and counted (default: " + FlowTableConfig.DEFAULT_MAX_FLOWS + "). (flows.max_flows)")
    String maxFlows;

    @Option(names = "--flow-timeouts", description = "Flow timeouts, any of " + FlowTimeouts.KEYS
            + ", e.g. syn=30s,established=5m,udp=1m (defaults: syn 30s, established 5m, closed 10s, udp 60s, "
            + "other 30s, active 5m). (flows.timeouts.*)")
    String flowTimeouts;

    @Option(names = "--drain-timeout", description = "After a file ends, how long to wait for the aggregator's "
            + "acknowledgements (default: 30s). (export.drain_timeout)")
    String drainTimeout;

    @Option(names = "--detect", description = "Detector settings over the defaults, any of " + DetectSettings.KEYS
            + ", e.g. scan.pf=0.0001,flood.threshold=500 (docs/detection.md). (detect.overrides)")
    String detect;

    @Option(names = "--parsers", paramLabel = "LIST", description = "Application protocols whose messages are "
            + "parsed, comma-separated, of dns, http, tls, quic, ssh, or none (default: all); the others are named "
            + "by their first bytes, not read. (inspection.parsers)")
    String parsers;

    @Option(names = "--identity-cache-size", description = "Most addresses kept in the copy of the aggregator's"
            + " identities; the least recently used goes first past it, counted (default: "
            + IdentityCache.DEFAULT_MAX_ENTRIES + "). (identity.cache_size)")
    String identityCacheSize;

    @picocli.CommandLine.Mixin
    ClientTlsOptions tls = new ClientTlsOptions();

    @Option(names = "--tls-reload", description = "How often the certificate, key and CA files are checked for"
            + " changes (cert-manager rotation); 0s reads them once (default: 1m). (tls.reload)")
    String tlsReload;

    @Option(names = "--shutdown-grace", description = "On SIGTERM, how long to end open flows and have them "
            + "acknowledged (default: 20s). (shutdown.grace_period)")
    String shutdownGrace;

    @picocli.CommandLine.Mixin
    RuleOptions rules = new RuleOptions();

    @Option(names = "--rules-reload", description = "How often rule files are checked for changes and reloaded; 0s "
            + "turns it off (default: 10s). (rules.reload)")
    String rulesReload;

    @Override
    public Integer call() throws Exception {
        ConfigValues v = settings();
        ConfigValues checked = v;
        if (configuration.print && v.get(AgentSettings.INTERFACES).isEmpty() && v.get(AgentSettings.PCAP).isEmpty()) {
            // Printing needs no capture source (--print-config > agent.yaml); everything else is checked.
            checked = v.copy().option(AgentSettings.PCAP, "--print-config", "capture.pcap");
        }
        AgentConfig config = AgentSettings.toConfig(checked, AgentSettings::defaultNodeName);
        AgentSettings.requireRuleFiles(v);
        AgentSettings.tlsFiles(v, tls);
        String nodeToken = v.get(AgentSettings.NODE_TOKEN_FILE);
        if (!nodeToken.isBlank() && !tls.any()) {
            throw new IllegalArgumentException("tls.node_token_file needs TLS (tls.ca, tls.cert, tls.key): a token"
                    + " must not travel in plaintext");
        }
        if (tls.any()) {
            ClientTls client = tls.tls(true, v.get(AgentSettings.TLS_RELOAD));
            config = config.withTls(nodeToken.isBlank() ? client : client.withNodeTokenFile(Path.of(nodeToken)));
        }
        if (configuration.print) {
            // The rule files as the agent reads them at start: one that cannot be read stops it.
            config.rules().load();
        }
        if (configuration.printed(v)) {
            return 0;
        }
        if (config.tls() == null && HostPort.elsewhere(config.aggregator())) {
            // Not silent: in plaintext anyone on the path reads the flows, and whoever answers at
            // that address is taken for the aggregator, its block commands included.
            System.err.println("netwatch agent: PLAINTEXT to the aggregator at " + config.aggregator() + ", another"
                    + " machine: anyone on the path can read the flows, and whoever answers there is taken for the"
                    + " aggregator, its block commands included; give --tls-ca, --tls-cert and --tls-key (tls.ca,"
                    + " tls.cert, tls.key; docs/security.md)");
        }
        if (config.pcapFile() != null) {
            NamedFile.requireExists(v.at(AgentSettings.PCAP), config.pcapFile(), NamedFile.CAPTURE);
            try {
                // Before the agent prints anything: why the file will not open, as inspect says it.
                PcapFileSource.checkOpens(config.pcapFile());
            } catch (CaptureException e) {
                throw new NetwatchMain.UserError(e.getMessage());
            }
        }
        return AgentMain.run(config, System.out, System.err);
    }

    /** Defaults, file, environment, then these options. */
    ConfigValues settings() {
        ConfigValues v = configuration.load(AgentSettings.SCHEMA);
        if (source != null && source.interfaces != null) {
            v.option(AgentSettings.INTERFACES, "--interface", source.interfaces).option(AgentSettings.PCAP, "--interface", "");
        } else if (source != null) {
            v.option(AgentSettings.PCAP, "--pcap", source.pcap).option(AgentSettings.INTERFACES, "--pcap", List.of());
        }
        v.option(AgentSettings.BPF, "--bpf", bpf)
                .option(AgentSettings.AGGREGATOR, "--aggregator", aggregator)
                .option(AgentSettings.NODE_NAME, "--node", node)
                .option(AgentSettings.METRICS, "--metrics", metrics)
                .option(AgentSettings.SNAP_LENGTH, "--snaplen", snapLength)
                .option(AgentSettings.BUFFER_BYTES, "--buffer-size", bufferBytes)
                .option(AgentSettings.IMMEDIATE, "--immediate", immediate)
                .option(AgentSettings.MAX_FLOWS, "--max-flows", maxFlows)
                .option(AgentSettings.DRAIN, "--drain-timeout", drainTimeout)
                .option(AgentSettings.GRACE, "--shutdown-grace", shutdownGrace)
                .option(AgentSettings.RELOAD, "--rules-reload", rulesReload)
                .option(AgentSettings.IDENTITY_CACHE, "--identity-cache-size", identityCacheSize)
                .option(AgentSettings.PARSERS, "--parsers", parsers)
                .option(AgentSettings.TLS_RELOAD, "--tls-reload", tlsReload);
        if (detect != null) {
            v.option(AgentSettings.DETECT, "--detect", List.of(detect.split(",")));
        }
        FlowTimeouts.overrides(flowTimeouts).forEach((path, text) -> v.option(
                AgentSettings.SCHEMA.find(path), "--flow-timeouts", text));
        rules.applyTo(v);
        return v;
    }
}
