package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netwatch.cli.config.ConfigSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * docs/configuration.md: "netwatch agent --help names, after each option, the key it sets". So
 * does the aggregator's; a command that reads no configuration file names none as its own.
 */
class OptionKeysTest {
    /** "(flows.max_flows)", "(flows.timeouts.*)", "(rules.bundled: false)" at the end of an option's help. */
    private static final Pattern KEY = Pattern.compile("\\(([a-z_]+(?:\\.[a-z_]+)*)(\\.\\*)?(?:: [a-z]+)?\\)$");
    /** Options that set no key: where the settings come from, and picocli's own. */
    private static final Set<String> NO_KEY = Set.of("--config", "--print-config", "--help", "--version");

    private static final Map<String, ConfigSchema> SCHEMAS = Map.of("agent", AgentSettings.SCHEMA,
            "aggregator", AggregatorSettings.SCHEMA);

    @Test
    void everyOptionOfTheAgentAndTheAggregatorEndsWithAKeyOfItsConfiguration() {
        // Found by a new user: the options the agent shares with inspect and the query commands
        // (rules, TLS), and the aggregator's TLS options and --kubernetes, named none.
        List<String> wrong = new ArrayList<>();
        CommandLine root = NetwatchMain.commandLine();
        SCHEMAS.forEach((command, schema) -> {
            for (OptionSpec o : root.getSubcommands().get(command).getCommandSpec().options()) {
                if (o.hidden() || NO_KEY.contains(o.longestName())) {
                    continue;
                }
                String help = String.join(" ", o.description());
                Matcher m = KEY.matcher(help);
                if (!m.find()) {
                    wrong.add(command + " " + o.longestName() + " names no key: " + help);
                } else if (m.group(2) == null ? schema.find(m.group(1)) == null : !schema.isSection(m.group(1))) {
                    wrong.add(command + " " + o.longestName() + " names " + m.group() + ", not a key of "
                            + command + ".yaml");
                }
            }
        });
        assertEquals(List.of(), wrong);
    }

    @Test
    void noOtherCommandNamesAKeyAsOneItsOptionSets() {
        // inspect shares the agent's rule options and the query commands its TLS options; they
        // read no configuration file, so their help must not end with the agent's key.
        List<String> wrong = new ArrayList<>();
        check(NetwatchMain.commandLine(), wrong);
        assertEquals(List.of(), wrong);
    }

    private static void check(CommandLine command, List<String> wrong) {
        CommandSpec spec = command.getCommandSpec();
        String name = spec.qualifiedName();
        boolean configured = spec.parent() != null && spec.parent().parent() == null
                && SCHEMAS.containsKey(spec.name());
        if (!configured) {
            for (OptionSpec o : spec.options()) {
                Matcher m = KEY.matcher(String.join(" ", o.description()));
                if (m.find() && SCHEMAS.values().stream().anyMatch(s -> s.find(m.group(1)) != null
                        || s.isSection(m.group(1)))) {
                    wrong.add(name + " " + o.longestName() + " ends with " + m.group());
                }
            }
        }
        command.getSubcommands().values().stream().distinct().forEach(sub -> check(sub, wrong));
    }
}
