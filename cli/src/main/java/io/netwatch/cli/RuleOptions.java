package io.netwatch.cli;

import io.netwatch.agent.inspect.signature.RulesConfig;
import io.netwatch.agent.inspect.signature.Signatures;
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

    @Option(names = "--rule-payload-depth", defaultValue = "" + Signatures.DEFAULT_PAYLOAD_DEPTH,
            description = "Payload bytes matched per direction of a flow (default: ${DEFAULT-VALUE}).")
    int payloadDepth;

    RulesConfig config(Duration reload) {
        try {
            return new RulesConfig(paths, !noDefaults, reload, payloadDepth);
        } catch (IllegalArgumentException e) {
            throw new NetwatchMain.UserError(e.getMessage());
        }
    }
}
