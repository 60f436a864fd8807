package io.netwatch.cli;

import io.netwatch.agent.inspect.signature.RuleError;
import io.netwatch.agent.inspect.signature.RulesConfig;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.inspect.signature.Suppression;
import io.netwatch.agent.inspect.signature.ThresholdLine;
import io.netwatch.cli.config.ConfigValues;
import java.io.IOException;
import java.io.UncheckedIOException;
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
                    + "Exit status 0 when all load, 1 when some rule or threshold line is refused or overridden, or a sid"
                    + " names no rule, 2 when a file cannot be read or a group given is not valid (the agent would not"
                    + " start). A directory without *.rules files passes, as the agent starts with it, and is said;"
                    + " so do rules that load none at all (--no-default-rules and no PATH), with a warning.")
    static final class Check implements Callable<Integer> {
        /** Names of other files said of a directory without rule files. */
        private static final int NAMES_SHOWN = 3;

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
                AgentSettings.requireRuleFiles(v);
                rules = AgentSettings.rules(v);
                checked = rules.paths();
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
            sayEmptyDirectories(checked);
            List<String> sources = s.current().sources();
            System.out.printf("%s loaded, %d refused%s%n", TextFormat.count(s.current().size(), "rule"), refused,
                    sources.isEmpty() ? "" : ", from " + String.join(", ", sources));
            if (s.current().size() == 0) {
                // The agent starts with no rule (a valid setup, as Suricata's is with no rule file):
                // the check passes it too, but says so, since it is seldom what was meant.
                System.err.println("netwatch rules check: warning: no rule is loaded"
                        + (!rules.bundled() && checked.isEmpty()
                                ? " (" + (noDefaults ? "--no-default-rules" : "rules.bundled: false") + " and no rule path)"
                                : "")
                        + "; an agent with these rules raises no signature alert");
            }
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
            return refused == 0 && report.tuningErrors().isEmpty() ? 0 : 1;
        }

        /**
         * Says what a directory without rule files gave: the agent starts with it (the shipped
         * ConfigMap netwatch-rules is empty), so the check passes it too, and says what is in it.
         */
        private static void sayEmptyDirectories(List<Path> checked) {
            for (Path p : checked) {
                if (!Files.isDirectory(p) || !Signatures.ruleFiles(p).isEmpty()) {
                    continue;
                }
                List<String> others;
                try (Stream<Path> s = Files.list(p)) {
                    // Dot files are skipped as the agent skips them (a mounted ConfigMap's ..data).
                    others = s.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                System.out.println("0 rule files in " + p + (others.isEmpty() ? " (an empty directory)"
                        : " (" + String.join(", ", others.subList(0, Math.min(others.size(), NAMES_SHOWN)))
                        + (others.size() > NAMES_SHOWN ? " and " + (others.size() - NAMES_SHOWN) + " more" : "")
                        + ": the agent reads only the *.rules files of a directory)"));
            }
        }
    }
}
