package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * docs/cli.md is the help of every netwatch command, as the commands print it: this test
 * renders it again and fails when the page is stale. To regenerate the page after changing a
 * command: {@code mvn -pl proto,common,agent,aggregator,cli test -Dtest=CliReferenceTest
 * -Dnetwatch.cli.regenerate=true}.
 */
class CliReferenceTest {
    private static final String HEADER = """
            # Command-line reference

            Every `netwatch` command with its help, as `netwatch COMMAND --help` prints it. One
            launcher runs every role: the node agent, the aggregator, offline analysis and the
            query commands. Exit status: 0 on success, 1 when the work failed (a capture error,
            records the aggregator never acknowledged, an aggregator that cannot be reached or does not
            answer in time, an I/O error no check foresaw: one line naming the file), 2 for a usage or
            input mistake (the message says what to fix). A stack trace is a bug: please report it.

            Generated from the commands themselves; `CliReferenceTest` fails when this page is
            stale.
            """;

    static String render() {
        StringBuilder out = new StringBuilder(HEADER);
        append(NetwatchMain.commandLine(), out);
        return out.toString();
    }

    private static void append(CommandLine command, StringBuilder out) {
        String name = command.getCommandSpec().qualifiedName();
        if (command.getCommandSpec().userObject() instanceof CommandLine.HelpCommand) {
            return;
        }
        command.getCommandSpec().usageMessage().width(100);
        out.append("\n## `").append(name).append("`\n\n```text\n")
                .append(command.getUsageMessage(CommandLine.Help.Ansi.OFF).stripTrailing()).append("\n```\n");
        command.getSubcommands().values().stream().distinct().forEach(sub -> append(sub, out));
    }

    /**
     * Found in review: the agent's help said "(default 30s)", the aggregator's and the query
     * commands' "(default: 10s)". One style, the one most options had: "(default: VALUE)".
     */
    @Test
    void everyOptionWordsItsDefaultAlike() {
        java.util.List<String> unlike = new java.util.ArrayList<>();
        collectDefaults(NetwatchMain.commandLine(), unlike);
        assertEquals(java.util.List.of(), unlike, "write \"(default: VALUE)\"");
    }

    private static void collectDefaults(CommandLine command, java.util.List<String> unlike) {
        for (CommandLine.Model.OptionSpec o : command.getCommandSpec().options()) {
            String d = String.join(" ", o.description());
            if (java.util.regex.Pattern.compile("\\(defaults? (?!as )").matcher(d).find()) {
                unlike.add(command.getCommandSpec().qualifiedName() + " " + o.longestName());
            }
        }
        command.getSubcommands().values().stream().distinct().forEach(sub -> collectDefaults(sub, unlike));
    }

    @Test
    void theReferenceIsTheCommandsHelp() throws IOException {
        Path page = Samples.repoRoot().resolve("docs/cli.md");
        String expected = render();
        if (Boolean.getBoolean("netwatch.cli.regenerate")) {
            Files.writeString(page, expected, StandardCharsets.UTF_8);
        }
        assertEquals(expected, Files.readString(page), "docs/cli.md is stale: regenerate it (see CliReferenceTest)");
    }
}
