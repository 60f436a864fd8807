package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.grpc.netty.NettyChannelBuilder;
import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.export.AgentHealth;
import io.netwatch.agent.export.ExportConfig;
import io.netwatch.agent.export.FlowStreamer;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.InspectionSink;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.identity.FlowIdentities;
import io.netwatch.agent.identity.IdentityCache;
import io.netwatch.agent.identity.IdentityUpdates;
import io.netwatch.agent.baseline.BaselineCopy;
import io.netwatch.agent.baseline.EdgeNamer;
import io.netwatch.agent.block.BlockCommands;
import io.netwatch.agent.block.BlockConfig;
import io.netwatch.agent.block.BlockMetrics;
import io.netwatch.agent.metrics.AgentMeters;
import io.netwatch.agent.metrics.BaselineCopyMetrics;
import io.netwatch.agent.metrics.IdentityMetrics;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.aggregator.alert.Alerting;
import io.netwatch.common.metrics.Exposition;
import io.netwatch.proto.ingest.v1.Hello;
import io.netwatch.proto.query.v1.GetAgentsRequest;
import io.netwatch.proto.query.v1.QueryGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/metrics.md lists every {@code netwatch_} family the agent and the aggregator serve, with
 * its type and its labels, and nothing they do not serve (families that exist only with live
 * capture say so in their "when" column).
 */
@EnableKubernetesMockClient(crud = true)
class MetricsDocTest {
    KubernetesClient client;
    @TempDir
    Path dir;

    /** A documented family: its type and when it is served ("always", "live capture", ...). */
    private record Row(String type, String labels, String when) {
    }

    private static Map<String, Row> documented(String component) throws IOException {
        String doc = Files.readString(Samples.repoRoot().resolve("docs/metrics.md"));
        String section = doc.substring(doc.indexOf("## " + component));
        int next = section.indexOf("\n## ", 4);
        section = next < 0 ? section : section.substring(0, next);
        Map<String, Row> rows = new TreeMap<>();
        for (String line : section.split("\n")) {
            if (line.startsWith("| `netwatch_")) {
                String[] cells = line.split("\\|");
                rows.put(cells[1].strip().replace("`", ""), new Row(cells[2].strip(), cells[3].strip(), cells[4].strip()));
            }
        }
        return rows;
    }

    private static List<String> compare(String component, Map<String, String> served, Map<String, Row> doc) {
        List<String> problems = new ArrayList<>();
        served.forEach((name, type) -> {
            if (!name.startsWith("netwatch_")) {
                return;
            }
            Row row = doc.get(name);
            if (row == null) {
                problems.add(component + " serves " + name + " (" + type + "), which docs/metrics.md does not list");
            } else if (!row.type().equals(type)) {
                problems.add(name + " is a " + type + ", docs/metrics.md says " + row.type());
            }
        });
        doc.forEach((name, row) -> {
            if (!served.containsKey(name) && !row.when().equals("live capture")) {
                problems.add("docs/metrics.md lists " + name + " for the " + component + ", which does not serve it");
            }
        });
        return problems;
    }

    /**
     * The labels column against what is served: each label a served family's series carry is
     * named there, and nothing else; where the column lists a label's values, a served value is
     * among them (a value not served yet cannot be checked: its series may come later).
     */
    private static List<String> labelProblems(Exposition served, Map<String, Row> doc) {
        List<String> problems = new ArrayList<>();
        doc.forEach((name, row) -> {
            String base = name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name;
            Map<String, Set<String>> values = new TreeMap<>();
            boolean any = false;
            for (String series : served.samples().keySet()) {
                int brace = series.indexOf('{');
                String metric = brace < 0 ? series : series.substring(0, brace);
                if (!SUFFIXES.contains(metric.startsWith(base) ? metric.substring(base.length()) : "-")) {
                    continue;
                }
                any = true;
                Matcher m = Exposition.LABEL.matcher(brace < 0 ? "" : series.substring(brace));
                while (m.find()) {
                    if (!m.group(1).equals("le") && !m.group(1).equals("quantile")) {
                        values.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
                    }
                }
            }
            if (!any) {
                return;
            }
            Map<String, Set<String>> documented = documentedLabels(row.labels());
            if (!documented.keySet().equals(values.keySet())) {
                problems.add(name + " has the labels " + values.keySet() + ", docs/metrics.md says "
                        + documented.keySet());
                return;
            }
            values.forEach((label, served1) -> {
                Set<String> listed = documented.get(label);
                if (!listed.isEmpty() && !listed.containsAll(served1)) {
                    Set<String> missing = new TreeSet<>(served1);
                    missing.removeAll(listed);
                    problems.add(name + "{" + label + "} takes " + missing + ", which docs/metrics.md does not list");
                }
            });
        });
        return problems;
    }

    private static final Set<String> SUFFIXES = Set.of("", "_total", "_count", "_sum", "_max", "_bucket", "_created");

    /** "`a` (`x`, `y`), `b`": a to {x, y}, b to {} (values not listed). */
    private static Map<String, Set<String>> documentedLabels(String cell) {
        Map<String, Set<String>> out = new TreeMap<>();
        String current = null;
        int depth = 0;
        Matcher m = Pattern.compile("[()]|`([^`]+)`").matcher(cell);
        while (m.find()) {
            if (m.group().equals("(")) {
                depth++;
            } else if (m.group().equals(")")) {
                depth--;
            } else if (depth == 0) {
                current = m.group(1);
                out.put(current, new TreeSet<>());
            } else if (current != null) {
                out.get(current).add(m.group(1));
            }
        }
        return out;
    }

    @Test
    void theAgentsFamiliesAreDocumented() throws Exception {
        // The streamer is never started: the channel never connects.
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", 9).usePlaintext().build();
        FlowStreamer streamer = new FlowStreamer(channel, ExportConfig.defaults(),
                Hello.newBuilder().setNodeName("node-d").setBootId("boot-d").build(), AgentHealth.NONE);
        Signatures signatures = Signatures.bundled();
        Pipeline pipeline = Pipeline.create("node-d", List.of("file"), FlowTableConfig.defaults(),
                DetectionConfig.defaults(), InspectionConfig.defaults(), signatures, streamer, streamer,
                InspectionSink.NONE);
        try (PcapFileSource source = PcapFileSource.open(Samples.demo())) {
            IdentityUpdates identities = new IdentityUpdates(new IdentityCache(IdentityCache.DEFAULT_MAX_ENTRIES));
            IdentityMetrics identity = new IdentityMetrics(identities, new FlowIdentities(identities.cache()), streamer);
            // Blocking off: the blocker's meters are served all the same (at zero), nft never runs.
            BlockMetrics block = new BlockMetrics(BlockCommands.start(BlockConfig.off(),
                    (script, args) -> { throw new AssertionError("nft must not run with blocking off"); },
                    System::currentTimeMillis));
            var registry = AgentMeters.create(pipeline, streamer, signatures, source, identity, block);
            // As AgentMain binds it: the copy of the aggregator's baselines.
            new BaselineCopyMetrics(new BaselineCopy(BaselineCopy.DEFAULT_MAX_EDGES,
                    new EdgeNamer(identities.cache()))).bindTo(registry);
            new io.netwatch.agent.metrics.TlsMetrics(new io.netwatch.agent.export.TlsRereads()).bindTo(registry);
            // As AgentMain serves it: the scrape endpoint adds its own connection meters.
            Exposition served;
            try (var endpoint = io.netwatch.common.metrics.MetricsServer.start(
                    new java.net.InetSocketAddress("127.0.0.1", 0), registry, () -> true)) {
                served = Exposition.parse(registry.scrape());
            }
            Map<String, Row> doc = documented("Agent");
            assertTrue(doc.size() > 30, "the agent section has its table: " + doc.keySet());
            assertEquals(List.of(), compare("the agent", served.families(), doc));
            assertEquals(List.of(), labelProblems(served, doc));
        } finally {
            streamer.close();
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Watching fabric8's mock API server in CRUD mode (no API server here), after one query. */
    @Test
    void theAggregatorsFamiliesAreDocumented() throws Exception {
        try (AggregatorServer server = AggregatorServer.start(AggregatorConfig.listenOn(
                new InetSocketAddress("127.0.0.1", 0)).withMetrics(new InetSocketAddress("127.0.0.1", 0)), client)) {
            // Alerting's families exist with an alerts file (alerts.file): one receiver serves them all.
            Files.writeString(dir.resolve("secret"), "s");
            Path alerts = Files.writeString(dir.resolve("alerts.yaml"), "route: {receiver: hook}\nreceivers:\n"
                    + "  - name: hook\n    webhook: {url: \"http://127.0.0.1:9/\", secret_file: " + dir.resolve("secret")
                    + "}\n");
            Alerting alerting = Alerting.start(alerts, server.store(), server.meters(), client, Map.of());
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
            QueryGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getAgents(GetAgentsRequest.getDefaultInstance());
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            Exposition served = Exposition.scrape(server.metricsPort());
            Map<String, Row> doc = documented("Aggregator");
            assertTrue(doc.size() > 10, "the aggregator section has its table: " + doc.keySet());
            assertEquals(List.of(), compare("the aggregator", served.families(), doc));
            assertEquals(List.of(), labelProblems(served, doc));
            alerting.close();
        }
    }
}
