package io.netwatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code netwatch} command: one launcher for every role. */
@Command(name = "netwatch", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "Network anomaly detection for Kubernetes: packet-inspecting node agents and a central aggregator.",
        subcommands = {DemoCommand.class, AgentCommand.class, AggregatorCommand.class, InspectCommand.class,
                ObserveCommand.class, AnomaliesCommand.class, AgentsCommand.class, RulesCommand.class, PolicyCommand.class,
                IncidentsCommand.class, BlocksCommand.class, CertsCommand.class, VersionCommand.class,
                CommandLine.HelpCommand.class})
public final class NetwatchMain implements Runnable {
    /** Default gRPC port of the aggregator (ingest and query). */
    public static final int DEFAULT_PORT = 50051;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new NetwatchMain());
        cl.setExecutionExceptionHandler((e, cmd, parse) -> {
            if (e instanceof IllegalArgumentException || e instanceof UserError) {
                // "netwatch policy check: …" for a subcommand's subcommand, "netwatch inspect: …" otherwise.
                cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** A mistake the user can fix; printed without a stack trace. */
    static final class UserError extends RuntimeException {
        UserError(String message) {
            super(message);
        }
    }
}
