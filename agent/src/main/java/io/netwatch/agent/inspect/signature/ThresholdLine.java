package io.netwatch.agent.inspect.signature;

import java.util.Objects;

/**
 * One {@code threshold} or {@code event_filter} line of a Suricata threshold.config (the two
 * mean the same): the threshold a rule's alerts follow in place of its own keyword, or, for
 * {@code sig_id 0}, that of every rule without a keyword. Immutable.
 *
 * @param sid       the rule's sid; 0 for every rule without a threshold or detection_filter of its own
 * @param threshold how often the rule may alert
 * @param source    the file the line is in
 * @param line      1-based line where it starts
 */
public record ThresholdLine(int sid, Threshold threshold, String source, int line)
        implements ThresholdParser.Line {
    public ThresholdLine {
        Objects.requireNonNull(threshold, "threshold");
        Objects.requireNonNull(source, "source");
        if (sid < 0) {
            throw new IllegalArgumentException("sid must not be negative");
        }
        if (threshold.type() == Threshold.Type.DETECTION_FILTER) {
            throw new IllegalArgumentException("a threshold.config line has no detection_filter type");
        }
    }
}
