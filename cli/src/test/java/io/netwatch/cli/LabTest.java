package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lab (lab/run.sh), shortened: a two-node cluster of network namespaces, real attack
 * tools, an agent per node capturing live and one aggregator, all started from this test's
 * class path, blocking in enforce mode. Every scenario the agents judge must be detected
 * with the right type, the benign-only minute must raise nothing of medium severity or above,
 * a scanner must be cut off within 2 s and let go after its block's TTL while benign pods keep
 * talking, and a scan under the DNS pod's address must block nothing. The 10-minute benign
 * run and the timing table are in docs/lab.md; they come from the same script.
 */
class LabTest {
    /** The scenarios the agents' detectors must catch (the aggregator's own are not in this list yet). */
    private static final List<String> SCENARIOS = List.of("syn-scan", "connect-scan", "udp-scan", "sweep",
            "syn-flood", "udp-flood", "dns-tunnel", "http-exfil", "ssh-guess", "exploit", "scan-blocked",
            "spoofed-scan");

    @Test
    void everyScenarioIsDetectedWithItsTypeAndTheBenignRunRaisesNothingSevere(@TempDir Path out)
            throws IOException, InterruptedException {
        assumeTrue(ProcessHandle.current().info().user().map("root"::equals).orElse(false),
                "the lab needs root: it creates network namespaces and installs its tools with apt-get");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String netwatch = String.join(" ", java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), NetwatchMain.class.getName());
        assertTrue(!netwatch.contains("'") && !System.getProperty("java.class.path").contains(" "),
                "the class path is passed word by word to the lab");
        Path log = out.resolve("lab.log");
        ProcessBuilder builder = new ProcessBuilder("bash", Samples.repoRoot().resolve("lab/run.sh").toString(),
                "--benign", "60", "--enforce", "--scenarios", String.join(",", SCENARIOS), "--out", out.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("NETWATCH_CMD", netwatch);
        Process lab = builder.start();
        lab.getOutputStream().close();
        boolean ended = lab.waitFor(12, TimeUnit.MINUTES);
        if (!ended) {
            lab.destroy();
            lab.waitFor(30, TimeUnit.SECONDS);
        }
        String transcript = Files.readString(log);
        assertTrue(ended, "the lab did not finish in 12 minutes:\n" + transcript);
        assertEquals(0, lab.exitValue(), "lab/run.sh failed:\n" + transcript);

        Map<String, String[]> results = new LinkedHashMap<>();
        List<String> summary = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("results.tsv"))) {
            if (line.startsWith("# ")) {
                summary.add(line.substring(2));
            } else if (!line.startsWith("scenario\t")) {
                String[] f = line.split("\t", -1);
                results.put(f[0], f);
            }
        }
        assertEquals(SCENARIOS, List.copyOf(results.keySet()), transcript);
        List<String> missed = new ArrayList<>();
        for (String[] r : results.values()) {
            if (!r[2].equals("yes")) {
                missed.add(r[0] + " (expected " + r[1] + ", raised " + r[3] + ")");
            }
        }
        assertEquals(List.of(), missed, "scenarios not detected; the table:\n" + transcript);
        String benign = summary.stream().filter(s -> s.startsWith("benign_minutes=")).findFirst().orElseThrow();
        assertTrue(benign.endsWith(" severe=0"), "the benign run raised anomalies of medium severity or above: "
                + benign + "\n" + transcript);
        assertTrue(new File(out.toFile(), "table.md").length() > 0);

        // Blocking in enforce mode: the scanner cut off within 2 s of its scan's first SYN (as the
        // attacker's tcpdump stamped it, so nmap's start-up on a busy machine does not count), the
        // drop lifted by its 5 s TTL, benign pods never failed, the spoofed scan blocked nothing.
        Map<String, String> blocking = new LinkedHashMap<>();
        for (String line : Files.readAllLines(out.resolve("blocking.tsv"))) {
            String[] f = line.split("\t", -1);
            blocking.put(f[0], f[1]);
        }
        String table = Files.readString(out.resolve("table.md"));
        assertTrue(!blocking.get("first_syn_after_ms").isEmpty(), "the scan's first SYN was not stamped:\n" + table);
        assertTrue(!blocking.get("blocked_after_ms").isEmpty()
                && Long.parseLong(blocking.get("blocked_after_ms")) <= 2000, "not blocked within 2 s:\n" + table);
        assertTrue(!blocking.get("restored_after_block_ms").isEmpty(), "the drop never lifted:\n" + table);
        assertEquals("0", blocking.get("benign_failures"), table);
        assertEquals("0", blocking.get("spoofed_scan_benign_failures"), table);
        assertEquals("yes", blocking.get("protected_dns_pod_answers"), table);
    }
}
