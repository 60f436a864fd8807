package io.netwatch.cli;

import java.util.List;
import java.util.Map;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * picocli's help, with lines wrapped only at spaces. picocli ends a line wherever
 * java.text.BreakIterator allows, which is also after '.', ':', '/', '*' and '|': a key such as
 * inspection.budget_bytes, a path such as docs/detection.md or *.rules was split across two
 * lines (found by a new user). Each table here is laid out as picocli lays it out, word by word
 * with the same widths and indents; only where a line may end differs.
 */
final class SpaceWrappedHelp extends Help {
    SpaceWrappedHelp(CommandSpec spec, ColorScheme scheme) {
        super(spec, scheme);
    }

    @Override
    public Layout createDefaultLayout() {
        return spaceWrapped(super.createDefaultLayout());
    }

    @Override
    public Layout createDefaultLayout(List<OptionSpec> options, List<PositionalParamSpec> positionals,
                                      ColorScheme scheme) {
        return spaceWrapped(super.createDefaultLayout(options, positionals, scheme));
    }

    /** The same layout (columns, renderers), its rows not yet added, in a table that wraps at spaces. */
    private static Layout spaceWrapped(Layout picocli) {
        TextTable table = new Table(picocli.colorScheme(), picocli.textTable().columns());
        table.indentWrappedLines = picocli.textTable().indentWrappedLines;
        return new Layout(picocli.colorScheme(), table, picocli.optionRenderer(), picocli.parameterRenderer());
    }

    @Override
    public String header(Object... params) {
        return lines(commandSpec().usageMessage().header(), params);
    }

    @Override
    public String description(Object... params) {
        return lines(commandSpec().usageMessage().description(), params);
    }

    @Override
    public String footer(Object... params) {
        return lines(commandSpec().usageMessage().footer(), params);
    }

    /** Lines one under the other across the whole width, as picocli's Help.join lays them out. */
    private String lines(String[] lines, Object... params) {
        TextTable table = new Table(colorScheme(),
                new Column(commandSpec().usageMessage().width(), 0, Column.Overflow.WRAP));
        table.indentWrappedLines = 0;
        for (String line : lines) {
            table.addRowValues(String.format(line, params));
        }
        return table.toString();
    }

    /** The subcommands with the first line of each one's header or description, as picocli lists them. */
    @Override
    public String commandList(Map<String, Help> subcommands) {
        if (subcommands.isEmpty()) {
            return "";
        }
        int width = commandSpec().usageMessage().width();
        int names = Math.min(subcommands.keySet().stream().mapToInt(String::length).max().orElse(0), width / 2);
        TextTable table = new Table(colorScheme(), new Column(names + 2, 2, Column.Overflow.SPAN),
                new Column(width - (names + 2), 2, Column.Overflow.WRAP));
        for (Help sub : subcommands.values()) {
            UsageMessageSpec usage = sub.commandSpec().usageMessage();
            String first = usage.header().length > 0 ? usage.header()[0]
                    : usage.description().length > 0 ? usage.description()[0] : "";
            Ansi.Text[] lines = colorScheme().text(String.format(first)).splitLines();
            for (int i = 0; i < lines.length; i++) {
                table.addRowValues(i == 0 ? sub.commandNamesText(", ") : colorScheme().text(""), lines[i]);
            }
        }
        return table.toString();
    }

    /** A table whose wrapping columns end lines only at spaces; everything else is picocli's. */
    static final class Table extends TextTable {
        private final ColorScheme scheme;

        Table(ColorScheme scheme, Column... columns) {
            super(scheme, columns);
            this.scheme = scheme;
        }

        /**
         * Writes the value in lines that each fit the column, so that picocli, given one, never
         * breaks it. A word wider than the column is left to picocli, which cuts it. A line break
         * in the value ends the line, and what follows starts a row of its own, as picocli's
         * addRowValues(String...) and its option renderer split a value at its line breaks
         * (found in review: lineEnd counted '\n' as part of a word, so the word before it went
         * to the next line when the two did not fit together, and the break was written into
         * the row).
         */
        @Override
        public Cell putValue(int row, int col, Ansi.Text value) {
            Column column = columns()[col];
            if (value == null || column.overflow != Column.Overflow.WRAP) {
                return super.putValue(row, col, value);
            }
            // Split here, not with Text.splitLines: that reads the whole text a substring is
            // cut from, so it finds the breaks again in each line it returns.
            String plain = value.plainString();
            int start = 0;
            while (true) {
                int end = start;
                while (end < plain.length() && plain.charAt(end) != '\n' && plain.charAt(end) != '\r') {
                    end++;
                }
                Cell cell = wrap(row, col, column, value.substring(start, end));
                if (end >= plain.length()) {
                    return cell;
                }
                start = plain.startsWith("\r\n", end) ? end + 2 : end + 1;
                row = cell.row + 1;
                addEmptyRow();
            }
        }

        /** Writes one line of a value (no line breaks in it), wrapped at spaces, from {@code row} on. */
        private Cell wrap(int row, int col, Column column, Ansi.Text value) {
            String plain = value.plainString();
            int start = 0;
            int indent = 0;
            while (true) {
                int end = lineEnd(plain, start, column.width - column.indent - indent);
                Ansi.Text line = scheme.ansi().new Text(" ".repeat(indent), scheme)
                        .concat(end == start ? value.substring(start) : value.substring(start, end));
                Cell cell = super.putValue(row, col, line);
                if (end == start || end >= plain.length()) {
                    return cell;
                }
                start = end;
                row = cell.row + 1;
                addEmptyRow();
                indent = indentWrappedLines;
            }
        }

        /**
         * Where a line that starts at {@code start} ends: after the last word that fits in
         * {@code room} columns with the spaces after it, as picocli counts; {@code start} when
         * not even the first word fits.
         */
        private static int lineEnd(String text, int start, int room) {
            int end = start;
            while (end < text.length()) {
                int next = end;
                while (next < text.length() && text.charAt(next) != ' ') {
                    next++;
                }
                while (next < text.length() && text.charAt(next) == ' ') {
                    next++;
                }
                if (next - start > room) {
                    break;
                }
                end = next;
            }
            return end;
        }
    }
}
