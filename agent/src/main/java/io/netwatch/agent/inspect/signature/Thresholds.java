package io.netwatch.agent.inspect.signature;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * The threshold lines in force, and which threshold a rule's alerts follow, as Suricata
 * settles it: a line naming the rule's sid (the last such line of the file) replaces the
 * rule's own {@code threshold} or {@code detection_filter}; a rule without either follows the
 * file's first {@code sig_id 0} line. Only asked once a rule has matched, never on the packet
 * path. Immutable; a reload builds a new one.
 */
public final class Thresholds {
    public static final Thresholds NONE = new Thresholds(List.of());

    private final List<ThresholdLine> all;
    /** The sids some line names, ascending; {@link #bySid}{@code [i]} is the one in force for {@code sids[i]}. */
    private final int[] sids;
    private final Threshold[] bySid;
    /** The first {@code sig_id 0} line's threshold, or null. */
    private final Threshold everyRule;
    /** The lines another line of the file overrides: a later one for the same sid, or a first sig_id 0 line. */
    private final List<Overridden> overridden;

    /** A line that has no effect because {@code by} is the one in force for its sid. */
    public record Overridden(ThresholdLine line, ThresholdLine by) {
    }

    private Thresholds(List<ThresholdLine> lines) {
        this.all = List.copyOf(lines);
        TreeMap<Integer, ThresholdLine> last = new TreeMap<>();
        ThresholdLine firstEvery = null;
        List<Overridden> over = new ArrayList<>();
        for (ThresholdLine l : all) {
            if (l.sid() == 0) {
                // Suricata puts a sig_id 0 threshold on each rule that has none yet: the first line wins.
                if (firstEvery == null) {
                    firstEvery = l;
                } else {
                    over.add(new Overridden(l, firstEvery));
                }
            } else {
                // A line for a sid replaces the threshold the rule had, an earlier line's too: the last wins.
                ThresholdLine before = last.put(l.sid(), l);
                if (before != null) {
                    over.add(new Overridden(before, l));
                }
            }
        }
        sids = last.keySet().stream().mapToInt(Integer::intValue).toArray();
        bySid = last.values().stream().map(ThresholdLine::threshold).toArray(Threshold[]::new);
        everyRule = firstEvery == null ? null : firstEvery.threshold();
        overridden = List.copyOf(over);
    }

    public static Thresholds of(List<ThresholdLine> lines) {
        return lines.isEmpty() ? NONE : new Thresholds(lines);
    }

    /** The lines, in file order. */
    public List<ThresholdLine> lines() {
        return all;
    }

    public int size() {
        return all.size();
    }

    /** The lines that have no effect because another line of the file is in force for their sid. */
    public List<Overridden> overridden() {
        return overridden;
    }

    /**
     * The threshold {@code rule}'s alerts follow now, or null when none does (most rules, and
     * every rule when no threshold is configured: then this costs two reads).
     */
    public Threshold forRule(Rule rule) {
        if (sids.length > 0) {
            int i = Arrays.binarySearch(sids, rule.sid());
            if (i >= 0) {
                return bySid[i];
            }
        }
        Threshold own = rule.threshold();
        return own != null ? own : everyRule;
    }
}
