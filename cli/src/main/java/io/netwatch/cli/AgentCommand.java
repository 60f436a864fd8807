package io.netwatch.cli;

import io.netwatch.agent.AgentConfig;
import io.netwatch.agent.AgentMain;
import io.netwatch.agent.capture.LiveCaptureConfig;
import io.netwatch.agent.export.ClientTls;
import io.netwatch.agent.export.ExportConfig;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.identity.IdentityCache;
import io.netwatch.agent.score.DetectionConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "Run the node agent: capture live (or replay a file), track flows, detect, stream to the aggregator.")
final class AgentCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = {"-i", "--interface"}, split = ",",
                description = "Interface name, regular expression over names (cali.*|veth.*), or 'any'. Repeatable.")
        List<String> interfaces;

        @Option(names = "--pcap", description = "Replay this pcap or pcapng file, then exit.")
        Path pcap;
    }

    @Option(names = "--bpf", defaultValue = "", description = "BPF filter for live capture.")
    String bpf;

    @Option(names = "--aggregator", defaultValue = "localhost:" + NetwatchMain.DEFAULT_PORT,
            description = "Aggregator HOST:PORT (default: ${DEFAULT-VALUE}).")
    String aggregator;

    @Option(names = "--node", defaultValue = "${env:NODE_NAME}",
            description = "Node name to report as (default: $NODE_NAME, else the host name).")
    String node;

    @Option(names = "--metrics", defaultValue = "0.0.0.0:9091",
            description = "Serve /metrics, /healthz, /readyz here; 'none' to disable (default: ${DEFAULT-VALUE}).")
    String metrics;

    @Option(names = "--snaplen", defaultValue = "" + LiveCaptureConfig.DEFAULT_SNAP_LENGTH,
            description = "Bytes captured per packet (default: ${DEFAULT-VALUE}).")
    int snapLength;

    @Option(names = "--buffer-size", defaultValue = "" + LiveCaptureConfig.DEFAULT_BUFFER_BYTES,
            description = "Kernel capture buffer per interface, bytes (default: ${DEFAULT-VALUE}).")
    int bufferBytes;

    @Option(names = "--immediate", description = "libpcap immediate mode: lower latency, more drops at high rates.")
    boolean immediate;

    @Option(names = "--max-flows", defaultValue = "" + FlowTableConfig.DEFAULT_MAX_FLOWS,
            description = "Flow table bound (default: ${DEFAULT-VALUE}).")
    int maxFlows;

    @Option(names = "--flow-timeouts", description = "Flow timeouts, any of " + FlowTimeouts.KEYS
            + ", e.g. syn=30s,established=5m,udp=1m (defaults: syn 30s, established 5m, closed 10s, udp 60s, "
            + "other 30s, active 5m).")
    String flowTimeouts;

    @Option(names = "--detect", description = "Detector settings over the defaults, any of " + DetectSettings.KEYS
            + ", e.g. scan.pf=0.0001,flood.threshold=500 (docs/detection.md).")
    String detect;

    @Option(names = "--drain-timeout", defaultValue = "PT30S",
            description = "After a file ends, how long to wait for the aggregator's acknowledgements (default: ${DEFAULT-VALUE}).")
    Duration drainTimeout;

    @Option(names = "--identity-cache-size", defaultValue = "" + IdentityCache.DEFAULT_MAX_ENTRIES,
            description = "Most addresses kept in the copy of the aggregator's identities, used to label flows; "
                    + "past it the least recently used goes, counted (default: ${DEFAULT-VALUE}).")
    int identityCacheSize;

    @picocli.CommandLine.Mixin
    RuleOptions rules = new RuleOptions();

    @Option(names = "--rules-reload", defaultValue = "PT10S",
            description = "How often rule files are checked for changes and reloaded; PT0S turns it off (default: ${DEFAULT-VALUE}).")
    Duration rulesReload;

    @picocli.CommandLine.Mixin
    ClientTlsOptions tls = new ClientTlsOptions();

    @Option(names = "--tls-reload", defaultValue = "PT1M", description = "How often the certificate, key and CA files"
            + " are checked for changes (cert-manager rotation), at least a minute apart (gRPC's floor); PT0S reads"
            + " them once (default: ${DEFAULT-VALUE}).")
    Duration tlsReload;

    @Override
    public Integer call() throws Exception {
        if (tlsReload.isNegative()) {
            throw new IllegalArgumentException("--tls-reload must be zero or positive, got " + tlsReload);
        }
        ClientTls clientTls = tls.any() ? tls.tls(true, tlsReload) : null;
        String nodeName = node == null || node.isBlank() ? InetAddress.getLocalHost().getHostName() : node;
        LiveCaptureConfig live = null;
        if (source.interfaces != null) {
            live = new LiveCaptureConfig(source.interfaces, bpf, snapLength, bufferBytes, immediate, true, 1000);
        } else if (!Files.isReadable(source.pcap)) {
            throw new NetwatchMain.UserError("cannot read capture file " + source.pcap);
        }
        InetSocketAddress metricsAddress = metrics.equalsIgnoreCase("none") ? null : HostPort.parse(metrics, "--metrics");
        AgentConfig config = new AgentConfig(nodeName, source.pcap, live, HostPort.target(aggregator), metricsAddress,
                FlowTimeouts.apply(FlowTableConfig.defaults().withMaxFlows(maxFlows), flowTimeouts),
                DetectSettings.apply(DetectionConfig.defaults(), detect), ExportConfig.defaults(),
                drainTimeout, rules.config(rulesReload), identityCacheSize, clientTls);
        return AgentMain.run(config, System.out);
    }
}
