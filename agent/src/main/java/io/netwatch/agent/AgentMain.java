package io.netwatch.agent;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netwatch.agent.block.BlockCommands;
import io.netwatch.agent.block.BlockConfig;
import io.netwatch.agent.block.BlockMetrics;
import io.netwatch.agent.block.NftProcess;
import io.netwatch.agent.capture.CaptureCapabilities;
import io.netwatch.agent.capture.CaptureException;
import io.netwatch.agent.capture.LiveCapture;
import io.netwatch.agent.capture.PacketSource;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.export.ClientTls;
import io.netwatch.agent.export.FlowStreamer;
import io.netwatch.agent.export.TlsRereads;
import io.netwatch.agent.baseline.BaselineCopy;
import io.netwatch.agent.baseline.EdgeNamer;
import io.netwatch.agent.decode.NodeAddresses;
import io.netwatch.agent.identity.FlowIdentities;
import io.netwatch.agent.identity.IdentityCache;
import io.netwatch.agent.identity.IdentityUpdates;
import io.netwatch.agent.metrics.BaselineCopyMetrics;
import io.netwatch.agent.metrics.IdentityMetrics;
import io.netwatch.agent.metrics.NodeAddressMetrics;
import io.netwatch.agent.metrics.TlsMetrics;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.InspectionSink;
import io.netwatch.agent.inspect.signature.RuleError;
import io.netwatch.agent.inspect.signature.RuleWatcher;
import io.netwatch.agent.inspect.MessageKind;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.metrics.AgentMeters;
import io.netwatch.common.Durations;
import io.netwatch.common.metrics.MetricsServer;
import io.netwatch.proto.ingest.v1.Hello;
import com.google.protobuf.util.Timestamps;
import java.io.PrintStream;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Supplier;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Wires the agent together and runs it: source → pipeline → streamer, plus the scrape
 * endpoint. No logic of its own beyond start and orderly stop.
 */
public final class AgentMain {
    /** The hello capability that asks the aggregator for identity updates. */
    public static final String CAPABILITY_IDENTITY = "identity";
    /** The hello capability that asks the aggregator for edge baselines (volume_spike). */
    public static final String CAPABILITY_BASELINE = "baseline";
    /** The hello capability that says block commands are installed in nftables. */
    public static final String CAPABILITY_BLOCK = "block.nftables";
    /** A single nft run taking longer is killed and its commands fail. */
    static final Duration NFT_TIMEOUT = Duration.ofSeconds(10);
    /**
     * How long after a packet its copy on another interface is recognised: 10 ms. Each interface
     * stamps its own copy on its own path through the kernel, and on a loaded machine a bridge's
     * second port stamped one over a millisecond after the first (1 ms before: the live capture
     * test, under a load of 8 on 2 cores, counted one datagram in 2000 twice). A packet that is
     * no copy cannot match: its IP header, identification included, and its first transport
     * bytes are another sender's or another datagram's, and a retransmission comes on the same
     * interface.
     */
    public static final long DUPLICATE_WINDOW_NANOS = 10_000_000L;

    private AgentMain() {
    }

    /**
     * Runs until the capture file ends (then waits for every record to be acknowledged) or
     * until the process is stopped.
     *
     * @return the process exit code: 0 when everything captured was delivered or counted
     */
    public static int run(AgentConfig config, PrintStream out) throws InterruptedException {
        return run(config, out, out, CaptureCapabilities::ofThisProcess);
    }

    /** As above, with what stops the agent (status 1 or 2) on {@code err}, as the command line wants it. */
    public static int run(AgentConfig config, PrintStream out, PrintStream err) throws InterruptedException {
        return run(config, out, err, CaptureCapabilities::ofThisProcess);
    }

    /**
     * As above, with the capabilities to check before live capture (tests give fabricated
     * ones).
     */
    static int run(AgentConfig config, PrintStream out, Supplier<CaptureCapabilities> capabilities)
            throws InterruptedException {
        return run(config, out, out, capabilities);
    }

    static int run(AgentConfig config, PrintStream out, PrintStream err, Supplier<CaptureCapabilities> capabilities)
            throws InterruptedException {
        if (config.live() != null) {
            // Before anything is opened or connected: the agent must not say hello and then die.
            CaptureCapabilities caps = capabilities.get();
            String problem = caps == null ? null : caps.captureProblem();
            if (problem != null) {
                err.println("netwatch agent: " + problem);
                return 2;
            }
        }
        Signatures signatures;
        try {
            signatures = config.rules().load();
        } catch (IllegalArgumentException e) {
            err.println("netwatch agent: " + e.getMessage());
            return 2;
        }
        report(signatures.lastLoad(), config.inspection(), out);
        String parsers = parsersNote(config.inspection());
        if (parsers != null) {
            out.println("netwatch agent: " + parsers);
        }
        PacketSource source;
        try {
            source = config.pcapFile() == null ? LiveCapture.open(config.live())
                    : PcapFileSource.open(config.pcapFile(), config.pcapName() != null ? config.pcapName()
                    : config.pcapFile().toString());
        } catch (CaptureException e) {
            err.println("netwatch agent: " + e.getMessage());
            return 2;
        }
        ScheduledExecutorService tlsReload = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("netwatch-tls-reload").daemon().unstarted(r));
        TlsRereads tlsRereads = new TlsRereads();
        ManagedChannel channel;
        try {
            // An aggregator whose process stopped with its connection up (SIGSTOP, a frozen node)
            // answers no ping: after 30 s without a word from it the agent pings, and 20 s without
            // the answer close the connection, which ends the stream. Pings go only while the
            // stream is open (the aggregator permits one every 10 s then, none without a call, and
            // answers more with GOAWAY too_many_pings). A handler that never acknowledges over a
            // live transport is FlowStreamer's export.ack_timeout.
            channel = (config.tls() == null ? NettyChannelBuilder.forTarget(config.aggregator()).usePlaintext()
                    : config.tls().channelBuilder(config.aggregator(), tlsReload, ClientTls.logged(tlsRereads)))
                    .keepAliveTime(30, TimeUnit.SECONDS).keepAliveTimeout(20, TimeUnit.SECONDS)
                    .keepAliveWithoutCalls(false).build();
        } catch (IllegalArgumentException e) {
            err.println("netwatch agent: " + e.getMessage());
            tlsReload.shutdownNow();
            source.close();
            if (source instanceof LiveCapture live) {
                live.release();
            }
            return 2;
        }
        // Only a live agent on a node enforces; a replay never touches nftables. Blocks outlive
        // the agent (their own timeouts), so closing stops the blocker's thread and nothing else.
        BlockCommands blocking = BlockCommands.start(config.live() == null ? BlockConfig.off() : config.block(),
                new NftProcess(config.block().nft(), NFT_TIMEOUT), System::currentTimeMillis);
        if (config.live() != null && config.block().enabled()) {
            out.println("netwatch agent: " + (blocking.available() ? "blocks go to nftables tables inet and bridge "
                    + config.block().table() : "blocking unavailable: " + blocking.unavailableReason()));
        }
        Hello hello = hello(config.nodeName(), source.description(), BuildInfo.current(), blocking.available());
        AgentHealthReport health = new AgentHealthReport(source);
        IdentityUpdates identities = new IdentityUpdates(new IdentityCache(config.identityCacheSize()));
        FlowIdentities labels = new FlowIdentities(identities.cache());
        FlowStreamer streamer = new FlowStreamer(channel, config.export(), hello, health, identities::apply,
                labels::label, blocking);
        BaselineCopy baselines = new BaselineCopy(BaselineCopy.DEFAULT_MAX_EDGES, new EdgeNamer(identities.cache()));
        if (config.tls() != null && config.tls().nodeTokenFile() != null) {
            streamer.nodeToken(config.tls()::nodeToken);
        }
        streamer.baselines(baselines::apply).unansweredHint(config.tls() == null
                ? "is it running there, without TLS? An aggregator that serves TLS cuts a plaintext agent off: give"
                        + " --tls-ca (tls.ca). Retrying, each wait longer up to export.reconnect_max."
                : "is it running there, and does its certificate verify with --tls-ca (tls.ca) and carry the"
                        + " aggregator's name (--tls-server-name)? Retrying, each wait longer up to export.reconnect_max.")
                .unresolvedHint("check the host in --aggregator (aggregator). Retrying, each wait longer up to"
                        + " export.reconnect_max.");
        Pipeline pipeline = Pipeline.create(config.nodeName(), source.interfaceNames(), config.flows(), config.detection(),
                config.inspection(), signatures, streamer, streamer, InspectionSink.NONE, baselines)
                .tunnelPorts(config.tunnelPorts()).interfaceNames(source::interfaceName);
        // Live, a datagram on a tunnel port is read as the tunnel only when it is this node's
        // underlay (any pod can send one); a file's addresses are not this machine's.
        NodeAddresses nodeAddresses = null;
        ScheduledExecutorService addressReader = null;
        if (source instanceof LiveCapture) {
            nodeAddresses = NodeAddresses.ofThisHost().refresh();
            pipeline.localAddresses(nodeAddresses);
            addressReader = Executors.newSingleThreadScheduledExecutor(
                    r -> Thread.ofPlatform().name("netwatch-node-addresses").daemon().unstarted(r));
            long every = NodeAddresses.REFRESH.toMillis();
            addressReader.scheduleWithFixedDelay(nodeAddresses::refresh, every, every, TimeUnit.MILLISECONDS);
        }
        RuleWatcher watcher = !config.rules().hasFiles() || config.rules().reload().isZero() ? null
                : signatures.watch(config.rules().reload(), r -> report(r, config.inspection(), out));
        health.attach(pipeline);
        if (source instanceof LiveCapture live
                && (live.interfaceNames().size() > 1 || live.interfaceNames().contains("any"))) {
            // One packet can cross several captured interfaces (a bridge's ports, veth and uplink).
            pipeline.deduplicate(DUPLICATE_WINDOW_NANOS);
        }
        PrometheusMeterRegistry registry = AgentMeters.create(pipeline, streamer, signatures, source,
                new IdentityMetrics(identities, labels, streamer), new BlockMetrics(blocking));
        new BaselineCopyMetrics(baselines).bindTo(registry);
        new TlsMetrics(tlsRereads).bindTo(registry);
        if (nodeAddresses != null) {
            new NodeAddressMetrics(nodeAddresses).bindTo(registry);
        }
        MetricsServer metrics = null;
        if (config.metricsAddress() != null) {
            try {
                metrics = MetricsServer.start(config.metricsAddress(), registry, () -> !health.failed()
                        && !(source instanceof LiveCapture live && live.failedInterfaces() > 0));
            } catch (java.io.IOException e) {
                // Before anything streams: a second agent on the node, or a port another process holds.
                err.println("netwatch agent: " + e.getMessage() + " (choose another with --metrics or"
                        + " metrics.listen, or 'none')");
                if (watcher != null) {
                    watcher.close();
                }
                streamer.close();
                blocking.close();
                channel.shutdownNow();
                tlsReload.shutdownNow();
                if (addressReader != null) {
                    addressReader.shutdownNow();
                }
                source.close();
                if (source instanceof LiveCapture live) {
                    live.release();
                }
                return 2;
            }
            out.println("netwatch agent: metrics on http://" + config.metricsAddress().getHostString() + ":"
                    + metrics.port() + "/metrics");
        }
        streamer.start();
        GracefulStop stop = new GracefulStop(config.shutdownGrace());
        Thread hook = stop.hook(source::close, out);
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("netwatch agent: node " + config.nodeName() + ", " + source.description() + " → "
                + config.aggregator() + (config.tls() == null ? " (plaintext)" : " (mutual TLS)"));
        int code = 0;
        try {
            source.run(pipeline);
        } catch (CaptureException e) {
            err.println("netwatch agent: " + e.getMessage());
            health.markFailed();
            code = 1;
        } finally {
            // Open flows end here as final records, whether the file ended or a stop was asked for.
            pipeline.finish();
        }
        Duration drainTimeout = stop.drainTimeout(config.drainTimeout());
        boolean drained = streamer.drain(drainTimeout);
        out.printf("netwatch agent: %s, %s, %d acknowledged, %d dropped, %s, %s%n",
                count(pipeline.packets(), "packet", "packets"),
                count(pipeline.flowTable().recordsEmitted(), "flow record", "flow records"),
                streamer.flowsAcked(), streamer.flowsDropped(),
                count(pipeline.detectors().counts().total(), "anomaly", "anomalies"),
                count(pipeline.inspector().alerts(), "signature alert", "signature alerts"));
        if (!drained) {
            int batches = streamer.unackedBatches();
            int queued = streamer.queueDepth();
            String refused = streamer.refusal();
            String ended = streamer.peerEnd();
            String failed = streamer.failure();
            out.printf("netwatch agent: the aggregator did not acknowledge %s within %s%s%s%n",
                    count(batches, "batch", "batches"), Durations.format(drainTimeout), queued == 0 ? ""
                    : "; " + count(queued, "record", "records") + (queued == 1 ? " was" : " were") + " still queued",
                    refused != null ? "; it refused this agent: " + refused
                            : ended != null ? "; it ended the last stream: " + ended
                            : failed == null ? ""
                            : streamer.everReached() ? "; the connection to it failed: " + failed
                            : "; it never answered (" + failed + "): is it running at " + config.aggregator()
                                    + (config.tls() == null ? ", without TLS?" : ", with TLS?"));
            code = code == 0 ? 1 : code;
        }
        if (watcher != null) {
            watcher.close();
        }
        streamer.close();
        blocking.close();
        channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);
        tlsReload.shutdownNow();
        if (addressReader != null) {
            addressReader.shutdownNow();
        }
        if (metrics != null) {
            metrics.close();
        }
        if (source instanceof LiveCapture live) {
            live.release();
        }
        stop.finished();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
        return code;
    }

    /** As below, for an agent that cannot block. */
    public static Hello hello(String nodeName, String source, BuildInfo build) {
        return hello(nodeName, source, build, false);
    }

    /**
     * What the agent says first on every stream: its node, its build (version and commit, from
     * {@link BuildInfo}, the one source of both), what it captures and what it can do
     * ("identity" and "baseline": it takes the aggregator's identity and baseline updates;
     * "block.nftables": it installs
     * block commands, said only when nft works here).
     */
    public static Hello hello(String nodeName, String source, BuildInfo build, boolean blocks) {
        Hello.Builder hello = Hello.newBuilder().setNodeName(nodeName).setVersion(build.version())
                .setGitCommit(build.commit()).setBootId(UUID.randomUUID().toString())
                .addCapabilities("flows").addCapabilities("anomalies").addCapabilities("loss")
                .addCapabilities(CAPABILITY_IDENTITY).addCapabilities(CAPABILITY_BASELINE);
        if (blocks) {
            hello.addCapabilities(CAPABILITY_BLOCK);
        }
        return hello.addSources(source)
                .setStarted(Timestamps.fromMillis(System.currentTimeMillis())).build();
    }

    /** What a user who left parsers out should know at start-up; null with every parser on. */
    static String parsersNote(InspectionConfig inspection) {
        Set<MessageKind> on = inspection.parsers();
        if (on.containsAll(EnumSet.allOf(MessageKind.class))) {
            return null;
        }
        return "parsing " + (on.isEmpty() ? "no protocol" : String.join(", ", inspection.parserLabels()) + " only")
                + " (inspection.parsers): the others are named, not read"
                + (on.contains(MessageKind.DNS) ? "" : "; the DNS tunnel and DGA detectors see no DNS messages, and "
                        + "the aggregator learns no name for an address from DNS answers")
                + (on.contains(MessageKind.HTTP) ? "" : "; brute-force detection sees no HTTP 401 answer");
    }

    /**
     * Prints what a (re)load of the rules gave: each refused rule, and each refused threshold
     * line or tuning sid that names no loaded rule, with its file, line and reason, and the
     * rules no parser in force can feed.
     */
    static void report(Signatures.LoadReport r, InspectionConfig inspection, PrintStream out) {
        for (RuleError e : r.errors()) {
            out.println("netwatch agent: rule refused: " + e);
        }
        for (RuleError e : r.tuningErrors()) {
            out.println("netwatch agent: rule tuning: " + e);
        }
        String tuning = tuningLines(r);
        if (!r.loaded()) {
            out.println("netwatch agent: rules not reloaded (" + r.failure() + "); " + r.rules().size()
                    + " rules stay in force" + (tuning.isEmpty() ? "" : ", with their " + tuning));
        } else if (r.rules().sources().isEmpty()) {
            // rules.bundled: false and no rule path: a setup that runs, but says so plainly.
            out.println("netwatch agent: no signature rule in force (rules.bundled is false and no rule path is"
                    + " given): no signature alert will be raised");
        } else {
            out.println("netwatch agent: " + count(r.rules().size(), "signature rule", "signature rules")
                    + " in force from " + String.join(", ", r.rules().sources()) + (r.errors().isEmpty() ? "" : ", "
                    + r.errors().size() + " refused") + (tuning.isEmpty() ? "" : ", with " + tuning));
        }
        for (String unseen : inspection.rulesThatCannotFire(r.rules())) {
            out.println("netwatch agent: " + unseen);
        }
    }

    /** The threshold file's lines in force: "1 suppress line and 2 threshold lines", "" for none. */
    private static String tuningLines(Signatures.LoadReport r) {
        String suppress = r.suppressions().size() == 0 ? ""
                : count(r.suppressions().size(), "suppress line", "suppress lines");
        String threshold = r.thresholds().size() == 0 ? ""
                : count(r.thresholds().size(), "threshold line", "threshold lines");
        return suppress.isEmpty() || threshold.isEmpty() ? suppress + threshold : suppress + " and " + threshold;
    }

    /** "1 packet", "2 packets". */
    private static String count(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }
}
