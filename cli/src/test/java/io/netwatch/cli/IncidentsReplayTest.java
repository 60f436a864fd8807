package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netwatch.agent.AgentConfig;
import io.netwatch.agent.AgentMain;
import io.netwatch.agent.export.ExportConfig;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.aggregator.AggregatorConfig;
import io.netwatch.aggregator.AggregatorServer;
import io.netwatch.aggregator.incident.Family;
import io.netwatch.aggregator.incident.Incident;
import io.netwatch.proto.anomaly.v1.Severity;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Incidents on the shared corpus of real captures, each replayed by a real agent into its own
 * aggregator: the benign captures the issue names open no incident of medium severity or
 * above (escalation must not turn benign low findings into alerts) and no capture of the
 * corpus beacons; the scans open a scan incident. Skipped without the corpus.
 */
@Timeout(900)
class IncidentsReplayTest {
    private static final Set<String> BENIGN = Set.of("cs-http_espn.pcapng", "zeek-http-bro.org.pcap",
            "zeek-wikipedia.pcap", "zeek-var-services-std-ports.pcap");
    private static final Set<String> SCANS = Set.of("esnet-masscan-tcp_0_1000.pcap", "cs-synscan.pcapng");

    private static List<Incident> replay(Path capture) throws Exception {
        try (AggregatorServer aggregator = AggregatorServer.start(
                AggregatorConfig.listenOn(new InetSocketAddress("127.0.0.1", 0)))) {
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            AgentConfig config = new AgentConfig("node-replay", capture, null, "127.0.0.1:" + aggregator.port(), null,
                    FlowTableConfig.defaults(), DetectionConfig.defaults(), ExportConfig.defaults(),
                    Duration.ofSeconds(30));
            // A damaged capture ends with an error after replaying what came before the damage.
            AgentMain.run(config, new PrintStream(log, true, StandardCharsets.UTF_8));
            assertTrue(aggregator.incidents().tracker().awaitIdle(60_000));
            return aggregator.incidents().tracker().incidents();
        }
    }

    @Test
    void benignCapturesOpenNothingOfMediumOrAboveAndNothingBeacons() throws Exception {
        Path corpus = Samples.sharedPcaps();
        assumeTrue(corpus != null, "no shared corpus (../shared/pcaps) on this machine");
        List<Path> captures;
        try (Stream<Path> files = Files.list(corpus)) {
            captures = files.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng"))
                    .sorted().toList();
        }
        assertTrue(captures.size() >= 80, "captures: " + captures.size());
        Set<String> names = new TreeSet<>(captures.stream().map(p -> p.getFileName().toString()).toList());
        Set<String> named = new TreeSet<>(BENIGN);
        named.addAll(SCANS);
        named.removeAll(names);
        assertEquals(Set.of(), named, "named captures missing from the corpus");
        int incidents = 0;
        int beacons = 0;
        List<String> problems = new ArrayList<>();
        for (Path capture : captures) {
            String name = capture.getFileName().toString();
            List<Incident> found = replay(capture);
            incidents += found.size();
            for (Incident i : found) {
                if (i.types().containsKey("beaconing")) {
                    beacons++;
                    problems.add(name + " beacons: " + i.summary());
                }
                if (BENIGN.contains(name) && i.severity().getNumber() >= Severity.SEVERITY_MEDIUM_VALUE) {
                    problems.add(name + " is benign but opened " + i.summary());
                }
            }
            if (SCANS.contains(name) && found.stream().noneMatch(i -> i.family() == Family.SCAN)) {
                problems.add(name + " opened no scan incident: " + found);
            }
            if (!found.isEmpty()) {
                System.out.printf("incidents: %-45s %s%n", name, found.stream()
                        .map(i -> i.family().label() + "/" + i.severity().name().substring(9).toLowerCase()
                                + " " + i.actor() + " (" + i.detections() + ")").toList());
            }
        }
        System.out.printf("incidents: %d captures replayed, %d incidents, %d beaconing%n", captures.size(),
                incidents, beacons);
        assertEquals(List.of(), problems);
    }
}
