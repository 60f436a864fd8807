package io.netwatch.agent.inspect.signature;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * How the user tunes the rules without editing them, as Suricata users do: sids left out of
 * every load (suricata-update's disable.conf), and a threshold.config whose suppress lines
 * silence alerts and whose threshold lines limit how often a rule alerts, reloaded with the
 * rule files.
 *
 * @param disabledSids     sids of rules not loaded, bundled or from files
 * @param thresholdFile    a threshold.config, or null for none
 * @param thresholdEntries the counts thresholds keep at most ({@link ThresholdTable}): rules'
 *                         threshold keywords' as well as the file's
 */
public record RuleTuning(List<Integer> disabledSids, Path thresholdFile, int thresholdEntries) {
    public static final RuleTuning NONE = new RuleTuning(List.of(), null);
    /** The name a disabled sid that no rule has is reported under: the agent's key, which its option sets. */
    public static final String DISABLED_NAME = "rules.disabled_sids";

    public RuleTuning {
        if (thresholdEntries < 1 || thresholdEntries > ThresholdTable.MAX_ENTRIES) {
            throw new IllegalArgumentException("threshold entries must be 1 to " + ThresholdTable.MAX_ENTRIES
                    + ", not " + thresholdEntries);
        }
        for (int sid : disabledSids) {
            if (sid <= 0) {
                throw new IllegalArgumentException("a disabled sid must be a positive number, not " + sid);
            }
        }
        // Each once, in the order given, so that a report names each once.
        disabledSids = List.copyOf(new LinkedHashSet<>(disabledSids));
    }

    /** These sids disabled and this threshold file, its counts bounded by {@link ThresholdTable#DEFAULT_MAX_ENTRIES}. */
    public RuleTuning(List<Integer> disabledSids, Path thresholdFile) {
        this(disabledSids, thresholdFile, ThresholdTable.DEFAULT_MAX_ENTRIES);
    }
}
