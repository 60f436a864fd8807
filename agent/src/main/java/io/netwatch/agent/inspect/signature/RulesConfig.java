package io.netwatch.agent.inspect.signature;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Which signature rules the agent runs and how it follows changes to them.
 *
 * @param paths        rule files, or directories whose {@code *.rules} files are read
 * @param bundled      include the bundled default rules
 * @param reload       how often the files are checked for changes; zero turns reloading off
 * @param payloadDepth payload bytes matched per direction of a flow
 * @param variables    the {@code $HOME_NET}, {@code $HTTP_PORTS}, ... every load and reload reads rules with
 *                     (and threshold lines' addresses)
 * @param tuning       the sids disabled and the threshold file
 */
public record RulesConfig(List<Path> paths, boolean bundled, Duration reload, int payloadDepth,
                          RuleVariables variables, RuleTuning tuning) {
    public RulesConfig {
        paths = List.copyOf(paths);
        Objects.requireNonNull(tuning, "tuning");
        if (reload.isNegative()) {
            throw new IllegalArgumentException("rules reload interval must not be negative");
        }
        if (payloadDepth < 64 || payloadDepth > (1 << 20)) {
            throw new IllegalArgumentException("rule payload depth must be 64 bytes to 1 MiB, not " + payloadDepth);
        }
        // Refused here, naming the variable, rather than as a refusal of every rule that uses it.
        Objects.requireNonNull(variables, "variables").validate();
    }

    /** Rules as given, none disabled and no threshold file. */
    public RulesConfig(List<Path> paths, boolean bundled, Duration reload, int payloadDepth, RuleVariables variables) {
        this(paths, bundled, reload, payloadDepth, variables, RuleTuning.NONE);
    }

    /** The bundled rules only, checked every 10 s (no files to check), with Suricata's default variables. */
    public static RulesConfig defaults() {
        return new RulesConfig(List.of(), true, Duration.ofSeconds(10), Signatures.DEFAULT_PAYLOAD_DEPTH,
                RuleVariables.defaults());
    }

    /** True when some file can change while the agent runs: rule paths, or a threshold file. */
    public boolean hasFiles() {
        return !paths.isEmpty() || tuning.thresholdFile() != null;
    }

    /** Loads the rules; throws {@link IllegalArgumentException} naming a path that cannot be read. */
    public Signatures load() {
        return Signatures.load(paths, bundled, variables, payloadDepth, tuning);
    }
}
