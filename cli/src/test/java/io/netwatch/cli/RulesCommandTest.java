package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code netwatch rules check} and {@code netwatch inspect --rules} as a user runs them. */
class RulesCommandTest {
    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private static Path lab() {
        return Path.of(System.getProperty("netwatch.repo.root", "..")).resolve(
                "agent/src/test/resources/captures/lab-attacks.pcap");
    }

    @Test
    void checkNamesEachRefusedRuleByFileAndLineAndFailsTheExitStatus() throws Exception {
        Path f = tmp.resolve("local.rules");
        Files.writeString(f, """
                # local rules
                alert http any any -> any any (msg:"admin page"; http.uri; content:"/admin"; sid:1000001;)
                alert tcp any any -> any any (msg:"regex"; pcre:"/x/"; sid:1000002;)
                alert tcp any any -> any any (msg:"no sid"; content:"x";)
                """);
        CliRun o = run("rules", "check", "--no-default-rules", f.toString());
        assertEquals(1, o.code());
        List<String> lines = o.stdout().lines().toList();
        assertTrue(lines.get(0).startsWith(f + ":3: unsupported keyword 'pcre'"), lines.get(0));
        assertEquals(f + ":4: the rule has no sid", lines.get(1));
        assertEquals("1 rule loaded, 2 refused, from " + f, lines.get(2));

        Files.writeString(f, "alert http any any -> any any (msg:\"admin page\"; http.uri; content:\"/admin\"; sid:1000001;)\n");
        assertEquals(0, run("rules", "check", f.toString()).code());
        assertEquals(2, run("rules", "check", "--no-default-rules").code(), "nothing to check");
        CliRun missing = run("rules", "check", tmp.resolve("missing.rules").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.stderr().contains("does not exist"), missing.stderr());
    }

    /** Found by a new user: a directory without rule files checked clean, silently. */
    @Test
    void aDirectoryWithoutRuleFilesIsSaidAndFailsTheCheck() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("rules"));
        Files.writeString(dir.resolve("local.rule"), "alert tcp any any -> any any (msg:\"m\"; content:\"a\"; sid:1;)\n");
        CliRun o = run("rules", "check", dir.toString());
        assertEquals(2, o.code(), o.stdout() + o.stderr());
        assertTrue(o.stderr().contains("netwatch rules check: no rules files found in " + dir
                + " (the agent reads the *.rules files of a directory)"), o.stderr());

        Files.move(dir.resolve("local.rule"), dir.resolve("local.rules"));
        o = run("rules", "check", dir.toString());
        assertEquals(0, o.code(), o.stdout() + o.stderr());
        assertEquals("", o.stderr());
    }

    @Test
    void aSidTheBundledRulesUseIsRefusedAsTheAgentRefusesIt() throws Exception {
        Path f = tmp.resolve("clash.rules");
        Files.writeString(f, "alert tcp any any -> any any (msg:\"mine\"; content:\"xyz\"; sid:9100022;)\n");
        CliRun o = run("rules", "check", f.toString());
        assertEquals(1, o.code(), o.stdout());
        assertTrue(o.stdout().startsWith(f + ":1: sid 9100022 is already used at bundled:default.rules:"), o.stdout());
        assertEquals(0, run("rules", "check", "--no-default-rules", f.toString()).code());
    }

    @Test
    void theBundledRulesCheckClean() {
        CliRun o = run("rules", "check");
        assertEquals(0, o.code(), o.stdout());
        assertTrue(o.stdout().matches("(?s)\\d+ rules loaded, 0 refused, from bundled:default.rules\\s*"), o.stdout());
    }

    @Test
    void inspectWritesAlertLinesForUserRulesAndTheFlowRecordsCarryThem() throws Exception {
        Path f = tmp.resolve("mine.rules");
        Files.writeString(f, "alert http any any -> any any (msg:\"wp login\"; http.uri; content:\"/wp-login.php\"; "
                + "classtype:attempted-recon; sid:1000010; rev:4;)\n");
        Path out = tmp.resolve("out.json");
        CliRun o = run("inspect", lab().toString(), "--no-default-rules", "--rules", f.toString(), "--out", out.toString());
        assertEquals(0, o.code(), o.stderr());
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> alerts = new ArrayList<>();
        List<JsonNode> flowsWithAlerts = new ArrayList<>();
        JsonNode stats = null;
        for (String line : Files.readAllLines(out)) {
            JsonNode n = json.readTree(line);
            switch (n.get("type").asText()) {
                case "alert" -> alerts.add(n);
                case "flow" -> {
                    if (n.has("alerts")) {
                        flowsWithAlerts.add(n);
                    }
                }
                case "stats" -> stats = n;
                default -> { }
            }
        }
        assertEquals(1, alerts.size(), "only the user's rule: " + alerts);
        JsonNode a = alerts.getFirst();
        assertEquals(1000010, a.get("alert").get("sid").asInt());
        assertEquals(4, a.get("alert").get("rev").asInt());
        assertEquals("wp login", a.get("alert").get("msg").asText());
        assertEquals("attempted-recon", a.get("alert").get("classtype").asText());
        assertEquals("medium", a.get("alert").get("severity").asText());
        assertEquals("http.uri", a.get("alert").get("buffer").asText());
        assertEquals(f + ":1", a.get("alert").get("rule_source").asText());
        assertEquals("10.98.0.10", a.get("src_ip").asText());
        assertEquals(80, a.get("dst_port").asInt());
        assertEquals("http", a.get("app_proto").asText());
        assertEquals(1, flowsWithAlerts.size());
        assertEquals(a.get("flow_id").asLong(), flowsWithAlerts.getFirst().get("flow_id").asLong());
        assertEquals(1, stats.get("signature_alerts").asLong());
    }

    @Test
    void aRuleFileThatDoesNotExistIsAUserError() {
        CliRun o = run("inspect", lab().toString(), "--rules", tmp.resolve("nope.rules").toString());
        assertEquals(2, o.code());
        assertTrue(o.stderr().contains("rules path " + tmp.resolve("nope.rules") + " does not exist"), o.stderr());
    }
}
