package io.netwatch.cli;

import io.netwatch.agent.inspect.signature.RuleVariables;
import io.netwatch.agent.inspect.signature.RulesConfig;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.cli.config.ConfigValues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/** The signature-rule options shared by {@code agent} and {@code inspect}. */
final class RuleOptions {
    @Option(names = "--rules", paramLabel = "PATH",
            description = "Signature rules: a file, or a directory of *.rules files (Suricata syntax, see "
                    + "docs/signatures.md). Repeatable; added to the bundled rules.")
    List<Path> paths = List.of();

    @Option(names = "--no-default-rules", description = "Leave out the bundled rules.")
    boolean noDefaults;

    @Option(names = "--rule-payload-depth",
            description = "Payload bytes matched per direction of a flow (default: " + Signatures.DEFAULT_PAYLOAD_DEPTH
                    + ").")
    Integer payloadDepth;

    RulesConfig config(Duration reload) {
        try {
            return new RulesConfig(paths, !noDefaults, reload,
                    payloadDepth == null ? Signatures.DEFAULT_PAYLOAD_DEPTH : payloadDepth, RuleVariables.defaults());
        } catch (IllegalArgumentException e) {
            // Named by the option that set it (found in review: the message named no option).
            throw new NetwatchMain.UserError(e.getMessage().startsWith("rule payload depth")
                    ? "--rule-payload-depth: " + e.getMessage() : e.getMessage());
        }
    }

    /** The options the user gave, over the agent's configuration (rules.*): {@code --rules} replaces rules.paths. */
    void applyTo(ConfigValues v) {
        v.option(AgentSettings.RULE_PATHS, "--rules", paths.isEmpty() ? null : paths)
                .option(AgentSettings.BUNDLED, "--no-default-rules", noDefaults ? false : null)
                .option(AgentSettings.PAYLOAD_DEPTH, "--rule-payload-depth", payloadDepth);
    }
}
