package io.netwatch.aggregator.alert;

import io.netwatch.proto.anomaly.v1.Severity;
import java.util.Set;

/**
 * Which alerts a route or a silence takes: every condition given must hold (an empty set
 * means any). Values are exact: severities by name, anomaly types, namespaces, workloads
 * as {@code Kind/name}.
 *
 * @param minSeverity at least this severity; {@link Severity#SEVERITY_UNKNOWN} for any
 */
public record AlertMatcher(Set<String> severities, Severity minSeverity, Set<String> types, Set<String> namespaces,
                           Set<String> workloads) {
    public static final AlertMatcher ANY = new AlertMatcher(Set.of(), Severity.SEVERITY_UNKNOWN, Set.of(), Set.of(),
            Set.of());

    public AlertMatcher {
        severities = Set.copyOf(severities);
        types = Set.copyOf(types);
        namespaces = Set.copyOf(namespaces);
        workloads = Set.copyOf(workloads);
    }

    public boolean matches(AlertEvent e) {
        return (severities.isEmpty() || severities.contains(e.severityName()))
                && e.severity().getNumber() >= minSeverity.getNumber()
                && (types.isEmpty() || e.types().stream().anyMatch(types::contains))
                && (namespaces.isEmpty() || namespaces.contains(e.namespace()))
                && (workloads.isEmpty() || workloads.contains(e.workload()));
    }
}
