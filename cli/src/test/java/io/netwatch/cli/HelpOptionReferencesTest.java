package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * An option's help that names another option names one the same command has: options shared
 * between commands (a mixin) must not send the user to an option that is not there.
 */
class HelpOptionReferencesTest {
    /** An option named in prose; "netwatch certs --san" names another command's, and is skipped. */
    private static final Pattern REFERENCE = Pattern.compile("(netwatch [a-z]+ )?(--[a-z][a-z0-9-]*)");

    @Test
    void everyOptionAnOptionsHelpNamesIsAnOptionOfThatCommand() {
        // Found trying it: `netwatch agents --help` said --keepalive makes "--follow end with an
        // error", and agents, blocks and policy suggest/simulate have no --follow.
        List<String> wrong = new ArrayList<>();
        check(NetwatchMain.commandLine(), wrong);
        assertEquals(List.of(), wrong);
    }

    private static void check(CommandLine command, List<String> wrong) {
        CommandSpec spec = command.getCommandSpec();
        for (ArgSpec arg : spec.args()) {
            Matcher m = REFERENCE.matcher(String.join(" ", arg.description()));
            while (m.find()) {
                if (m.group(1) == null && spec.findOption(m.group(2)) == null) {
                    wrong.add(spec.qualifiedName() + " " + arg.paramLabel() + " names " + m.group(2));
                }
            }
        }
        command.getSubcommands().values().stream().distinct().forEach(sub -> check(sub, wrong));
    }
}
