package io.netwatch.cli;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netwatch.agent.AgentConfig;
import io.netwatch.agent.AgentMain;
import io.netwatch.agent.capture.CaptureException;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.export.ExportConfig;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.query.v1.AgentInfo;
import io.netwatch.proto.query.v1.GetAgentsRequest;
import io.netwatch.proto.query.v1.GetAnomaliesRequest;
import io.netwatch.proto.query.v1.GetFlowsRequest;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start an aggregator in this process, run the agent over the bundled capture, and show what it found.")
final class DemoCommand implements Callable<Integer> {
    static final String BUNDLED = "samples/demo.pcap";
    private static final int FLOWS_SHOWN = 12;

    @Option(names = "--pcap", description = "Use this capture instead of the bundled one.")
    Path pcap;

    @Option(names = "--serve", description = "Keep the aggregator running afterwards for `observe` and `anomalies`.")
    boolean serve;

    @Option(names = "--listen", description = "Aggregator address (default: 127.0.0.1:" + NetwatchMain.DEFAULT_PORT
            + " with --serve, else a free loopback port).")
    String listen;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        if (pcap != null) {
            // Found by a new user: a --pcap that does not open (a typo, a directory, not a
            // capture) started the aggregator, printed the demo's heading and then the agent's
            // error on standard output, exit 2 with nothing on standard error. It is refused here
            // as inspect refuses it, before anything starts.
            NamedFile.requireExists("--pcap: ", pcap, NamedFile.CAPTURE);
            try {
                PcapFileSource.open(pcap, pcap.toString()).close();
            } catch (CaptureException e) {
                throw new NetwatchMain.UserError(e.getMessage());
            }
        }
        Path capture = pcap != null ? pcap : extractBundled();
        String address = listen != null ? listen : serve ? "127.0.0.1:" + NetwatchMain.DEFAULT_PORT : "127.0.0.1:0";
        AggregatorServer aggregator;
        java.net.InetSocketAddress listenOn = HostPort.parse(address, "--listen");
        try {
            aggregator = AggregatorServer.start(AggregatorConfig.listenOn(listenOn));
        } catch (java.io.IOException e) {
            System.err.println("netwatch demo: " + AggregatorCommand.cannotListen(e, listenOn));
            return 2;
        }
        String target = "127.0.0.1:" + aggregator.port();
        out.println("== Netwatch demo ==");
        out.println("aggregator listening on " + target + "; agent replaying " + (pcap != null ? pcap : BUNDLED));
        out.println();

        ByteArrayOutputStream agentLog = new ByteArrayOutputStream();
        AgentConfig agent = new AgentConfig("demo-node", capture, null, target, null, FlowTableConfig.defaults(),
                DetectionConfig.defaults(), ExportConfig.defaults(), Duration.ofSeconds(30));
        if (pcap == null) {
            // The agent replays a temporary copy of the bundled capture: the aggregator (and
            // netwatch agents, during --serve) should name the capture, not the copy.
            agent = agent.withPcapName(BUNDLED + " (bundled)");
        }
        int code = AgentMain.run(agent, new PrintStream(agentLog, true, StandardCharsets.UTF_8));
        for (String line : agentLog.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.matches("netwatch agent: \\d+ packets?, .*") || code != 0) {
                out.println(line.replace("netwatch agent: ", "agent: "));
            }
        }
        if (code == 2) {
            aggregator.close();
            return code;
        }
        if (code != 0) {
            // A damaged capture ends the replay where the damage is (said above); what was read
            // before it is shown as usual, and the demo still ends with the failure's status
            // (found in review: it stopped with nothing to show).
            out.println("agent: the replay ended early; below is what it read before that");
        }

        ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
        try {
            var query = QueryGrpc.newBlockingStub(channel);
            List<Flow> flows = new ArrayList<>();
            query.withDeadlineAfter(10, TimeUnit.SECONDS).getFlows(GetFlowsRequest.getDefaultInstance())
                    .forEachRemaining(r -> flows.add(r.getFlow()));
            List<Anomaly> anomalies = new ArrayList<>();
            query.withDeadlineAfter(10, TimeUnit.SECONDS).getAnomalies(GetAnomaliesRequest.getDefaultInstance())
                    .forEachRemaining(r -> anomalies.add(r.getAnomaly()));
            List<AgentInfo> agents = query.withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getAgents(GetAgentsRequest.getDefaultInstance()).getAgentsList();

            out.println();
            // The anomalies' evidence (a scan's probes, a brute force's attempts) is theirs to show.
            java.util.Set<Long> evidence = new java.util.HashSet<>();
            anomalies.forEach(a -> evidence.addAll(a.getEvidenceFlowIdsList()));
            List<Flow> others = flows.stream().filter(f -> !evidence.contains(f.getFlowId())).toList();
            List<Flow> shown = others.subList(0, Math.min(FLOWS_SHOWN, others.size()));
            int cited = flows.size() - others.size();
            String which = cited == 0
                    ? (shown.size() == others.size() ? "all shown" : "the first " + shown.size() + " shown")
                    : (shown.size() == others.size() ? "shown: the " + shown.size()
                    : "shown: the first " + shown.size() + " of the " + others.size()) + " that no anomaly cites";
            out.printf("-- Flows (%d stored; %s) --%n", flows.size(), which);
            shown.forEach(f -> out.println("  " + TextFormat.flow(f)));
            out.println();
            out.println("-- What the payloads said (DNS, HTTP, TLS, SSH) --");
            List<java.util.function.Predicate<Flow>> kinds = List.of(Flow::hasDns, Flow::hasHttp, Flow::hasTls, Flow::hasSsh);
            for (var kind : kinds) {
                flows.stream().filter(kind).limit(4).forEach(f -> out.println("  "
                        + TextFormat.endpoint(f.getSource().getIp(), f.getSource().getPort(), true) + " -> "
                        + TextFormat.endpoint(f.getDestination().getIp(), f.getDestination().getPort(), true) + "  "
                        + TextFormat.l7(f)));
            }
            out.println();
            out.println("-- Top talkers (bytes sent and received) --");
            Map<String, long[]> talkers = new HashMap<>();
            for (Flow f : flows) {
                long[] s = talkers.computeIfAbsent(f.getSource().getIp(), k -> new long[2]);
                s[0] += f.getToServer().getBytes() + f.getToClient().getBytes();
                s[1]++;
                long[] d = talkers.computeIfAbsent(f.getDestination().getIp(), k -> new long[2]);
                d[0] += f.getToServer().getBytes() + f.getToClient().getBytes();
                d[1]++;
            }
            talkers.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).limit(5)
                    .forEach(e -> out.printf(Locale.ROOT, "  %-28s %10s in %s%n", e.getKey(),
                            TextFormat.bytes(e.getValue()[0]), TextFormat.count(e.getValue()[1], "flow")));
            out.println();
            out.printf("-- Anomalies (%d) --%n", anomalies.size());
            for (Anomaly a : anomalies) {
                out.println("  " + TextFormat.anomaly(a).replace("\n", "\n  "));
                for (var o : a.getExplanation().getObservationsList()) {
                    // The value it was compared with is a threshold for some statistics, a baseline for others.
                    out.printf(Locale.ROOT, "      %s: observed %s, compared with %s %s%n", o.getName(),
                            number(o.getObserved()), number(o.getExpected()), o.getUnit());
                }
                out.printf("      evidence: %s%n", TextFormat.count(a.getEvidenceFlowIdsCount(), "flow"));
            }
            out.println();
            out.println("-- Agents --");
            agents.forEach(a -> out.println("  " + AgentsCommand.describe(a)));
            out.println();
            out.println("-- Next --");
            if (serve) {
                out.println("  The aggregator keeps running on " + target + " (Ctrl-C to stop). In another shell:");
                out.println("    ./netwatch observe --aggregator " + target + " --protocol tcp --port 80");
                out.println("    ./netwatch observe --aggregator " + target + " --json --last 5");
                out.println("    ./netwatch anomalies --aggregator " + target);
                out.println("    ./netwatch agents --aggregator " + target);
            } else {
                out.println("  ./netwatch demo --serve                 keep this aggregator up and query it:");
                out.println("  ./netwatch observe --protocol tcp --port 80 / ./netwatch anomalies / ./netwatch agents");
                out.println("  ./netwatch inspect FILE.pcap            the same analysis offline, as JSON lines");
                out.println("  ./netwatch agent --interface eth0 --aggregator HOST:PORT   capture live");
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (serve) {
            try {
                aggregator.awaitTermination();
            } catch (InterruptedException e) {
                // Interrupted by whatever runs this command in its own process (DemoCommandTest):
                // the aggregator stops with it instead of serving on, unseen, in the background.
                aggregator.close();
                Thread.currentThread().interrupt();
            }
        } else {
            aggregator.close();
        }
        return code;
    }

    private static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static Path extractBundled() throws Exception {
        try (InputStream in = DemoCommand.class.getClassLoader().getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new NetwatchMain.UserError("the bundled capture " + BUNDLED + " is missing from this build");
            }
            Path tmp = Files.createTempFile("netwatch-demo-", ".pcap");
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return tmp;
        }
    }
}
