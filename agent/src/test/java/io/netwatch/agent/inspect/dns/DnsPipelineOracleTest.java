package io.netwatch.agent.inspect.dns;

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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The DNS messages the agent's whole pipeline reports (decode, flows, fragment and TCP
 * reassembly, inspection) against tshark's, over every capture of the corpus. Unlike
 * {@link DnsOracleTest}, which checks the parser on payloads the test extracts itself, this
 * checks what a user of {@code netwatch inspect} gets.
 */
class DnsPipelineOracleTest {
    private static final double REQUIRED = 0.99;

    private static String key(String transport, String src, String srcPort, String dst, String dstPort, String id,
                              String qr) {
        return transport + "|" + src + "|" + srcPort + "|" + dst + "|" + dstPort + "|" + id + "|" + qr;
    }

    @Test
    void pipelineDnsAgreesWithTshark() throws IOException {
        Path dir = CorpusFlowsTest.corpus();
        assumeTrue(dir != null, "the shared capture corpus is not here");
        int rows = 0;
        int matched = 0;
        int extra = 0;
        List<String> mismatches = new ArrayList<>();
        try (var list = Files.list(dir)) {
            for (Path capture : list.sorted().toList()) {
                String name = capture.getFileName().toString();
                Path tsv = dir.resolve("reference").resolve(name + ".dns.tsv");
                if (!Files.exists(tsv)) {
                    continue;
                }
                List<DnsOracleTest.Row> reference = DnsOracleTest.reference(tsv);
                Map<String, ArrayDeque<String[]>> ours = new HashMap<>();
                for (InspectionEvent.Dns e : CorpusPipeline.events(capture, InspectionEvent.Dns.class)) {
                    DnsMessage m = e.message();
                    String[] fields = DnsOracleTest.fields(m, e.raw());
                    var p = e.endpoints();
                    ours.computeIfAbsent(key(p.transport(), p.srcIp(), Integer.toString(p.srcPort()), p.dstIp(),
                            Integer.toString(p.dstPort()), fields[0], fields[1]), k -> new ArrayDeque<>()).add(fields);
                }
                for (DnsOracleTest.Row r : reference) {
                    rows++;
                    ArrayDeque<String[]> q = ours.get(key(r.transport(), r.src(), r.srcPort(), r.dst(), r.dstPort(),
                            r.fields()[0], r.fields()[1]));
                    String[] got = q == null ? null : q.poll();
                    if (got != null && Arrays.equals(got, r.fields())) {
                        matched++;
                    } else if (!DnsOracleTest.EXPLAINED.containsKey(name + "#" + r.frame())) {
                        mismatches.add(name + " frame " + r.frame() + ": tshark " + Arrays.toString(r.fields())
                                + (got == null ? ", Netwatch reported no such message" : ", Netwatch " + Arrays.toString(got)));
                    }
                }
                for (ArrayDeque<String[]> q : ours.values()) {
                    extra += q.size();
                    for (String[] f : q) {
                        mismatches.add(name + ": Netwatch reported a message tshark did not: " + Arrays.toString(f));
                    }
                }
            }
        }
        double share = rows == 0 ? 0 : (double) matched / rows;
        System.out.printf("pipeline dns: %d of %d tshark messages match exactly (%.2f%%), %d extra%n", matched, rows,
                share * 100, extra);
        mismatches.forEach(m -> System.out.println("DNS MISMATCH " + m));
        org.junit.jupiter.api.Assertions.assertEquals(0, extra, "no DNS message tshark does not see");
        assertTrue(share >= REQUIRED, String.format("%.2f%% of tshark's DNS messages match", share * 100));
    }
}
