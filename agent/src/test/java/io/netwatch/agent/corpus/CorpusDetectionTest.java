package io.netwatch.agent.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every capture of the shared corpus, and the lab's attack capture, through the whole
 * pipeline with the agent's default settings: the anomaly types each raises must be exactly
 * the ones its content calls for (MANIFEST.tsv), and the benign captures raise none.
 */
class CorpusDetectionTest {
    /** The attack captures and the types they must raise, no more, no fewer. */
    private static final Map<String, Set<String>> ATTACKS = Map.ofEntries(
            Map.entry("cs-synscan.pcapng", Set.of("port_scan")),
            Map.entry("esnet-masscan-tcp_0_1000.pcap", Set.of("port_scan")),
            Map.entry("esnet-masscan-udp_0_1000.pcap", Set.of("port_scan")),
            Map.entry("stopddos-pkt.TCP.synflood.spoofed.pcap", Set.of("syn_flood")),
            Map.entry("stopddos-pkt.TCP.DOMINATE.syn.ecn.cwr.pcapng", Set.of("syn_flood")),
            Map.entry("sv-tcp-session-syn-flood.pcap", Set.of("syn_flood")),
            // The reflected DNS answers are a UDP flood toward the victim. Its background traffic
            // holds two real SYN scanners from the internet (one source port, many ports, nothing
            // answered: port_scan is right), and TLS to port 8080 (a low protocol_mismatch).
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap", Set.of("udp_flood", "port_scan", "protocol_mismatch")),
            Map.entry("dmachard-dns2tcp.pcap", Set.of("dns_tunnel")),
            Map.entry("dmachard-dnscat2.pcap", Set.of("dns_tunnel")),
            Map.entry("dmachard-iodine.pcap", Set.of("dns_tunnel")),
            Map.entry("dmachard-sods.pcap", Set.of("dns_tunnel", "exfiltration")),
            Map.entry("dmachard-dnsextrator.pcap", Set.of("dns_tunnel", "exfiltration")),
            Map.entry("zeek-ssh-sshguess.pcap", Set.of("brute_force")),
            // nmap -p 80 -sV: one port, no scan to walk; the bundled rules see its probes.
            Map.entry("esnet-nmap_80_w_service_detection.pcap", Set.of("signature")),
            // Sends TRACE among its ~50 methods: the bundled recon rule fires, rightly.
            Map.entry("zeek-http-methods.pcap", Set.of("signature")));
    /** Realistic benign traffic: nothing of medium severity or above, from any detector (issue 6). */
    private static final Set<String> BENIGN = Set.of("cs-http_espn.pcapng", "zeek-http-bro.org.pcap",
            "zeek-wikipedia.pcap", "zeek-var-services-std-ports.pcap");

    private static Map<String, Long> byType(List<Anomaly> anomalies) {
        return anomalies.stream().collect(Collectors.groupingBy(Anomaly::getAnomalyType, TreeMap::new,
                Collectors.counting()));
    }

    @Test
    void everyCaptureRaisesExactlyTheTypesItsContentCallsFor() throws IOException {
        Path dir = CorpusFlowsTest.corpus();
        assumeTrue(dir != null, "the shared capture corpus (../shared/pcaps, or -Dnetwatch.shared.pcaps) is not here");
        List<Path> captures;
        try (Stream<Path> s = Files.list(dir)) {
            captures = s.filter(p -> p.getFileName().toString().matches(".*\\.pcap(ng)?")).sorted().toList();
        }
        assertTrue(captures.size() >= 80, "captures: " + captures.size());
        List<String> wrong = new ArrayList<>();
        int detected = 0;
        int quiet = 0;
        for (Path capture : captures) {
            String name = capture.getFileName().toString();
            List<Anomaly> anomalies = CorpusPipeline.anomalies(capture);
            Set<String> raised = new TreeSet<>(byType(anomalies).keySet());
            Set<String> expected = ATTACKS.getOrDefault(name, Set.of());
            if (!raised.equals(new TreeSet<>(expected))) {
                wrong.add(name + ": expected " + new TreeSet<>(expected) + ", raised " + byType(anomalies));
            }
            if (BENIGN.contains(name)) {
                for (Anomaly a : anomalies) {
                    if (a.getSeverityValue() >= Severity.SEVERITY_MEDIUM_VALUE) {
                        wrong.add(name + " (benign) raised " + a.getExplanation().getSummary());
                    }
                }
            }
            if (expected.isEmpty()) {
                quiet += anomalies.isEmpty() ? 1 : 0;
            } else {
                detected += raised.containsAll(expected) ? 1 : 0;
                System.out.printf("corpus detection: %-45s %s%n", name, byType(anomalies));
            }
        }
        System.out.printf("corpus detection: %d of %d attack captures raise their types, %d of %d other captures "
                + "raise nothing%n", detected, ATTACKS.size(), quiet, captures.size() - ATTACKS.size());
        assertEquals(List.of(), wrong);
    }

    @Test
    void theLabAttackCaptureRaisesSignaturesOnly() {
        List<Anomaly> anomalies = CorpusPipeline.anomalies(Path.of("src/test/resources/captures/lab-attacks.pcap"));
        System.out.println("lab-attacks.pcap: " + byType(anomalies));
        // Exploit strings, scanner agents, Stratum on its own ports and reverse shells, one source: no scan,
        // flood, tunnel, guessing or mismatch in it, and each signature once per source and rule.
        assertEquals(Set.of("signature"), byType(anomalies).keySet());
        assertEquals(anomalies.size(), anomalies.stream().map(a -> a.getExplanation().getObservations(0).getObserved())
                .distinct().count());
    }
}
