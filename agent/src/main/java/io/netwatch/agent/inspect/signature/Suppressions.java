package io.netwatch.agent.inspect.signature;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * The suppressions in force, by sid. Only asked once a rule has matched, never on the packet
 * path: an alert costs a binary search over the sids some line names, and a check of those
 * lines' addresses. Immutable; a reload builds a new one.
 */
public final class Suppressions {
    public static final Suppressions NONE = new Suppressions(List.of());

    private final List<Suppression> all;
    /** The sids some line names, ascending; {@link #bySid}{@code [i]} holds the lines of {@code sids[i]}. */
    private final int[] sids;
    /** Per sid, its whole-rule lines first (so that such an alert counts as one of the rule), then in file order. */
    private final Suppression[][] bySid;
    /** The {@code sig_id 0} lines, which apply to every rule, in file order. */
    private final Suppression[] everyRule;

    private Suppressions(List<Suppression> lines) {
        this.all = List.copyOf(lines);
        TreeMap<Integer, List<Suppression>> by = new TreeMap<>();
        List<Suppression> every = new ArrayList<>();
        for (Suppression s : all) {
            if (s.sid() == 0) {
                every.add(s);
            } else {
                by.computeIfAbsent(s.sid(), k -> new ArrayList<>()).add(s);
            }
        }
        sids = by.keySet().stream().mapToInt(Integer::intValue).toArray();
        Comparator<Suppression> wholeFirst = Comparator.comparing(s -> s.track() != Suppression.Track.RULE);
        bySid = by.values().stream().map(l -> l.stream().sorted(wholeFirst).toArray(Suppression[]::new))
                .toArray(Suppression[][]::new);
        everyRule = every.toArray(Suppression[]::new);
    }

    public static Suppressions of(List<Suppression> lines) {
        return lines.isEmpty() ? NONE : new Suppressions(lines);
    }

    /** The lines, in file order. */
    public List<Suppression> lines() {
        return all;
    }

    public int size() {
        return all.size();
    }

    /**
     * The line that suppresses an alert of rule {@code sid} whose matched bytes went as {@code m}
     * says, or null when none does.
     */
    Suppression match(int sid, MatchContext m) {
        if (all.isEmpty()) {
            return null;
        }
        int i = Arrays.binarySearch(sids, sid);
        if (i >= 0) {
            for (Suppression s : bySid[i]) {
                if (s.applies(m)) {
                    return s;
                }
            }
        }
        for (Suppression s : everyRule) {
            if (s.applies(m)) {
                return s;
            }
        }
        return null;
    }
}
