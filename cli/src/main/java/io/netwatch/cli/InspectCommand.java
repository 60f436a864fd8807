package io.netwatch.cli;

import io.netwatch.agent.capture.CaptureException;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.cli.config.ConfigInput;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Analyse a capture file offline, with no aggregator, and write JSON lines (flows, anomalies, stats).")
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "A pcap or pcapng file; - reads one from standard input, as a"
            + " named pipe (mkfifo, /dev/stdin of a pipe) is read (at most 1 GiB, kept in a temporary file while it"
            + " is read).")
    Path file;

    @Option(names = "--out", description = "Write JSON lines here instead of standard output.")
    Path out;

    @Option(names = "--node", defaultValue = "inspect", description = "Node name put on the records (default: ${DEFAULT-VALUE}).")
    String node;

    @Option(names = "--flow-timeouts", description = "Flow timeouts, any of " + FlowTimeouts.KEYS
            + ", e.g. udp=10m,active=1h (defaults as for the agent).")
    String flowTimeouts;

    @Option(names = "--max-flows", defaultValue = "" + io.netwatch.agent.flow.FlowTableConfig.DEFAULT_MAX_FLOWS,
            description = "Flow table bound (default: ${DEFAULT-VALUE}).")
    int maxFlows;

    @Option(names = "--detect", description = "Detector settings over the defaults, any of " + DetectSettings.KEYS
            + ", e.g. scan.pf=0.0001,flood.threshold=500 (docs/detection.md).")
    String detect;

    @Option(names = "--cluster-domain", paramLabel = "NAME", description = "The cluster's DNS domain: dns_tunnel, "
            + "exfiltration and dga pass over names at or below it (default: cluster.local; detect.cluster_domain of "
            + "the agent).")
    String clusterDomain;

    @Option(names = "--trusted-zones", paramLabel = "LIST", description = "Further DNS zones only resolvers you run "
            + "answer, comma-separated: passed over alike (detect.trusted_zones of the agent).")
    String trustedZones;

    @Option(names = "--parsers", paramLabel = "LIST", description = "Application protocols whose messages are "
            + "parsed, comma-separated, of dns, http, tls, quic, ssh, or none (default: all). The others are "
            + "named by their first bytes, not read (inspection.parsers of the agent).")
    String parsers;

    @Option(names = "--vxlan-ports", paramLabel = "LIST", description = "UDP ports read as VXLAN, comma-separated, "
            + "or none (default: 4789,8472; decode.vxlan_ports of the agent).")
    String vxlanPorts;

    @Option(names = "--geneve-ports", paramLabel = "LIST", description = "UDP ports read as Geneve, comma-separated, "
            + "or none (default: 6081; decode.geneve_ports of the agent).")
    String genevePorts;

    @picocli.CommandLine.Mixin
    RuleOptions rules = new RuleOptions();

    @Override
    public Integer call() throws Exception {
        io.netwatch.agent.decode.TunnelPorts tunnels;
        try {
            tunnels = new io.netwatch.agent.decode.TunnelPorts(
                    ports("--vxlan-ports", vxlanPorts, io.netwatch.agent.decode.TunnelPorts.DEFAULT_VXLAN),
                    ports("--geneve-ports", genevePorts, io.netwatch.agent.decode.TunnelPorts.DEFAULT_GENEVE));
        } catch (IllegalArgumentException e) {
            // A port in both lists is named by the tunnel-port check, which knows no options.
            System.err.println("netwatch inspect: " + (e.getMessage().startsWith("--") ? ""
                    : "--vxlan-ports, --geneve-ports: ") + e.getMessage());
            return 2;
        }
        io.netwatch.agent.inspect.signature.Signatures signatures;
        try {
            signatures = rules.config(java.time.Duration.ZERO, io.netwatch.agent.inspect.signature.RuleVariables
                    .defaults().withTunnelPorts(tunnels.vxlan(), tunnels.geneve())).load();
        } catch (IllegalArgumentException e) {
            System.err.println("netwatch inspect: " + e.getMessage());
            return 2;
        }
        for (var e : signatures.lastLoad().errors()) {
            System.err.println("netwatch inspect: rule refused: " + e);
        }
        for (var e : signatures.lastLoad().tuningErrors()) {
            System.err.println("netwatch inspect: rule tuning: " + e);
        }
        try {
            // The agent's flows.max_flows check, so both word a bound alike (found in review: inspect
            // said "needs room for at least 1 flow" where the agent said "out of range").
            AgentSettings.MAX_FLOWS.type().parse(ConfigInput.scalar(String.valueOf(maxFlows)));
        } catch (IllegalArgumentException e) {
            System.err.println("netwatch inspect: --max-flows: \"" + maxFlows + "\" " + e.getMessage());
            return 2;
        }
        var flows = FlowTimeouts.apply(io.netwatch.agent.flow.FlowTableConfig.defaults().withMaxFlows(maxFlows),
                flowTimeouts);
        io.netwatch.agent.score.DetectionConfig detection;
        try {
            detection = DetectSettings.apply(io.netwatch.agent.score.DetectionConfig.defaults(), detect);
        } catch (IllegalArgumentException e) {
            System.err.println("netwatch inspect: " + e.getMessage());
            return 2;
        }
        String domain = io.netwatch.agent.score.TrustedZones.DEFAULT_CLUSTER_DOMAIN;
        try {
            if (clusterDomain != null) {
                domain = io.netwatch.agent.score.TrustedZones.zone(clusterDomain);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("netwatch inspect: --cluster-domain: " + e.getMessage());
            return 2;
        }
        try {
            detection = detection.withTrustedZones(new io.netwatch.agent.score.TrustedZones(domain,
                    trustedZones == null || trustedZones.isBlank() ? java.util.List.of()
                            : java.util.Arrays.stream(trustedZones.split(",")).map(String::strip).toList()));
        } catch (IllegalArgumentException e) {
            System.err.println("netwatch inspect: --trusted-zones: " + e.getMessage());
            return 2;
        }
        InspectionConfig inspection = InspectionConfig.defaults();
        try {
            if (parsers != null) {
                inspection = inspection.withParsers(AgentSettings.parsers(AgentSettings.PARSER_WORDS.parse(
                        ConfigInput.scalar(parsers))));
            }
        } catch (IllegalArgumentException e) {
            System.err.println("netwatch inspect: --parsers: \"" + parsers + "\" " + e.getMessage());
            return 2;
        }
        for (String unseen : inspection.rulesThatCannotFire(signatures.current())) {
            System.err.println("netwatch inspect: " + unseen);
        }
        SpooledCapture stdin = null;
        boolean dash = file.toString().equals("-");
        if (dash || SpooledCapture.isPipe(file)) {
            // As tcpdump -r - reads it: saved first, since the capture reader needs a file.
            String name = dash ? SpooledCapture.NAME : file.toString();
            java.io.InputStream in;
            try {
                in = dash ? System.in : openPipe(file);
            } catch (java.io.IOException e) {
                System.err.println("netwatch inspect: cannot open capture file " + file + ": " + whyNot(file, e));
                return 2;
            }
            try {
                stdin = SpooledCapture.of(in, SpooledCapture.MAX_BYTES, name);
            } catch (java.io.IOException e) {
                System.err.println("netwatch inspect: cannot save " + name + " to a temporary file ("
                        + e.getMessage() + ")");
                return 2;
            } finally {
                if (!dash) {
                    close(in);
                }
            }
        } else if (Files.exists(file) && !Files.isRegularFile(file) && !Files.isDirectory(file)) {
            // A device or a socket: it has no size to read to, and may never end (/dev/zero).
            System.err.println("netwatch inspect: cannot open capture file " + file + ": it is not a file or a pipe"
                    + " (a device or a socket); pipe the capture into netwatch inspect -, which reads standard input");
            return 2;
        }
        OutputStream stream;
        try {
            stream = out == null ? new CheckedOutput(System.out) : new BufferedOutputStream(Files.newOutputStream(out));
        } catch (java.io.IOException e) {
            System.err.println("netwatch inspect: --out " + out + ": cannot write it (" + whyNot(out, e)
                    + "); give a file in a directory that exists");
            if (stdin != null) {
                stdin.close();
            }
            return 2;
        }
        Inspector.Result result;
        JsonLines json = new JsonLines(stream);
        String destination = out == null ? "standard output" : "--out " + out;
        try {
            try {
                result = Inspector.run(stdin == null ? file : stdin.file(),
                        stdin == null ? file.toString() : stdin.name(), node, flows, detection, inspection,
                        tunnels, signatures, json::flow, json::anomaly, json::event);
            } finally {
                if (stdin != null) {
                    stdin.close();
                }
            }
            json.stats(result.stats());
            if (out != null) {
                json.close();
            } else {
                stream.flush();
            }
        } catch (CaptureException e) {
            System.err.println("netwatch inspect: " + e.getMessage());
            return 2;
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            if (stream instanceof CheckedOutput c && c.toClosedPipe()) {
                return 0; // the reader stopped reading (| head): nothing to say, as tcpdump says nothing
            }
            Throwable cause = e instanceof java.io.UncheckedIOException u ? u.getCause() : e;
            System.err.println("netwatch inspect: cannot write to " + destination + " (" + cause.getMessage()
                    + "); the output is incomplete");
            return 1;
        }
        if (result.error() != null) {
            System.err.println("netwatch inspect: " + result.error().getMessage()
                    + " (every packet before it was processed)");
            return 1;
        }
        return 0;
    }

    /** An option's port list as the agent's config reads one, or {@code defaults} when not given. */
    private static java.util.List<Integer> ports(String option, String value, java.util.List<Integer> defaults) {
        if (value == null) {
            return defaults;
        }
        try {
            return io.netwatch.cli.config.ConfigType.portList().parse(ConfigInput.scalar(value));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": \"" + value + "\" " + e.getMessage(), e);
        }
    }

    /**
     * Opens a named pipe. open(2) waits for a writer, as tcpdump -r does on one, silently: when
     * none has come within a second, says what it waits for (found in review: a pipe with no
     * writer left inspect waiting, printing nothing).
     */
    static java.io.InputStream openPipe(Path file) throws java.io.IOException {
        java.util.concurrent.FutureTask<java.io.InputStream> open =
                new java.util.concurrent.FutureTask<>(() -> Files.newInputStream(file));
        Thread.ofVirtual().name("netwatch-open-pipe").start(open);
        try {
            try {
                return open.get(1, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException quiet) {
                System.err.println("netwatch inspect: waiting for a writer on " + file
                        + " (a named pipe opens when something writes to it)");
                return open.get();
            }
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof java.io.IOException io) {
                throw io;
            }
            throw new java.io.IOException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for a writer on " + file);
        }
    }

    /** Closes a pipe read to its end; closing it does not fail in a way that matters then. */
    private static void close(java.io.InputStream in) {
        try {
            in.close();
        } catch (java.io.IOException e) {
            // Everything was read, or the read failed and was said.
        }
    }

    /** Why a file could not be opened (for writing, or a pipe's path for reading), in words. */
    private static String whyNot(Path file, java.io.IOException e) {
        Path parent = file.toAbsolutePath().getParent();
        if (Files.isDirectory(file)) {
            return "it is a directory";
        }
        if (parent != null && !Files.isDirectory(parent)) {
            return "no directory " + parent;
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage();
    }
}
