package io.netwatch.agent.inspect.signature;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * How the user tunes the rules without editing them, as Suricata users do: sids left out of
 * every load (suricata-update's disable.conf), and a threshold.config whose suppress lines
 * silence alerts, reloaded with the rule files.
 *
 * @param disabledSids  sids of rules not loaded, bundled or from files
 * @param thresholdFile a threshold.config, or null for none
 */
public record RuleTuning(List<Integer> disabledSids, Path thresholdFile) {
    public static final RuleTuning NONE = new RuleTuning(List.of(), null);
    /** The name a disabled sid that no rule has is reported under: the agent's key, which its option sets. */
    public static final String DISABLED_NAME = "rules.disabled_sids";

    public RuleTuning {
        for (int sid : disabledSids) {
            if (sid <= 0) {
                throw new IllegalArgumentException("a disabled sid must be a positive number, not " + sid);
            }
        }
        // Each once, in the order given, so that a report names each once.
        disabledSids = List.copyOf(new LinkedHashSet<>(disabledSids));
    }
}
