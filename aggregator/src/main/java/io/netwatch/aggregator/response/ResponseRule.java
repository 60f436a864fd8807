package io.netwatch.aggregator.response;

import io.netwatch.proto.anomaly.v1.Severity;
import java.time.Duration;
import java.util.Set;

/**
 * Which offenses lead to which action: any of {@code types} (empty matches every type), at
 * least {@code minSeverity} and {@code minConfidence}.
 *
 * @param name          shown in the audit
 * @param ttl           the block's time to live; null takes the configured default
 */
public record ResponseRule(String name, Set<String> types, Severity minSeverity, double minConfidence,
                           BlockAction action, Duration ttl) {
    /** The shortest time to live an agent accepts (docs/blocking.md, "Commands, answers and dry runs"). */
    public static final Duration MIN_TTL = Duration.ofSeconds(1);

    public ResponseRule {
        types = Set.copyOf(types);
        if (minConfidence < 0 || minConfidence > 1 || Double.isNaN(minConfidence)) {
            throw new IllegalArgumentException("min_confidence must be in [0, 1], got " + minConfidence);
        }
        if (action == null || minSeverity == null || minSeverity == Severity.UNRECOGNIZED) {
            throw new IllegalArgumentException("a rule needs an action and a minimum severity");
        }
        if (ttl != null && ttl.compareTo(MIN_TTL) < 0) {
            throw new IllegalArgumentException("rule '" + name + "': ttl must be at least 1 s (an agent refuses less),"
                    + " got " + ttl);
        }
    }

    boolean matches(Offense o) {
        return (types.isEmpty() || types.stream().anyMatch(o.types()::contains))
                && o.severity().getNumber() >= minSeverity.getNumber()
                && o.confidence() >= minConfidence;
    }
}
