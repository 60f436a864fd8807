package io.netwatch.cli;

import static io.netwatch.cli.config.ConfigType.assignments;
import static io.netwatch.cli.config.ConfigType.bool;
import static io.netwatch.cli.config.ConfigType.checked;
import static io.netwatch.cli.config.ConfigType.duration;
import static io.netwatch.cli.config.ConfigType.integer;
import static io.netwatch.cli.config.ConfigType.longInteger;
import static io.netwatch.cli.config.ConfigType.portList;
import static io.netwatch.cli.config.ConfigType.sidList;
import static io.netwatch.cli.config.ConfigType.text;
import static io.netwatch.cli.config.ConfigType.textList;
import static io.netwatch.cli.config.ConfigType.wordList;

import io.netwatch.agent.AgentConfig;
import io.netwatch.agent.block.BlockConfig;
import io.netwatch.agent.capture.LiveCaptureConfig;
import io.netwatch.agent.decode.TunnelPorts;
import io.netwatch.agent.export.ExportConfig;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.MessageKind;
import io.netwatch.agent.inspect.signature.RuleTuning;
import io.netwatch.agent.inspect.signature.RuleVariables;
import io.netwatch.agent.inspect.signature.RulesConfig;
import io.netwatch.agent.inspect.signature.ThresholdTable;
import io.netwatch.agent.identity.IdentityCache;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.agent.score.TrustedZones;
import io.netwatch.cli.config.ConfigError;
import io.netwatch.cli.config.ConfigKey;
import io.netwatch.cli.config.ConfigSchema;
import io.netwatch.cli.config.ConfigSource;
import io.netwatch.cli.config.ConfigValues;
import io.netwatch.common.Durations;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The agent's configuration keys ({@code agent.yaml}, {@code NETWATCH_AGENT_*}) and how they
 * map onto {@link AgentConfig}. Defaults come from the agent's own config records, so the
 * file, the printed configuration and the code cannot disagree. docs/configuration.md lists
 * every key (a test checks both ways).
 */
final class AgentSettings {
    static final ConfigSchema SCHEMA = new ConfigSchema("agent");
    private static final LiveCaptureConfig LIVE = LiveCaptureConfig.of(List.of("any"), "");
    private static final FlowTableConfig FLOWS = FlowTableConfig.defaults();
    private static final InspectionConfig INSPECTION = InspectionConfig.defaults();
    private static final RulesConfig RULES = RulesConfig.defaults();
    private static final ExportConfig EXPORT = ExportConfig.defaults();
    private static final BlockConfig BLOCK = BlockConfig.defaults();
    private static final int MAX = Integer.MAX_VALUE;
    private static final Duration MS = Duration.ofMillis(1);

    static final ConfigKey<String> NODE_NAME = SCHEMA.key("node_name", text("text"), "",
            "Node name the agent reports as; empty: $NODE_NAME, else the host name.");
    static final ConfigKey<String> AGGREGATOR = SCHEMA.key("aggregator", address(),
            "localhost:" + NetwatchMain.DEFAULT_PORT, "The aggregator's gRPC address.");

    static final ConfigKey<List<String>> INTERFACES = SCHEMA.key("capture.interfaces",
            textList("list of interface names, regular expressions or any"), List.of(),
            "Capture live on these interfaces (names, regular expressions such as veth.*, or any); "
                    + "set this or capture.pcap.");
    static final ConfigKey<String> PCAP = SCHEMA.key("capture.pcap", text("file path"), "",
            "Replay this pcap or pcapng file, then exit; set this or capture.interfaces.");
    static final ConfigKey<String> BPF = SCHEMA.key("capture.bpf_filter", text("BPF expression"), "",
            "BPF filter for live capture; empty for none.");
    static final ConfigKey<Integer> SNAP_LENGTH = SCHEMA.key("capture.snap_length",
            integer(64, LiveCaptureConfig.DEFAULT_SNAP_LENGTH), LIVE.snapLength(), "Bytes captured per packet.");
    static final ConfigKey<Integer> BUFFER_BYTES = SCHEMA.key("capture.buffer_bytes", integer(1 << 16, MAX),
            LIVE.bufferBytes(), "Kernel capture buffer per interface, bytes.");
    static final ConfigKey<Boolean> IMMEDIATE = SCHEMA.key("capture.immediate_mode", bool(), LIVE.immediateMode(),
            "libpcap immediate mode: lower latency, more drops at high rates.");
    static final ConfigKey<Boolean> PROMISCUOUS = SCHEMA.key("capture.promiscuous", bool(), LIVE.promiscuous(),
            "Capture frames not addressed to the interface.");
    static final ConfigKey<Duration> IDLE_TICK = SCHEMA.key("capture.idle_tick", duration(Duration.ofMillis(10)),
            Duration.ofMillis(LIVE.idleTickMillis()), "libpcap's packet buffer timeout: the longest a packet waits in the kernel before the agent sees it "
                    + "(detection latency on quiet interfaces), and how often an idle capture thread wakes to expire flows.");

    static final ConfigKey<List<Integer>> VXLAN_PORTS = SCHEMA.key("decode.vxlan_ports", portList(),
            TunnelPorts.DEFAULT_VXLAN, "UDP ports whose payload is read as VXLAN, to count its inner flows (Cilium's "
                    + "tunnel-port, Calico's vxlanPort, when moved); UDP on other ports is plain UDP. The rules' $VXLAN_PORTS "
                    + "follows it.");
    static final ConfigKey<List<Integer>> GENEVE_PORTS = SCHEMA.key("decode.geneve_ports", portList(),
            TunnelPorts.DEFAULT_GENEVE, "UDP ports whose payload is read as Geneve; none may be in "
                    + "decode.vxlan_ports. The rules' $GENEVE_PORTS follows it.");

    static final ConfigKey<Integer> MAX_FLOWS = SCHEMA.key("flows.max_flows", integer(1, MAX), FLOWS.maxFlows(),
            "Hard bound on tracked flows; to make room a spent flow (unanswered, closed or reset) is evicted first, "
                    + "else the least recently active (and counted).");
    static final ConfigKey<Duration> TCP_SYN = SCHEMA.key("flows.timeouts.tcp_syn", duration(MS),
            FLOWS.tcpSynTimeout(), "Idle timeout of a TCP flow whose handshake did not complete.");
    static final ConfigKey<Duration> TCP_ESTABLISHED = SCHEMA.key("flows.timeouts.tcp_established", duration(MS),
            FLOWS.tcpEstablishedTimeout(), "Idle timeout of an established TCP flow.");
    static final ConfigKey<Duration> TCP_CLOSED = SCHEMA.key("flows.timeouts.tcp_closed", duration(MS),
            FLOWS.tcpClosedTimeout(), "How long a closed or reset TCP flow lingers for its last packets.");
    static final ConfigKey<Duration> UDP = SCHEMA.key("flows.timeouts.udp", duration(MS), FLOWS.udpTimeout(),
            "Idle timeout of UDP flows.");
    static final ConfigKey<Duration> OTHER = SCHEMA.key("flows.timeouts.other", duration(MS), FLOWS.otherTimeout(),
            "Idle timeout of ICMP and other protocols.");
    static final ConfigKey<Duration> ACTIVE = SCHEMA.key("flows.timeouts.active", duration(MS),
            FLOWS.activeTimeout(), "A flow active this long emits an interim record and goes on.");

    static final ConfigKey<Integer> DEPTH = SCHEMA.key("inspection.depth_bytes", integer(1024, MAX),
            INSPECTION.depthBytes(), "Stream bytes inspected per direction of a TCP flow.");
    static final ConfigKey<Integer> PENDING = SCHEMA.key("inspection.max_pending_bytes", integer(1024, MAX),
            INSPECTION.maxPendingBytes(), "Out-of-order bytes held per direction while waiting for a hole.");
    static final ConfigKey<Long> BUDGET = SCHEMA.key("inspection.budget_bytes", longInteger(1024, Long.MAX_VALUE),
            INSPECTION.budgetBytes(), "Bytes inspection holds across all flows: out-of-order segments and what parsers "
                    + "and rules keep (at least inspection.max_pending_bytes). When full, the largest holder gives its "
                    + "bytes back to one holding less (counted); when none holds more, a flow that would pass it stops "
                    + "being inspected, counted.");
    static final ConfigKey<Integer> INSPECTED = SCHEMA.key("inspection.max_inspected_flows", integer(1, MAX),
            INSPECTION.maxInspectedFlows(), "Flows inspected at once (a flow inspection is done with holds no place); "
                    + "at the bound a new flow takes the place of an unanswered one, else of the least recently active "
                    + "(counted).");
    /** The words of inspection.parsers (and of inspect's --parsers). */
    static final io.netwatch.cli.config.ConfigType<List<String>> PARSER_WORDS =
            wordList(MessageKind.labels().toArray(String[]::new));
    static final ConfigKey<List<String>> PARSERS = SCHEMA.key("inspection.parsers", PARSER_WORDS,
            INSPECTION.parserLabels(),
            "Application protocols whose messages are parsed; one left out is still named by its first bytes "
                    + "(app_proto, port mismatches) but yields no messages, record fields or field rules "
                    + "(docs/flows.md).");

    static final ConfigKey<List<String>> RULE_PATHS = SCHEMA.key("rules.paths", textList("list of paths"),
            List.of(), "Signature rule files, or directories of *.rules files, added to the bundled rules.");
    static final ConfigKey<Boolean> BUNDLED = SCHEMA.key("rules.bundled", bool(), RULES.bundled(),
            "Include the bundled rules.");
    static final ConfigKey<Duration> RELOAD = SCHEMA.key("rules.reload", duration(Duration.ZERO), RULES.reload(),
            "How often rule files are checked for changes; 0s turns reloading off.");
    static final ConfigKey<Integer> PAYLOAD_DEPTH = SCHEMA.key("rules.payload_depth", integer(64, 1 << 20),
            RULES.payloadDepth(), "Payload bytes matched per direction of a flow.");
    static final ConfigKey<List<String>> ADDRESS_GROUPS = SCHEMA.key("rules.address_groups",
            assignments("list of NAME=VALUE, or a mapping of NAME: VALUE"), List.of(),
            "Rule address groups ($HOME_NET, $EXTERNAL_NET, ...) set or added over Suricata's defaults, each in rule "
                    + "syntax, e.g. HOME_NET=[10.0.0.0/8,100.64.0.0/10] (docs/signatures.md).");
    static final ConfigKey<List<String>> PORT_GROUPS = SCHEMA.key("rules.port_groups",
            assignments("list of NAME=VALUE, or a mapping of NAME: VALUE"), List.of(),
            "Rule port groups ($HTTP_PORTS, ...) set or added over Suricata's defaults, e.g. HTTP_PORTS=[80,8080].");
    static final ConfigKey<List<Integer>> DISABLED_SIDS = SCHEMA.key("rules.disabled_sids", sidList(),
            RULES.tuning().disabledSids(), "Sids of rules not loaded, bundled or from rules.paths, as suricata-update's "
                    + "disable.conf leaves them out; a sid no rule has is reported (docs/signatures.md).");
    static final ConfigKey<String> THRESHOLD_FILE = SCHEMA.key("rules.threshold_file", text("file path"), "",
            "A Suricata threshold.config whose suppress lines keep alerts from being raised, by rule or by rule and "
                    + "address, and whose threshold and event_filter lines limit how often a rule alerts; reloaded "
                    + "with the rules. Empty for none.");
    static final ConfigKey<Integer> THRESHOLD_ENTRIES = SCHEMA.key("rules.threshold_entries",
            integer(1, ThresholdTable.MAX_ENTRIES), RULES.tuning().thresholdEntries(),
            "Counts the rules' thresholds keep at most, one per rule and tracked address (about 130 bytes each); past "
                    + "it one whose window has passed makes room, else the least recently used (counted), whose count "
                    + "then starts again (docs/signatures.md).");

    static final ConfigKey<List<String>> DETECT = SCHEMA.key("detect.overrides",
            textList("list of KEY=VALUE, keys: " + DetectSettings.KEYS), List.of(),
            "Detector settings over the defaults, e.g. [scan.pf=0.0001, flood.threshold=500] (docs/detection.md).");

    static final ConfigKey<String> CLUSTER_DOMAIN = SCHEMA.key("detect.cluster_domain", text("DNS domain"),
            TrustedZones.DEFAULT_CLUSTER_DOMAIN, "The cluster's DNS domain (kubelet's --cluster-domain): dns_tunnel, "
                    + "exfiltration and dga pass over names at or below it, which CoreDNS answers itself "
                    + "(docs/detection.md).");
    static final ConfigKey<List<String>> TRUSTED_ZONES = SCHEMA.key("detect.trusted_zones",
            textList("list of DNS zones"), List.of(), "Further zones that only resolvers you run answer, such as "
                    + "corp.example.com: passed over alike, every name at or below them (at most "
                    + TrustedZones.MAX_ZONES + "; no wildcard, no public suffix).");

    static final ConfigKey<Integer> BATCH_FLOWS = SCHEMA.key("export.max_batch_flows", integer(1, MAX),
            EXPORT.maxBatchRecords(), "A batch is sent when it holds this many records (or 1 MiB of them, well under"
                    + " the 4 MiB gRPC takes in one message) ...");
    static final ConfigKey<Duration> BATCH_DELAY = SCHEMA.key("export.max_batch_delay", duration(MS),
            EXPORT.maxBatchDelay(), "... or when its first record has waited this long.");
    static final ConfigKey<Integer> QUEUE = SCHEMA.key("export.queue_capacity", integer(1, MAX),
            EXPORT.queueCapacity(), "Flow records waiting to be batched; when full, new ones are dropped and counted. Anomalies have a queue"
                    + " of their own (as long, at most 4096) and go ahead of every flow batch not yet sent.");
    static final ConfigKey<Integer> UNACKED = SCHEMA.key("export.max_unacked_batches", integer(1, MAX),
            EXPORT.maxUnackedBatches(), "Batches sent but not yet acknowledged, kept for resending after a reconnect.");
    static final ConfigKey<Duration> ACK_TIMEOUT = SCHEMA.key("export.ack_timeout", duration(MS),
            EXPORT.ackTimeout(), "Longest a batch sent waits for its acknowledgement (from its sending or the last"
                    + " acknowledgement, whichever is later); past it the stream is cancelled, counted, and opened again"
                    + " with the reconnect delays, its batches kept and sent again.");
    static final ConfigKey<Duration> RECONNECT_MIN = SCHEMA.key("export.reconnect_min", duration(MS),
            EXPORT.reconnectMin(), "First reconnect delay; doubles up to export.reconnect_max, with jitter.");
    static final ConfigKey<Duration> RECONNECT_MAX = SCHEMA.key("export.reconnect_max", duration(MS),
            EXPORT.reconnectMax(), "Longest reconnect delay (at least export.reconnect_min).");
    static final ConfigKey<Duration> STATUS = SCHEMA.key("export.status_interval", duration(MS),
            EXPORT.statusInterval(), "How often status and cumulative loss reports are sent.");
    static final ConfigKey<Duration> DRAIN = SCHEMA.key("export.drain_timeout", duration(MS), Duration.ofSeconds(30),
            "After a capture file ends, how long to wait for the aggregator's acknowledgements.");

    static final ConfigKey<Integer> IDENTITY_CACHE = SCHEMA.key("identity.cache_size", integer(1, MAX),
            IdentityCache.DEFAULT_MAX_ENTRIES, "Most addresses kept in the copy of the aggregator's identities; "
                    + "the least recently used goes first past it (counted).");

    static final ConfigKey<String> TLS_CA = SCHEMA.key("tls.ca", text("file path"), "",
            "PEM CA certificate(s) that verify the aggregator's certificate; with tls.cert and tls.key, mutual TLS "
                    + "(empty: plaintext).");
    static final ConfigKey<String> TLS_CERT = SCHEMA.key("tls.cert", text("file path"), "",
            "The agent's PEM client certificate, signed by the aggregator's client CA.");
    static final ConfigKey<String> TLS_KEY = SCHEMA.key("tls.key", text("file path"), "",
            "The PKCS#8 PEM private key of tls.cert.");
    static final ConfigKey<String> TLS_SERVER_NAME = SCHEMA.key("tls.server_name", text("DNS name"), "",
            "The name the aggregator's certificate must carry, when it is not the host of aggregator.");
    static final ConfigKey<Duration> TLS_RELOAD = SCHEMA.key("tls.reload", duration(Duration.ZERO),
            Duration.ofMinutes(1), "How often the certificate, key and CA files are checked for changes; 0s reads"
                    + " them once.");
    static final ConfigKey<String> NODE_TOKEN_FILE = SCHEMA.key("tls.node_token_file", text("file path"), "",
            "The pod's projected service-account token (audience netwatch-aggregator), sent with each stream so"
                    + " that an aggregator with ingest.agent_service_account checks the node this agent names;"
                    + " needs TLS. Empty: none.");

    static final ConfigKey<String> METRICS = SCHEMA.key("metrics.listen", checked("HOST:PORT or none",
            t -> metricsAddress(t, "metrics.listen")), "0.0.0.0:9091",
            "Where /metrics, /healthz and /readyz are served; none turns them off.");
    static final ConfigKey<Duration> GRACE = SCHEMA.key("shutdown.grace_period", duration(Duration.ofSeconds(1)),
            AgentConfig.DEFAULT_SHUTDOWN_GRACE, "On SIGTERM: time to end open flows and have them acknowledged; "
                    + "keep it below the pod's terminationGracePeriodSeconds.");

    // Node-level blocking (issue 7): the aggregator's block commands in nftables, docs/blocking.md.
    static final ConfigKey<Boolean> BLOCK_ENABLED = SCHEMA.key("block.enabled", bool(), BLOCK.enabled(),
            "Install the aggregator's block commands in nftables (live capture only); false: refuse them.");
    static final ConfigKey<String> BLOCK_TABLE = SCHEMA.key("block.table",
            checked("an nft name: a letter, then up to 31 letters, digits or _", AgentSettings::blockTable),
            BLOCK.table(), "Name of the agent's own nftables tables (families inet and bridge).");
    static final ConfigKey<Duration> BLOCK_MAX_TTL = SCHEMA.key("block.max_ttl", duration(BlockConfig.MIN_TTL),
            BLOCK.maxTtl(), "Longest time to live of a block (at most 30d); longer ones are shortened to it.");
    static final ConfigKey<Duration> BLOCK_RECONCILE = SCHEMA.key("block.reconcile_interval",
            duration(Duration.ofSeconds(1)), BLOCK.reconcileInterval(),
            "How often the count of active blocks is checked against the kernel's sets.");
    static final ConfigKey<String> BLOCK_NFT = SCHEMA.key("block.nft", text("file path"), BLOCK.nft().getFirst(),
            "The nft executable (from the PATH unless a path is given).");

    private AgentSettings() {
    }

    /** HOST:PORT, checked as the agent will use it. */
    static io.netwatch.cli.config.ConfigType<String> address() {
        return checked("HOST:PORT (example: aggregator:50051)", t -> HostPort.target(t));
    }

    private static void blockTable(String name) {
        new BlockConfig(false, name, BLOCK.maxTtl(), BLOCK.reconcileInterval(), BLOCK.nft());
    }

    private static java.net.InetSocketAddress metricsAddress(String text, String what) {
        return text.equalsIgnoreCase("none") ? null : HostPort.parse(text, what);
    }

    /**
     * The agent's configuration from the effective values. Rules that span several keys are
     * checked here, and their errors name the keys.
     *
     * @param nodeNameFallback where the node name comes from when none is configured
     */
    static AgentConfig toConfig(ConfigValues v, Supplier<String> nodeNameFallback) {
        List<String> interfaces = v.get(INTERFACES);
        String pcap = v.get(PCAP);
        if (interfaces.isEmpty() == pcap.isEmpty()) {
            throw new ConfigError(interfaces.isEmpty()
                    ? "nothing to capture: set capture.interfaces (--interface) or capture.pcap (--pcap)"
                    : "capture.interfaces " + interfaces + " and capture.pcap \"" + pcap + "\" are both set; "
                    + "keep one (an option such as --pcap replaces the file's capture.interfaces)");
        }
        if (v.get(BUDGET) < v.get(PENDING)) {
            throw new ConfigError("inspection.budget_bytes (" + v.get(BUDGET) + ") must be at least "
                    + "inspection.max_pending_bytes (" + v.get(PENDING) + ")");
        }
        if (v.get(RECONNECT_MAX).compareTo(v.get(RECONNECT_MIN)) < 0) {
            throw new ConfigError("export.reconnect_max (" + Durations.format(v.get(RECONNECT_MAX))
                    + ") must be at least export.reconnect_min (" + Durations.format(v.get(RECONNECT_MIN)) + ")");
        }
        TunnelPorts tunnelPorts = tunnelPorts(v);
        LiveCaptureConfig live = interfaces.isEmpty() ? null : new LiveCaptureConfig(interfaces, v.get(BPF),
                v.get(SNAP_LENGTH), v.get(BUFFER_BYTES), v.get(IMMEDIATE), v.get(PROMISCUOUS),
                Math.toIntExact(v.get(IDLE_TICK).toMillis()));
        String node = v.get(NODE_NAME).isBlank() ? nodeNameFallback.get() : v.get(NODE_NAME);
        FlowTableConfig flows = new FlowTableConfig(v.get(MAX_FLOWS), v.get(TCP_SYN), v.get(TCP_ESTABLISHED),
                v.get(TCP_CLOSED), v.get(UDP), v.get(OTHER), v.get(ACTIVE));
        DetectionConfig detection;
        try {
            detection = DetectSettings.apply(DetectionConfig.defaults(), String.join(",", v.get(DETECT)));
        } catch (IllegalArgumentException e) {
            // Named as the user gave it: --detect, the file's detect.overrides or the variable.
            ConfigSource from = v.origin(DETECT.path());
            throw new ConfigError((from == null ? DETECT.path() + ": " : from.at(DETECT.path()))
                    + e.getMessage().replaceFirst("^--detect ", ""));
        }
        detection = detection.withTrustedZones(trustedZones(v));
        ExportConfig export = new ExportConfig(v.get(BATCH_FLOWS), v.get(BATCH_DELAY), v.get(QUEUE), v.get(UNACKED),
                v.get(RECONNECT_MIN), v.get(RECONNECT_MAX), v.get(STATUS), v.get(ACK_TIMEOUT));
        RulesConfig rules = rules(v);
        InspectionConfig inspection = new InspectionConfig(v.get(DEPTH), v.get(PENDING), v.get(BUDGET),
                v.get(INSPECTED), parsers(v.get(PARSERS)));
        return new AgentConfig(node, pcap.isEmpty() ? null : Path.of(pcap), live, HostPort.target(v.get(AGGREGATOR)),
                metricsAddress(v.get(METRICS), "metrics.listen"), flows, detection, export, v.get(DRAIN), rules,
                inspection, v.get(GRACE), v.get(IDENTITY_CACHE), null, block(v), null, tunnelPorts);
    }

    /**
     * The zones the DNS detectors pass over (detect.cluster_domain, detect.trusted_zones), each
     * checked as the detectors take it; an error names the key as the user gave it.
     */
    static TrustedZones trustedZones(ConfigValues v) {
        String domain;
        try {
            domain = TrustedZones.zone(v.get(CLUSTER_DOMAIN));
        } catch (IllegalArgumentException e) {
            throw new ConfigError(at(v, CLUSTER_DOMAIN) + e.getMessage());
        }
        List<String> zones = v.get(TRUSTED_ZONES);
        try {
            return new TrustedZones(domain, zones);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(at(v, TRUSTED_ZONES) + e.getMessage());
        }
    }

    /** Where a key's value came from, as an error message starts ("agent.yaml: KEY: "). */
    private static String at(ConfigValues v, ConfigKey<?> key) {
        return v.at(key);
    }

    /** What rules.paths names, as a message says it is expected. */
    static final String RULE_PATH = "a rule file or a directory of *.rules files";
    /** What rules.threshold_file names. */
    static final String THRESHOLD = "a Suricata threshold.config";

    /**
     * Refuses a rule path or threshold file that does not exist, naming the key or option that
     * gave it, before the rules are read.
     */
    static void requireRuleFiles(ConfigValues v) {
        for (String p : v.get(RULE_PATHS)) {
            NamedFile.requireExists(at(v, RULE_PATHS), Path.of(p), RULE_PATH);
        }
        String threshold = v.get(THRESHOLD_FILE);
        if (!threshold.isBlank()) {
            NamedFile.requireExists(at(v, THRESHOLD_FILE), Path.of(threshold), THRESHOLD);
        }
    }

    /** The rules section (rules.*, and the tunnel ports its variables follow), as the agent runs it. */
    static RulesConfig rules(ConfigValues v) {
        String threshold = v.get(THRESHOLD_FILE);
        return new RulesConfig(v.get(RULE_PATHS).stream().map(Path::of).toList(), v.get(BUNDLED), v.get(RELOAD),
                v.get(PAYLOAD_DEPTH), ruleVariables(v),
                new RuleTuning(v.get(DISABLED_SIDS), threshold.isBlank() ? null : Path.of(threshold),
                        v.get(THRESHOLD_ENTRIES)));
    }

    /**
     * Suricata's default rule variables, $VXLAN_PORTS and $GENEVE_PORTS following decode.*_ports,
     * with rules.address_groups and rules.port_groups over them.
     * Each group is checked here, where the others are known; an error names the key, as the
     * user gave it, and the group.
     */
    static RuleVariables ruleVariables(ConfigValues v) {
        // Checked as the decoder takes them: a port in both lists is refused, not named by both variables.
        TunnelPorts tunnels = tunnelPorts(v);
        RuleVariables base = RULES.variables().withTunnelPorts(tunnels.vxlan(), tunnels.geneve());
        RuleVariables vars = withGroups(v, ADDRESS_GROUPS, base::withAddresses);
        return withGroups(v, PORT_GROUPS, vars::withPorts);
    }

    private static RuleVariables withGroups(ConfigValues v, ConfigKey<List<String>> key,
                                            Function<Map<String, String>, RuleVariables> set) {
        try {
            return set.apply(groups(v.get(key)));
        } catch (IllegalArgumentException e) {
            ConfigSource from = v.origin(key.path());
            throw new ConfigError((from == null ? key.path() + ": " : from.at(key.path())) + e.getMessage());
        }
    }

    /** NAME=VALUE items, as {@link io.netwatch.cli.config.ConfigType#assignments} keeps them, by name. */
    static Map<String, String> groups(List<String> assignments) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String a : assignments) {
            String[] nv = a.split("=", 2);
            out.put(nv[0], nv[1]);
        }
        return out;
    }

    /** Each key's list is checked as it is read; a port in both is checked here, naming both. */
    private static TunnelPorts tunnelPorts(ConfigValues v) {
        for (int port : v.get(GENEVE_PORTS)) {
            if (v.get(VXLAN_PORTS).contains(port)) {
                throw new ConfigError("port " + port + " is in both decode.vxlan_ports " + v.get(VXLAN_PORTS)
                        + " and decode.geneve_ports " + v.get(GENEVE_PORTS) + "; a port carries one of them");
            }
        }
        return new TunnelPorts(v.get(VXLAN_PORTS), v.get(GENEVE_PORTS));
    }

    /** The parsers a list of inspection.parsers words names. */
    static Set<MessageKind> parsers(List<String> words) {
        return words.stream().map(MessageKind::byLabel).collect(Collectors.toSet());
    }

    private static BlockConfig block(ConfigValues v) {
        if (v.get(BLOCK_MAX_TTL).compareTo(BlockConfig.LONGEST_MAX_TTL) > 0) {
            throw new ConfigError("block.max_ttl (" + Durations.format(v.get(BLOCK_MAX_TTL)) + ") must be at most "
                    + Durations.format(BlockConfig.LONGEST_MAX_TTL) + " (nft's timeouts end near 49 days)");
        }
        if (v.get(BLOCK_NFT).isBlank()) {
            throw new ConfigError("block.nft must name the nft executable (default: nft)");
        }
        return new BlockConfig(v.get(BLOCK_ENABLED), v.get(BLOCK_TABLE), v.get(BLOCK_MAX_TTL), v.get(BLOCK_RECONCILE),
                List.of(v.get(BLOCK_NFT)));
    }

    /** Fills the TLS options not given on the command line from tls.* (options win); messages then name the keys. */
    static void tlsFiles(ConfigValues v, ClientTlsOptions tls) {
        if (tls.ca == null && !v.get(TLS_CA).isBlank()) {
            tls.ca = Path.of(v.get(TLS_CA));
            tls.caSetting = tls.caSetting.from(v);
        }
        if (tls.cert == null && !v.get(TLS_CERT).isBlank()) {
            tls.cert = Path.of(v.get(TLS_CERT));
            tls.certSetting = tls.certSetting.from(v);
        }
        if (tls.key == null && !v.get(TLS_KEY).isBlank()) {
            tls.key = Path.of(v.get(TLS_KEY));
            tls.keySetting = tls.keySetting.from(v);
        }
        if (tls.serverName == null && !v.get(TLS_SERVER_NAME).isBlank()) {
            tls.serverName = v.get(TLS_SERVER_NAME);
            tls.serverNameSetting = tls.serverNameSetting.from(v);
        }
    }

    /** $NODE_NAME, else the host name. */
    static String defaultNodeName() {
        String env = System.getenv("NODE_NAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            throw new ConfigError("node_name is not set and the host name is unknown (" + e.getMessage()
                    + "); set node_name, NODE_NAME or --node");
        }
    }
}
