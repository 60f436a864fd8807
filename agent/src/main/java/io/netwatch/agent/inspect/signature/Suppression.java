package io.netwatch.agent.inspect.signature;

import java.util.Locale;
import java.util.Objects;

/**
 * One {@code suppress} line of a Suricata threshold.config: the alerts of a rule (or of every
 * rule) that are not raised, all of them or those from or to some addresses. Immutable.
 *
 * @param sid       the rule's sid; 0 for every rule ({@code sig_id 0}, only with addresses)
 * @param track     which address of the alert is compared, or {@link Track#RULE} for none
 * @param addresses the addresses suppressed; {@link AddressSet#ANY} for {@link Track#RULE}
 * @param source    the file the line is in
 * @param line      1-based line where it starts
 */
public record Suppression(int sid, Track track, AddressSet addresses, String source, int line)
        implements ThresholdParser.Line {
    /**
     * Which of the alert's addresses a suppression compares, Suricata's {@code track}; its label
     * is the {@code reason} of {@code netwatch_signature_suppressed_total}.
     */
    public enum Track {
        /** No address: every alert of the rule. */
        RULE,
        /** The alert's source: the sender of the bytes that matched. */
        BY_SRC,
        /** The alert's destination. */
        BY_DST,
        /** Either address. */
        BY_EITHER;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Suppression {
        Objects.requireNonNull(track, "track");
        Objects.requireNonNull(addresses, "addresses");
        Objects.requireNonNull(source, "source");
        if (sid < 0) {
            throw new IllegalArgumentException("sid must not be negative");
        }
        if (sid == 0 && track == Track.RULE) {
            throw new IllegalArgumentException("a suppression of every rule needs addresses");
        }
    }

    /** True when this suppresses an alert whose matched bytes went as {@code m} says. */
    boolean applies(MatchContext m) {
        return switch (track) {
            case RULE -> true;
            case BY_SRC -> addresses.matches(m.srcHi, m.srcLo);
            case BY_DST -> addresses.matches(m.dstHi, m.dstLo);
            case BY_EITHER -> addresses.matches(m.srcHi, m.srcLo) || addresses.matches(m.dstHi, m.dstLo);
        };
    }
}
