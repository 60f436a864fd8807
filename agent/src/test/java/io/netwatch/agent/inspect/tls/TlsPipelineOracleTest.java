package io.netwatch.agent.inspect.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netwatch.agent.corpus.CorpusFlowsTest;
import io.netwatch.agent.corpus.CorpusPipeline;
import io.netwatch.agent.inspect.InspectionEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * TLS hellos as the whole pipeline reports them (TCP reassembly, QUIC Initial decryption,
 * inspection) against tshark's, over every capture of the corpus.
 */
class TlsPipelineOracleTest {
    /** Hellos tshark does not show by default, each confirmed with tshark told to look (see TlsCorpusOracleTest). */
    static final Map<String, Integer> EXPLAINED_EXTRA = Map.of(
            "stopddos-amp.dns.RRSIG.fragmented.pcap client_hello node24.ferox.host", 9,
            "zeek-tls-hrr.pcap server_hello ", 1);
    static final List<String> FIELDS = List.of("handshake", "sni", "record_version", "handshake_version",
            "supported_versions", "version", "alpn", "cipher_suite");

    @Test
    void pipelineTlsAgreesWithTshark() throws IOException {
        Path dir = CorpusFlowsTest.corpus();
        assumeTrue(dir != null, "the shared capture corpus is not here");
        int rows = 0;
        int matched = 0;
        List<String> mismatches = new ArrayList<>();
        Map<String, Integer> extras = new HashMap<>();
        try (var list = Files.list(dir)) {
            for (Path capture : list.sorted().toList()) {
                String name = capture.getFileName().toString();
                Path tsv = dir.resolve("reference").resolve(name + ".tls.tsv");
                if (!Files.exists(tsv)) {
                    continue;
                }
                Map<String, ArrayDeque<Map<String, String>>> ours = new HashMap<>();
                for (InspectionEvent.Tls e : CorpusPipeline.events(capture, InspectionEvent.Tls.class)) {
                    var found = new TlsCorpusOracleTest.Found(0, e.client(), e.server());
                    Map<String, String> row = TlsCorpusOracleTest.rowOf(found, "");
                    if (e.endpoints().transport().equals("quic")) {
                        row.put("record_version", "");
                    }
                    var p = e.endpoints();
                    ours.computeIfAbsent(p.transport() + " " + p.srcIp() + " " + p.srcPort() + " > " + p.dstIp() + " "
                            + p.dstPort(), k -> new ArrayDeque<>()).add(row);
                }
                for (Map<String, String> r : TlsCorpusOracleTest.readTsv(tsv)) {
                    rows++;
                    String key = r.get("transport") + " " + r.get("src_ip") + " " + r.get("src_port") + " > "
                            + r.get("dst_ip") + " " + r.get("dst_port");
                    ArrayDeque<Map<String, String>> q = ours.get(key);
                    Map<String, String> got = q == null ? null : q.poll();
                    List<String> differ = new ArrayList<>();
                    for (String f : FIELDS) {
                        if (got == null || !r.get(f).equals(got.get(f))) {
                            differ.add(f + " tshark '" + r.get(f) + "' Netwatch '" + (got == null ? "-" : got.get(f)) + "'");
                        }
                    }
                    if (differ.isEmpty()) {
                        matched++;
                    } else {
                        mismatches.add(name + " frame " + r.get("frame") + ": " + String.join("; ", differ));
                    }
                }
                for (ArrayDeque<Map<String, String>> q : ours.values()) {
                    for (Map<String, String> extra : q) {
                        extras.merge(name + " " + extra.get("handshake") + " " + extra.get("sni"), 1, Integer::sum);
                    }
                }
            }
        }
        double share = rows == 0 ? 0 : (double) matched / rows;
        System.out.printf("pipeline tls: %d of %d tshark hellos match exactly (%.2f%%); hellos tshark does not show: %s%n",
                matched, rows, share * 100, extras);
        mismatches.forEach(m -> System.out.println("TLS MISMATCH " + m));
        assertEquals(EXPLAINED_EXTRA, extras, "every hello tshark does not show by default is explained");
        assertTrue(share >= 0.99, String.format("%.2f%% of tshark's TLS hellos match", share * 100));
    }
}
