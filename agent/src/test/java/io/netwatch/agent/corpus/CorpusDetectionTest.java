package io.netwatch.agent.corpus;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netwatch.proto.anomaly.v1.Anomaly;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class CorpusDetectionTest {
    @Test
    void explore() throws Exception {
        Path dir = CorpusFlowsTest.corpus();
        assumeTrue(dir != null);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().matches(".*\\.pcap(ng)?$")).sorted().toList();
        }
        for (Path f : files) {
            List<Anomaly> a = CorpusPipeline.anomalies(f);
            Map<String, Long> types = a.stream().collect(Collectors.groupingBy(x -> x.getAnomalyType() + "/" + x.getSeverity(), TreeMap::new, Collectors.counting()));
            System.out.println("DETECT " + f.getFileName() + " " + types);
            for (Anomaly x : f.toString().contains("amp") ? a : a.subList(0, Math.min(3, a.size()))) {
                System.out.println("    " + x.getExplanation().getSummary());
            }
        }
        List<Anomaly> a = CorpusPipeline.anomalies(Path.of("src/test/resources/captures/lab-attacks.pcap"));
        System.out.println("DETECT lab " + a.stream().collect(Collectors.groupingBy(x -> x.getAnomalyType() + "/" + x.getSeverity(), TreeMap::new, Collectors.counting())));
        for (Anomaly x : a) System.out.println("    " + x.getExplanation().getSummary());
    }
}
