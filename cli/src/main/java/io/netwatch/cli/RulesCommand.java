package io.netwatch.cli;

import io.netwatch.agent.inspect.signature.RuleError;
import io.netwatch.agent.inspect.signature.Signatures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
                    + "refused here as there), and report every rule it would refuse, with its file, line and reason. "
                    + "Exit status 0 when all load, 1 when some are refused, 2 when a file cannot be read, a "
                    + "directory holds no *.rules file or a group given is not valid.")
    static final class Check implements Callable<Integer> {
        @Parameters(paramLabel = "PATH", arity = "0..*",
                description = "Rule files or directories of *.rules files (none: check the bundled rules).")
        List<Path> paths = List.of();

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

        /** The bundled rules' former opt-in, still accepted: they are now in by default. */
        @Option(names = "--with-default-rules", hidden = true)
        boolean withDefaults;

        @Override
        public Integer call() {
            if (noDefaults && paths.isEmpty()) {
                System.err.println("netwatch rules check: --no-default-rules leaves nothing to check: give rule files");
                return 2;
            }
            boolean bundled = !noDefaults;
            Signatures s;
            try {
                s = Signatures.load(paths, bundled, RuleOptions.variables(addressGroups, portGroups),
                        Signatures.DEFAULT_PAYLOAD_DEPTH);
            } catch (IllegalArgumentException e) {
                System.err.println("netwatch rules check: " + e.getMessage());
                return 2;
            }
            for (RuleError e : s.lastLoad().errors()) {
                System.out.println(e);
            }
            int refused = s.lastLoad().errors().size();
            System.out.printf("%s loaded, %d refused, from %s%n", TextFormat.count(s.current().size(), "rule"), refused,
                    String.join(", ", s.current().sources()));
            // A directory without rule files checks clean, yet the user meant rules to be there
            // (found by a new user: silence). suricata -T fails on a rule path with no files, so this does too.
            List<Path> empty = paths.stream().filter(Files::isDirectory)
                    .filter(p -> Signatures.ruleFiles(p).isEmpty()).toList();
            for (Path p : empty) {
                System.err.println("netwatch rules check: no rules files found in " + p
                        + " (the agent reads the *.rules files of a directory)");
            }
            return !empty.isEmpty() ? 2 : refused == 0 ? 0 : 1;
        }
    }
}
