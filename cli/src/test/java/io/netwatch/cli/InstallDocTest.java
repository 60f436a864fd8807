package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** docs/install.md names only files that exist and netwatch commands and options that parse. */
class InstallDocTest {
    /** Options of other tools that the guide uses in backticks. */
    private static final Set<String> OTHER_TOOLS_OPTIONS = Set.of("--platform", "--build-arg", "--entrypoint");

    private static Path root;
    private static String doc;

    @BeforeAll
    static void read() throws IOException {
        root = Samples.repoRoot();
        doc = Files.readString(root.resolve("docs/install.md"));
    }

    @Test
    void linksPointAtFilesThatExist() {
        Matcher m = Pattern.compile("\\]\\(([^)#]+)\\)").matcher(doc);
        List<String> missing = new ArrayList<>();
        int links = 0;
        while (m.find()) {
            if (!m.group(1).startsWith("http")) {
                links++;
                if (!Files.exists(root.resolve("docs").resolve(m.group(1)).normalize())) {
                    missing.add(m.group(1));
                }
            }
        }
        assertTrue(links > 0);
        assertEquals(List.of(), missing);
    }

    @Test
    void namedFilesExist() throws IOException {
        // Files the pods see, carried by ConfigMaps (agent.yaml), exist as their data keys.
        Set<String> configMapFiles = new HashSet<>();
        for (ConfigMap cm : ManifestSet.load(root.resolve("manifests")).all(ConfigMap.class)) {
            if (cm.getData() != null) {
                configMapFiles.addAll(cm.getData().keySet());
            }
        }
        Matcher m = Pattern.compile("`([^`\\s]+)`").matcher(doc);
        List<String> missing = new ArrayList<>();
        int named = 0;
        while (m.find()) {
            String t = m.group(1).replaceAll("/$", "");
            boolean file = t.matches("[\\w./-]+\\.(yaml|md)") || t.matches("Dockerfile\\.[a-z]+") || t.equals(".dockerignore")
                    || t.matches("(manifests|scripts|docs|cli)(/[\\w.-]+)*");
            if (!file || t.startsWith("/") || t.contains("target/")) {
                continue;
            }
            named++;
            if (!Files.exists(root.resolve(t)) && !Files.exists(root.resolve("manifests").resolve(t))
                    && !configMapFiles.contains(t)) {
                missing.add(t);
            }
        }
        assertTrue(named > 10, "found only " + named + " file names");
        assertEquals(List.of(), missing);
    }

    @Test
    void netwatchCommandLinesParse() {
        List<String> commands = new ArrayList<>();
        Matcher inline = Pattern.compile("`(?:\\./)?netwatch ([^`]+)`").matcher(doc);
        while (inline.find()) {
            commands.add(inline.group(1));
        }
        for (String line : doc.split("\n")) {
            String l = line.strip();
            if (l.startsWith("./netwatch ")) {
                commands.add(l.substring("./netwatch ".length()).replaceAll("\\s+#.*", ""));
            }
        }
        assertTrue(commands.size() >= 5, commands.toString());
        for (String c : commands) {
            String[] args = c.strip().split("\\s+");
            CommandLine netwatch = new CommandLine(new NetwatchMain());
            if (args.length == 1) {
                // A command named in the text ("the real `netwatch agent`"), not run.
                assertTrue(netwatch.getSubcommands().containsKey(args[0]), "netwatch " + c);
            } else {
                assertDoesNotThrow(() -> netwatch.parseArgs(args), "netwatch " + c);
            }
        }
    }

    @Test
    void otherCommandsNameRealFiles() {
        Matcher m = Pattern.compile("(?m)(?:docker build -f (\\S+)|kubectl (?:apply|delete) -k (\\S+))").matcher(doc);
        int found = 0;
        while (m.find()) {
            found++;
            if (m.group(1) != null) {
                assertTrue(Files.isRegularFile(root.resolve(m.group(1))), m.group());
            } else {
                assertTrue(Files.isRegularFile(root.resolve(m.group(2)).resolve("kustomization.yaml")), m.group());
            }
        }
        assertTrue(found >= 4, "found " + found);
    }

    @Test
    void optionsInBackticksAreRealOptions() {
        Set<String> real = new HashSet<>();
        CommandLine netwatch = new CommandLine(new NetwatchMain());
        netwatch.getSubcommands().values().forEach(sub -> sub.getCommandSpec().options()
                .forEach(o -> real.addAll(List.of(o.names()))));
        Matcher m = Pattern.compile("`(--[a-z-]+)").matcher(doc);
        List<String> unknown = new ArrayList<>();
        while (m.find()) {
            String option = m.group(1);
            if (!real.contains(option) && !OTHER_TOOLS_OPTIONS.contains(option)) {
                unknown.add(option);
            }
        }
        assertEquals(List.of(), unknown);
    }

    @Test
    void eachClusterRolesRowNamesEveryResourceAndVerbItGrants() {
        // Found reading the guide against the manifests: the read role's row listed what it
        // reads and lists, not that it also creates TokenReviews, a grant an engineer reviewing
        // RBAC before `kubectl apply` looks for.
        List<String> missing = new ArrayList<>();
        int roles = 0;
        for (ManifestSet.Entry e : ManifestSet.load(root.resolve("manifests")).entries()) {
            if (!(e.object() instanceof io.fabric8.kubernetes.api.model.rbac.ClusterRole role)) {
                continue;
            }
            roles++;
            String row = doc.lines().filter(l -> l.startsWith("| `" + e.file() + "`")).findFirst()
                    .orElse("").toLowerCase(java.util.Locale.ROOT);
            assertFalse(row.isEmpty(), "no row for " + e.file());
            for (var rule : role.getRules()) {
                for (String name : rule.getResources()) {
                    if (!row.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                        missing.add(e.file() + ": " + name);
                    }
                }
                for (String verb : rule.getVerbs()) {
                    if (!row.contains(verb)) {
                        missing.add(e.file() + ": " + verb);
                    }
                }
            }
        }
        assertEquals(2, roles);
        assertEquals(List.of(), missing);
    }
}
