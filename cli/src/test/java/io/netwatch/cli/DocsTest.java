package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Every page of docs/ and the README: its links reach files that exist, every {@code netwatch}
 * command line it shows parses, and every {@code --option} it names in backticks is an option
 * of some netwatch command (or of the other tool the page uses). A user following the docs
 * never meets a command that is not there.
 */
class DocsTest {
    /** Options of other tools the pages use in backticks. */
    private static final Set<String> OTHER_TOOLS_OPTIONS = Set.of("--platform", "--build-arg", "--entrypoint",
            // bench/run.sh
            "--no-live", "--packets", "--rounds", "--keep", "--set",
            // bench/compare.sh, bench/profile.sh
            "--part", "--capture", "--jvm", "--top", "--event", "--floor",
            // lab/run.sh
            "--benign", "--scenarios", "--enforce", "--list", "--out");

    static Stream<Path> pages() throws IOException {
        Path root = Samples.repoRoot();
        List<Path> pages = new ArrayList<>();
        pages.add(root.resolve("README.md"));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages.stream();
    }

    @ParameterizedTest
    @MethodSource("pages")
    void linksReachFilesThatExist(Path page) throws IOException {
        String doc = Files.readString(page);
        Matcher m = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)]*)?\\)").matcher(doc);
        List<String> missing = new ArrayList<>();
        while (m.find()) {
            String target = m.group(1);
            if (!target.startsWith("http") && !target.startsWith("mailto:")
                    && !Files.exists(page.getParent().resolve(target).normalize())) {
                missing.add(target);
            }
        }
        assertEquals(List.of(), missing, page.getFileName() + " links to files that do not exist");
    }

    @ParameterizedTest
    @MethodSource("pages")
    void netwatchCommandLinesParse(Path page) throws IOException {
        String doc = Files.readString(page);
        List<String> commands = new ArrayList<>();
        for (String line : doc.split("\n")) {
            String l = line.strip();
            if (l.startsWith("./netwatch ") || l.startsWith("netwatch ")) {
                String c = l.substring(l.indexOf("netwatch ") + "netwatch ".length()).replaceAll("\\s+#.*", "").strip();
                // Not what netwatch prints ("netwatch policy check: 3 namespaces, ..."), not a
                // synopsis ("[--since T]"), and not shell plumbing.
                boolean output = Pattern.compile("^(\\S+ )?\\S+:( |$)").matcher(c).find() || c.contains("[--");
                if (!output && !c.contains("|") && !c.contains(">") && !c.contains("$(") && !c.endsWith("\\")) {
                    commands.add(c);
                }
            }
        }
        List<String> failing = new ArrayList<>();
        for (String c : commands) {
            String[] args = c.replace("\"", "").replace("'", "").split("\\s+");
            try {
                new CommandLine(new NetwatchMain()).parseArgs(args);
            } catch (CommandLine.ParameterException e) {
                failing.add("netwatch " + c + ": " + e.getMessage());
            }
        }
        assertEquals(List.of(), failing, page.getFileName() + " shows command lines that do not parse");
    }

    @ParameterizedTest
    @MethodSource("pages")
    void optionsInBackticksAreRealOptions(Path page) throws IOException {
        Set<String> real = new HashSet<>();
        collect(new CommandLine(new NetwatchMain()), real);
        String doc = Files.readString(page);
        Matcher m = Pattern.compile("`(--[a-z][a-z0-9-]*)").matcher(doc);
        List<String> unknown = new ArrayList<>();
        while (m.find()) {
            if (!real.contains(m.group(1)) && !OTHER_TOOLS_OPTIONS.contains(m.group(1))) {
                unknown.add(m.group(1));
            }
        }
        assertEquals(List.of(), unknown, page.getFileName() + " names options no netwatch command has");
    }

    private static void collect(CommandLine command, Set<String> names) {
        command.getCommandSpec().options().forEach(o -> names.addAll(List.of(o.names())));
        command.getSubcommands().values().forEach(sub -> collect(sub, names));
    }

    @org.junit.jupiter.api.Test
    void everyPageIsChecked() throws IOException {
        assertTrue(pages().count() >= 10, "README and the docs/ pages");
        assertDoesNotThrow(() -> pages().forEach(p -> assertTrue(Files.isRegularFile(p), p.toString())));
    }
}
