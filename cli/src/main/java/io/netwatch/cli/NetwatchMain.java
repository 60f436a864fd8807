package io.netwatch.cli;

import io.netwatch.cli.config.Suggestions;
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
        CheckedOutput.processStdout = System.out;
        System.exit(execute(args));
    }

    /** The command tree as users get it, help included; docs/cli.md is rendered from it too. */
    static CommandLine commandLine() {
        // Found by a new user: incidents' table prints "OPEN     HIGH", and --state OPEN or
        // --min-severity HIGH copied from it were refused as "case-sensitive", while observe
        // takes --protocol TCP and --verdict DENIED. Every word an option takes is read in any case.
        CommandLine cl = new CommandLine(new NetwatchMain()).setHelpFactory(SpaceWrappedHelp::new)
                .setCaseInsensitiveEnumValuesAllowed(true);
        versionEverywhere(cl, new VersionCommand.Provider());
        return cl;
    }

    /**
     * Every command's help offers {@code -V, --version}, but picocli gives the provider only to
     * the command that names it: without this, {@code netwatch observe -V} printed nothing.
     */
    private static void versionEverywhere(CommandLine cl, CommandLine.IVersionProvider provider) {
        if (cl.getCommandSpec().versionProvider() == null) {
            cl.getCommandSpec().versionProvider(provider);
        }
        cl.getSubcommands().values().forEach(sub -> versionEverywhere(sub, provider));
    }

    /**
     * gRPC's channel logs a name that does not resolve through java.util.logging, past
     * simplelogger.properties, with the UnknownHostException's stack trace, once per attempt; the
     * agent's exporter and the query commands already say it in one line from the call's status.
     * A static reference: java.util.logging holds its loggers weakly, and a collected logger
     * forgets its level.
     */
    private static final java.util.logging.Logger GRPC_CHANNEL_LOG =
            java.util.logging.Logger.getLogger("io.grpc.internal.ManagedChannelImpl");

    public static int execute(String... args) {
        GRPC_CHANNEL_LOG.setLevel(java.util.logging.Level.SEVERE);
        CommandLine cl = commandLine();
        cl.setExecutionExceptionHandler(NetwatchMain::executionError);
        cl.setParameterExceptionHandler((e, arguments) -> {
            String word = unknownCommand(e);
            if (word == null) {
                // One line (and picocli's guesses for a misspelt option), not the whole usage text.
                CommandLine c = e.getCommandLine();
                // picocli starts some messages with "Error: " (options that exclude each other):
                // after "netwatch agent: " that said it twice (found by a new user).
                String message = String.valueOf(e.getMessage()).replaceFirst("^Error: ", "");
                c.getErr().println(c.getCommandSpec().qualifiedName() + ": " + message
                        + " (" + c.getCommandSpec().qualifiedName() + " --help lists the options)");
                if (e instanceof CommandLine.UnmatchedArgumentException u) {
                    java.util.List<String> guesses = u.getSuggestions();
                    if (!guesses.isEmpty()) {
                        c.getErr().println("did you mean " + String.join(" or ", guesses) + "?");
                    }
                }
                return 2;
            }
            java.util.List<String> near = nearCommands(e.getCommandLine(), word);
            e.getCommandLine().getErr().println(e.getCommandLine().getCommandSpec().qualifiedName() + ": '" + word
                    + "' is not a command" + (near.isEmpty() ? "." : "; did you mean " + String.join(" or ", near) + "?")
                    + " The commands: " + String.join(", ", e.getCommandLine().getSubcommands().keySet())
                    + " (--help says what each does).");
            return 2;
        });
        return cl.execute(args);
    }

    /**
     * What a command's exception becomes: a mistake the user can fix is one line and status 2,
     * failed work one line and status 1; an I/O error no command foresaw (a path through a
     * regular file, a disk that fails) is one line naming the file and status 1, the work
     * failed. Anything else is a bug: rethrown, so picocli prints its stack trace for the report.
     */
    static int executionError(Exception e, CommandLine cmd, CommandLine.ParseResult parse) throws Exception {
        // "netwatch policy check: …" for a subcommand's subcommand, "netwatch inspect: …" otherwise.
        String command = cmd.getCommandSpec().qualifiedName();
        if (e instanceof IllegalArgumentException || e instanceof UserError || e instanceof Failed) {
            cmd.getErr().println(command + ": " + e.getMessage());
            return e instanceof Failed ? 1 : 2;
        }
        java.io.IOException io = e instanceof java.io.IOException i ? i
                : e instanceof java.io.UncheckedIOException u ? u.getCause() : null;
        if (io != null) {
            cmd.getErr().println(command + ": " + ioError(io));
            return 1;
        }
        throw e;
    }

    /** "I/O error on FILE: why", or "I/O error: why" when the exception names no file. */
    private static String ioError(java.io.IOException e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getFile() != null) {
            // Its message is the bare path for several kinds (NoSuchFileException): say the kind.
            String why = switch (f) {
                case java.nio.file.NoSuchFileException n -> "no such file";
                case java.nio.file.AccessDeniedException a -> "permission denied";
                case java.nio.file.FileAlreadyExistsException x -> "it exists";
                case java.nio.file.NotDirectoryException d -> "not a directory";
                default -> f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
            };
            return "I/O error on " + f.getFile() + (f.getOtherFile() == null ? "" : " and " + f.getOtherFile())
                    + ": " + why;
        }
        return "I/O error: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
    }

    /** The first word of the arguments when it names no subcommand of a command that has them; else null. */
    private static String unknownCommand(CommandLine.ParameterException e) {
        if (!(e instanceof CommandLine.UnmatchedArgumentException u) || e.getCommandLine().getSubcommands().isEmpty()
                || u.getUnmatched().isEmpty()) {
            return null;
        }
        String word = u.getUnmatched().getFirst();
        return word.startsWith("-") || e.getCommandLine().getParseResult().hasSubcommand() ? null : word;
    }

    /**
     * Commands within two edits of {@code word}, or that it begins: picocli's own guesses are by
     * shared letters, and offer 'anomalies' for any long word.
     */
    static java.util.List<String> nearCommands(CommandLine cl, String word) {
        java.util.List<String> near = new java.util.ArrayList<>();
        for (String name : cl.getSubcommands().keySet()) {
            if (name.startsWith(word) || word.length() < 64 && Suggestions.distance(name, word) <= 2) {
                near.add(cl.getCommandSpec().qualifiedName() + " " + name);
            }
        }
        return near;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * The work failed though the command was right (the aggregator is down or too slow):
     * exit status 1, so that a script tells an outage from a typo (status 2).
     */
    static final class Failed extends RuntimeException {
        Failed(String message) {
            super(message);
        }
    }

    /** A mistake the user can fix; printed without a stack trace. */
    static final class UserError extends RuntimeException {
        UserError(String message) {
            super(message);
        }
    }
}
