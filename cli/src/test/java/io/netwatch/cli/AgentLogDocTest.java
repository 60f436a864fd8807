package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.netwatch.agent.export.AgentHealth;
import io.netwatch.agent.export.ClientTls;
import io.netwatch.agent.export.ExportConfig;
import io.netwatch.agent.export.FlowStreamer;
import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.aggregator.security.ServerSecurity;
import io.netwatch.aggregator.security.ServerTls;
import io.netwatch.aggregator.store.AgentRegistry;
import io.netwatch.proto.ingest.v1.Hello;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's export log lines that docs/security.md ("When it refuses") and docs/install.md
 * quote are the ones it writes: each line security.md quotes is one the agent logs in one of
 * the cases below, each install.md quotes one it warns, and each case's first warning has its
 * row in the security.md table. Found in review: both
 * still quoted "export: stream to aggregator ended" for a refused agent after the agent had
 * started to warn "export: the aggregator at ... refused this agent (...)".
 */
@Timeout(120)
class AgentLogDocTest {
    @TempDir
    Path tmp;

    /** What a FlowStreamer on {@code channel} logs ("export: ..." entries) over its first two streams. */
    private static List<String> logged(ManagedChannel channel) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        ExportConfig c = new ExportConfig(10, Duration.ofMillis(20), 100, 4, Duration.ofMillis(50),
                Duration.ofMillis(100), Duration.ofSeconds(1));
        try (FlowStreamer s = new FlowStreamer(channel, c, Hello.newBuilder().setNodeName("node-a").setBootId("b").build(),
                AgentHealth.NONE).unansweredHint("is it running there?")) {
            s.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (entries(err).size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } finally {
            System.setErr(old);
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        return entries(err);
    }

    /** The streamer's log entries, from "export: " on, with the level in front ("WARN export: ..."); one may span lines. */
    private static List<String> entries(ByteArrayOutputStream err) {
        List<String> out = new ArrayList<>();
        for (String e : err.toString(StandardCharsets.UTF_8).split("(?m)^(?=\\d{4}-\\d\\d-\\d\\dT)")) {
            Matcher m = Pattern.compile(" (WARN|INFO) io\\.netwatch\\.agent\\.export\\.FlowStreamer - (export: .*)",
                    Pattern.DOTALL).matcher(e);
            if (m.find()) {
                out.add(m.group(1) + " " + m.group(2).strip());
            }
        }
        return out;
    }

    /** A quoted line as a pattern: "...", HOST:PORT, CODE and why stand for anything. */
    private static Pattern quoted(String line) {
        StringBuilder regex = new StringBuilder();
        for (String part : line.split("(\\.\\.\\.|HOST:PORT|CODE|\\bwhy\\b)", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*?");
            }
            regex.append(Pattern.quote(part));
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    /** The lines quoted in the first column of security.md's "agent log" rows. */
    private static List<String> securityRows() throws Exception {
        List<String> lines = new ArrayList<>();
        for (String row : Files.readString(Samples.repoRoot().resolve("docs/security.md")).lines()
                .filter(l -> l.startsWith("| agent log ")).toList()) {
            Matcher m = Pattern.compile("`([^`]+)`").matcher(row.substring(0, row.indexOf(" | ")));
            while (m.find()) {
                lines.add(m.group(1));
            }
        }
        return lines;
    }

    /** The agent's lines quoted in install.md (markdown wraps them: whitespace runs are one space). */
    private static List<String> installLines() throws Exception {
        String doc = Files.readString(Samples.repoRoot().resolve("docs/install.md"));
        List<String> lines = new ArrayList<>();
        Matcher m = Pattern.compile("`(export: [^`]+)`").matcher(doc);
        while (m.find()) {
            lines.add(m.group(1).replaceAll("\\s+", " "));
        }
        return lines;
    }

    @Test
    void theExportLinesTheDocsQuoteAreTheOnesTheAgentLogs() throws Exception {
        AtomicReference<Status> answer = new AtomicReference<>();
        Server fake = StatusAnsweringIngest.start(answer::get);
        TestPki pki = new TestPki(tmp);
        AggregatorServer tls = AggregatorServer.start(AggregatorConfig.listenOn(new InetSocketAddress("127.0.0.1", 0))
                .withSecurity(new ServerSecurity(new ServerTls(pki.crt("aggregator"), pki.key("aggregator"), pki.crt("ca"),
                        Duration.ofMillis(200)), tmp.resolve("query.token"))));
        Map<String, List<String>> cases = new LinkedHashMap<>();
        Server expired = null;
        try {
            String tlsTarget = "127.0.0.1:" + tls.port();
            cases.put("no client certificate", logged(new ClientTls(null, null, pki.crt("ca"), null, Duration.ZERO)
                    .channelBuilder(tlsTarget, null).build()));
            cases.put("a client certificate of another CA", logged(new ClientTls(pki.crt("foreign-agent"),
                    pki.key("foreign-agent"), pki.crt("ca"), null, Duration.ZERO).channelBuilder(tlsTarget, null).build()));
            // An aggregator whose certificate expired (its renewal failed): gRPC's own server checks nothing.
            java.time.Instant from = java.time.Instant.now().minus(Duration.ofDays(30));
            pki.write("old-aggregator", DevCertificates.issue(pki.ca, "netwatch-aggregator", DevCertificates.Role.SERVER,
                    List.of("127.0.0.1"), from, from.plus(Duration.ofDays(1))));
            expired = io.grpc.netty.NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
                    io.grpc.TlsServerCredentials.create(pki.crt("old-aggregator").toFile(),
                            pki.key("old-aggregator").toFile())).build().start();
            cases.put("an aggregator certificate that expired", logged(new ClientTls(pki.crt("agent"), pki.key("agent"),
                    pki.crt("ca"), null, Duration.ZERO).channelBuilder("127.0.0.1:" + expired.getPort(), null).build()));
            // The aggregator's other answers, as its ingest and node-token checks word them.
            for (Status s : List.of(
                    Status.PERMISSION_DENIED.withDescription(
                            "the agent's token was issued on node node-b, and its hello names node node-a"),
                    Status.PERMISSION_DENIED.withDescription("the pod the agent's token was issued for"
                            + " (netwatch/netwatch-agent-x7k2p) is gone; this stream no longer speaks for node node-a"),
                    Status.RESOURCE_EXHAUSTED.withDescription("the aggregator knows " + AgentRegistry.MAX_AGENTS
                            + " agents, all connected; it takes no more"),
                    Status.UNAVAILABLE.withDescription("cannot ask the API server whose token this is now; try again"),
                    Status.UNAVAILABLE.withDescription("too many agent tokens to review this second; try again"))) {
                answer.set(s);
                cases.put(s.getCode() + ": " + s.getDescription(), logged(NettyChannelBuilder.forTarget(
                        "127.0.0.1:" + fake.getPort()).usePlaintext().build()));
            }
        } finally {
            tls.close();
            fake.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            if (expired != null) {
                expired.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        List<String> all = cases.values().stream().flatMap(List::stream).toList();
        List<String> rows = securityRows();
        assertFalse(rows.isEmpty(), "security.md has agent log rows");
        for (String q : rows) {
            Pattern p = quoted(q);
            assertTrue(all.stream().anyMatch(e -> p.matcher(e.substring(5)).lookingAt()),
                    "quoted in security.md, but the agent logs no such line: `" + q + "`; it logged " + all);
        }
        // install.md says what an agent that is refused, or not taken yet, warns.
        List<String> install = installLines();
        assertFalse(install.isEmpty(), "install.md quotes the agent");
        for (String q : install) {
            Pattern p = quoted(q);
            assertTrue(all.stream().anyMatch(e -> e.startsWith("WARN ") && p.matcher(e.substring(5)).lookingAt()),
                    "quoted in install.md, but the agent warns no such line: `" + q + "`; it logged " + all);
        }
        for (Map.Entry<String, List<String>> c : cases.entrySet()) {
            String warning = c.getValue().stream().filter(e -> e.startsWith("WARN ")).findFirst()
                    .orElseThrow(() -> new AssertionError(c.getKey() + ": no warning in " + c.getValue())).substring(5);
            assertTrue(rows.stream().anyMatch(q -> quoted(q).matcher(warning).lookingAt()),
                    c.getKey() + ": security.md's \"When it refuses\" has no row for `" + warning + "`");
        }
    }
}
