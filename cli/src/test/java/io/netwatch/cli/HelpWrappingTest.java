package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Help text wraps only at spaces: a key (inspection.budget_bytes), a path (docs/detection.md)
 * or a pattern (*.rules) is never split across lines. Found by a new user: picocli wrapped
 * wherever java.text.BreakIterator allows, which includes after '.', ':', '/', '*' and '|'.
 */
class HelpWrappingTest {
    /** Whitespace runs (and picocli's %n) as one space: text wrapped only at spaces reads as its source. */
    private static String flat(String s) {
        return s.replace("%n", " ").replaceAll("\\s+", " ").strip();
    }

    @Test
    void everyDescriptionIsWrappedOnlyAtSpaces() {
        List<String> split = new ArrayList<>();
        for (int width : new int[] {80, 100}) {
            check(NetwatchMain.commandLine(), width, split);
        }
        assertTrue(split.isEmpty(), "split inside a word:\n" + String.join("\n", split));
    }

    private static void check(CommandLine command, int width, List<String> split) {
        CommandSpec spec = command.getCommandSpec();
        if (spec.userObject() instanceof CommandLine.HelpCommand) {
            return;
        }
        spec.usageMessage().width(width);
        String help = flat(command.getUsageMessage(CommandLine.Help.Ansi.OFF));
        List<String> texts = new ArrayList<>(List.of(spec.usageMessage().header()));
        texts.addAll(List.of(spec.usageMessage().description()));
        for (ArgSpec arg : spec.args()) {
            if (!arg.hidden()) {
                texts.add(String.join(" ", arg.description()));
            }
        }
        for (CommandLine sub : command.getSubcommands().values()) {
            // The list shows the first line of each header, else of each description.
            String[] h = sub.getCommandSpec().usageMessage().header();
            String[] d = h.length > 0 ? h : sub.getCommandSpec().usageMessage().description();
            if (d.length > 0) {
                texts.add(d[0]);
            }
        }
        for (String text : texts) {
            if (!help.contains(flat(text))) {
                split.add(spec.qualifiedName() + " at width " + width + ": " + text);
            }
        }
        command.getSubcommands().values().stream().distinct().forEach(sub -> check(sub, width, split));
    }
}
