package io.netwatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "Kubernetes NetworkPolicy tools.",
        subcommands = {PolicyCheckCommand.class, PolicySuggestCommand.class, PolicySimulateCommand.class})
final class PolicyCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
