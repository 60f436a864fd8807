package io.netwatch.cli;

import io.netwatch.agent.inspect.signature.RuleError;
import io.netwatch.agent.inspect.signature.RulesConfig;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.inspect.signature.Suppression;
import io.netwatch.agent.inspect.signature.ThresholdLine;
import io.netwatch.cli.config.ConfigValues;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "rules", mixinStandardHelpOptions = true,
        description = "Work with signature rules.", subcommands = {RulesCommand.Check.class})
final class RulesCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Read rule files as the agent would, with the bundled rules (so that a sid they use is "
                    + "refused here as there), and report every rule it would refuse, with its file, line and reason; "
                    + "with --threshold-file, every line of it refused or overridden by another, and every sid that a "
                    + "suppress or threshold line or --disable-sid names and no loaded rule has. "
                    + "With --config, the rules an agent with that configuration loads, as it loads them. "
                    + "Exit status 0 when all load, 1 when some rule or threshold line is refused or overridden, or a sid names no "
                    + "rule, 2 when a file cannot be read, a directory holds no *.rules file or a group given is not "
                    + "valid.")
    static final class Check implements Callable<Integer> {
        @Parameters(paramLabel = "PATH", arity = "0..*",
                description = "Rule files or directories of *.rules files (none: check the bundled rules, or those "
                        + "of --config's rules.paths); given, they replace rules.paths.")
        List<Path> paths = List.of();

        @Option(names = "--config", paramLabel = "FILE", description = "The agent's YAML configuration (agent.yaml): "
                + "its rules.paths, rules.bundled, rules.payload_depth, rules.address_groups, rules.port_groups, "
                + "rules.disabled_sids and rules.threshold_file, and the tunnel ports $VXLAN_PORTS and $GENEVE_PORTS follow (decode.vxlan_ports, "
                + "decode.geneve_ports). The file only: NETWATCH_ variables of this shell are not read.")
        Path config;

        @Option(names = "--no-default-rules", description = "Leave out the bundled rules, as an agent given "
                + "--no-default-rules (rules.bundled: false) does.")
        boolean noDefaults;

        @Option(names = "--address-group", paramLabel = "NAME=VALUE", description = RuleOptions.ADDRESS_GROUP
                + " As the agent's --address-group (rules.address_groups): give the agent's groups, so that rules"
                + " using them are checked as it reads them.")
        List<String> addressGroups = List.of();

        @Option(names = "--port-group", paramLabel = "NAME=VALUE", description = RuleOptions.PORT_GROUP
                + " As the agent's --port-group (rules.port_groups).")
        List<String> portGroups = List.of();

        @Option(names = "--disable-sid", paramLabel = "SID", split = ",", description = RuleOptions.DISABLE_SID
                + " As the agent's --disable-sid (rules.disabled_sids).")
        List<String> disabledSids = List.of();

        @Option(names = "--threshold-file", paramLabel = "FILE", description = RuleOptions.THRESHOLD_FILE
                + " As the agent's --threshold-file (rules.threshold_file): each line is checked, with the rules.")
        Path thresholdFile;

        /** The bundled rules' former opt-in, still accepted: they are now in by default. */
        @Option(names = "--with-default-rules", hidden = true)
        boolean withDefaults;

        @Override
        public Integer call() {
            Signatures s;
            RulesConfig rules;
            List<Path> checked;
            try {
                // Read as the agent reads its settings: the file, then the options over it.
                ConfigValues v = ConfigValues.load(AgentSettings.SCHEMA, config, Map.of())
                        .option(AgentSettings.RULE_PATHS, "PATH", paths.isEmpty() ? null : paths)
                        .option(AgentSettings.BUNDLED, "--no-default-rules", noDefaults ? false : null)
                        .option(AgentSettings.ADDRESS_GROUPS, "--address-group",
                                addressGroups.isEmpty() ? null : addressGroups)
                        .option(AgentSettings.PORT_GROUPS, "--port-group", portGroups.isEmpty() ? null : portGroups)
                        .option(AgentSettings.DISABLED_SIDS, "--disable-sid",
                                disabledSids.isEmpty() ? null : disabledSids)
                        .option(AgentSettings.THRESHOLD_FILE, "--threshold-file", thresholdFile);
                rules = AgentSettings.rules(v);
                checked = rules.paths();
                if (!rules.bundled() && checked.isEmpty()) {
                    System.err.println("netwatch rules check: " + (noDefaults ? "--no-default-rules" : "rules.bundled: false")
                            + " leaves nothing to check: give rule files");
                    return 2;
                }
                s = rules.load();
            } catch (IllegalArgumentException e) {
                System.err.println("netwatch rules check: " + e.getMessage());
                return 2;
            }
            Signatures.LoadReport report = s.lastLoad();
            for (RuleError e : report.errors()) {
                System.out.println(e);
            }
            for (RuleError e : report.tuningErrors()) {
                System.out.println(e);
            }
            int refused = report.errors().size();
            System.out.printf("%s loaded, %d refused, from %s%n", TextFormat.count(s.current().size(), "rule"), refused,
                    String.join(", ", s.current().sources()));
            Path threshold = rules.tuning().thresholdFile();
            if (threshold != null) {
                // A line refused has no suppression or threshold; one naming no loaded rule, or overridden by
                // another, has one, and is only reported.
                Set<Integer> loaded = Stream.concat(report.suppressions().lines().stream().map(Suppression::line),
                        report.thresholds().lines().stream().map(ThresholdLine::line)).collect(Collectors.toSet());
                long notLoaded = report.tuningErrors().stream()
                        .filter(e -> e.source().equals(threshold.toString()) && !loaded.contains(e.line())).count();
                System.out.printf("%s and %s loaded, %d refused, from %s%n",
                        TextFormat.count(report.suppressions().size(), "suppress line"),
                        TextFormat.count(report.thresholds().size(), "threshold line"), notLoaded, threshold);
            }
            // A directory without rule files checks clean, yet the user meant rules to be there
            // (found by a new user: silence). suricata -T fails on a rule path with no files, so this does too.
            List<Path> empty = checked.stream().filter(Files::isDirectory)
                    .filter(p -> Signatures.ruleFiles(p).isEmpty()).toList();
            for (Path p : empty) {
                System.err.println("netwatch rules check: no rules files found in " + p
                        + " (the agent reads the *.rules files of a directory)");
            }
            return !empty.isEmpty() ? 2 : refused == 0 && report.tuningErrors().isEmpty() ? 0 : 1;
        }
    }
}
