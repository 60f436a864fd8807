package io.netwatch.cli;

import io.netwatch.agent.inspect.signature.RuleTuning;
import io.netwatch.agent.inspect.signature.RuleVariables;
import io.netwatch.agent.inspect.signature.RulesConfig;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.cli.config.ConfigInput;
import io.netwatch.cli.config.ConfigKey;
import io.netwatch.cli.config.ConfigValues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * The signature-rule options shared by {@code agent} and {@code inspect}. Their help names no
 * configuration key, which inspect does not read; the agent's adds each one's
 * ({@link AgentCommand.SharedOptionKeys}).
 */
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

    @Option(names = "--address-group", paramLabel = "NAME=VALUE", description = ADDRESS_GROUP)
    List<String> addressGroups = List.of();

    @Option(names = "--port-group", paramLabel = "NAME=VALUE", description = PORT_GROUP)
    List<String> portGroups = List.of();

    @Option(names = "--disable-sid", paramLabel = "SID", split = ",", description = DISABLE_SID)
    List<String> disabledSids = List.of();

    @Option(names = "--threshold-file", paramLabel = "FILE", description = THRESHOLD_FILE)
    Path thresholdFile;

    static final String ADDRESS_GROUP = "A rule address group set or added over Suricata's defaults, in rule syntax, "
            + "e.g. HOME_NET=[10.0.0.0/8,100.64.0.0/10], which $EXTERNAL_NET (!$HOME_NET) follows "
            + "(docs/signatures.md). Repeatable.";
    static final String PORT_GROUP = "A rule port group set or added over Suricata's defaults, e.g. "
            + "HTTP_PORTS=[80,8080]. Repeatable.";
    static final String DISABLE_SID = "A rule's sid not to load, bundled or from a rules file (as suricata-update's "
            + "disable.conf); a sid no rule has is reported. Repeatable, or comma-separated.";
    static final String THRESHOLD_FILE = "A Suricata threshold.config whose suppress lines keep alerts from being "
            + "raised: suppress gen_id 1, sig_id SID[, track by_src|by_dst|by_either, ip ADDRESS]; and whose threshold "
            + "(or event_filter) lines limit how often a rule alerts: threshold gen_id 1, sig_id SID, type "
            + "limit|threshold|both, track by_src|by_dst|by_rule|by_both, count N, seconds T (docs/signatures.md).";

    /** @param base the variables before the groups given: the defaults, their tunnel ports following the decoder's */
    RulesConfig config(Duration reload, RuleVariables base) {
        for (Path p : paths) {
            NamedFile.requireExists("--rules: ", p, AgentSettings.RULE_PATH);
        }
        if (thresholdFile != null) {
            NamedFile.requireExists("--threshold-file: ", thresholdFile, AgentSettings.THRESHOLD);
        }
        RuleVariables vars;
        try {
            vars = variables(base, addressGroups, portGroups);
        } catch (IllegalArgumentException e) {
            throw new NetwatchMain.UserError(e.getMessage());
        }
        RuleTuning tuning;
        try {
            tuning = new RuleTuning(sids(disabledSids), thresholdFile);
        } catch (IllegalArgumentException e) {
            throw new NetwatchMain.UserError(e.getMessage());
        }
        try {
            return new RulesConfig(paths, !noDefaults, reload,
                    payloadDepth == null ? Signatures.DEFAULT_PAYLOAD_DEPTH : payloadDepth, vars, tuning);
        } catch (IllegalArgumentException e) {
            // Named by the option that set it (found in review: the message named no option).
            throw new NetwatchMain.UserError(e.getMessage().startsWith("rule payload depth")
                    ? "--rule-payload-depth: " + e.getMessage() : e.getMessage());
        }
    }

    /**
     * {@code base} (Suricata's default rule variables, their tunnel ports following the decoder's)
     * with {@code --address-group} and {@code --port-group} over them, as the agent's
     * rules.address_groups and rules.port_groups are read.
     *
     * @throws IllegalArgumentException naming the option and the group
     */
    static RuleVariables variables(RuleVariables base, List<String> addressGroups, List<String> portGroups) {
        RuleVariables vars = withGroups("--address-group", AgentSettings.ADDRESS_GROUPS, addressGroups,
                base::withAddresses);
        return withGroups("--port-group", AgentSettings.PORT_GROUPS, portGroups, vars::withPorts);
    }

    /**
     * The sids of {@code --disable-sid}, as the agent's rules.disabled_sids reads them.
     *
     * @throws IllegalArgumentException naming the option, the values and what is wrong with them
     */
    static List<Integer> sids(List<String> given) {
        ConfigInput in = ConfigInput.list(given);
        try {
            return AgentSettings.DISABLED_SIDS.type().parse(in);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--disable-sid: " + in.shown() + " " + e.getMessage(), e);
        }
    }

    private static RuleVariables withGroups(String option, ConfigKey<List<String>> key, List<String> given,
                                            Function<Map<String, String>, RuleVariables> set) {
        ConfigInput in = ConfigInput.list(given);
        List<String> assignments;
        try {
            assignments = key.type().parse(in);
        } catch (IllegalArgumentException e) {
            // As the agent says it of its option: the values, then what is wrong with them.
            throw new IllegalArgumentException(option + ": " + in.shown() + " " + e.getMessage(), e);
        }
        try {
            return set.apply(AgentSettings.groups(assignments));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    /**
     * The options the user gave, over the agent's configuration (rules.*): {@code --rules} replaces rules.paths,
     * {@code --address-group} and {@code --port-group} replace rules.address_groups and rules.port_groups,
     * {@code --disable-sid} replaces rules.disabled_sids and {@code --threshold-file} rules.threshold_file.
     */
    void applyTo(ConfigValues v) {
        v.option(AgentSettings.RULE_PATHS, "--rules", paths.isEmpty() ? null : paths)
                .option(AgentSettings.BUNDLED, "--no-default-rules", noDefaults ? false : null)
                .option(AgentSettings.PAYLOAD_DEPTH, "--rule-payload-depth", payloadDepth)
                .option(AgentSettings.ADDRESS_GROUPS, "--address-group", addressGroups.isEmpty() ? null : addressGroups)
                .option(AgentSettings.PORT_GROUPS, "--port-group", portGroups.isEmpty() ? null : portGroups)
                .option(AgentSettings.DISABLED_SIDS, "--disable-sid", disabledSids.isEmpty() ? null : disabledSids)
                .option(AgentSettings.THRESHOLD_FILE, "--threshold-file", thresholdFile);
    }
}
