package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Help.ColorScheme;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.TextTable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * SpaceWrappedHelp lays help out as picocli does wherever picocli ends lines at spaces only: on
 * text of plain words their help is the same, explicit line breaks (%n) included, and its
 * table starts a new row at a line break as picocli does.
 */
class SpaceWrappedHelpTest {
    /** A command whose every text wraps, and breaks its lines with %n, in words only. */
    private static CommandSpec command() {
        CommandSpec spec = CommandSpec.create().name("sample");
        spec.usageMessage().width(60)
                .header("A header whose first line fills almost all of sixty columns%nand a second line of it,"
                        + " which is long enough to wrap at the width of sixty columns")
                .description("The first line of the description that fills its sixty columns%nThe second line,"
                                + " short%n%nA paragraph after a blank line that wraps too at sixty columns",
                        "Another description line given as its own string")
                .footer("%nA footer after a blank line%nand one more line that is long enough to wrap at sixty");
        spec.addOption(OptionSpec.builder("--window").paramLabel("DURATION")
                .description("How long the window is, in this column of%nforty columns, then a second line of it")
                .build());
        spec.addPositional(PositionalParamSpec.builder().paramLabel("FILE")
                .description("The capture to read, a file%nor a second line").build());
        return spec;
    }

    @Test
    void helpWithExplicitLineBreaksIsLaidOutAsPicocliLaysItOut() {
        // The header, description and footer reach the table through addRowValues(String...),
        // which picocli (4.7.7) splits at line breaks first; options and parameters come
        // split by picocli's renderers. So %n was already right here; this keeps it so.
        String picocli = new CommandLine(command()).getUsageMessage(Ansi.OFF);
        String ours = new CommandLine(command()).setHelpFactory(SpaceWrappedHelp::new).getUsageMessage(Ansi.OFF);
        assertEquals(picocli, ours);
    }

    @Test
    void anExplicitLineBreakEndsTheLineAsInPicocli() {
        // Found in review: lineEnd counted a line break as part of a word, so "ccccc\ndddd" was
        // one word too wide for the line: "ccccc" went to a line of its own and the break was
        // written into the text. picocli starts a row at each line break of a value.
        ColorScheme scheme = CommandLine.Help.defaultColorScheme(Ansi.OFF);
        for (String value : new String[] {"aaaa bbbb ccccc\ndddd eeee ffff gggg hhhh", "aaaa bbbb cccc\r\ndddd",
                "aaaa\n\nbbbb cccc dddd eeee ffff gggg", "aaaa bbbb cccc dddd eeee\nffff"}) {
            for (int indent : new int[] {0, 2}) {
                TextTable picocli = TextTable.forColumns(scheme, new Column(16, indent, Column.Overflow.WRAP));
                picocli.indentWrappedLines = 2;
                picocli.addRowValues(value); // picocli splits a String at its line breaks, then wraps each line
                TextTable ours = new SpaceWrappedHelp.Table(scheme, new Column(16, indent, Column.Overflow.WRAP));
                ours.indentWrappedLines = 2;
                ours.addRowValues(scheme.text(value)); // a Text, as the option and command lists pass it
                assertEquals(picocli.toString(), ours.toString(), value.replace("\n", "\\n").replace("\r", "\\r"));
            }
        }
    }
}
