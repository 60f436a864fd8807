package io.netwatch.aggregator.incident;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.common.metrics.AnomalyCounts;
import io.netwatch.common.metrics.FunctionMeters;
import io.netwatch.proto.anomaly.v1.Severity;

/**
 * Incident tracking and the {@code beaconing} detector: incidents open, opened and resolved by
 * family and severity (a fixed set of label values), what was evicted, dropped or deduplicated.
 */
public final class IncidentMetrics implements MeterBinder {
    private final IncidentTracker tracker;

    public IncidentMetrics(IncidentTracker tracker) {
        this.tracker = tracker;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionMeters meters = new FunctionMeters(registry);
        IncidentCounters c = tracker.counters();
        meters.gauge("netwatch.incidents.open", tracker, IncidentTracker::openCount, "Incidents open now");
        meters.gauge("netwatch.incidents.resolved.kept", tracker, IncidentTracker::resolvedCount,
                "Resolved incidents kept for the query API");
        for (Family f : Family.values()) {
            for (Severity s : AnomalyCounts.severities()) {
                meters.counter("netwatch.incidents.opened", c, x -> x.opened(f, s),
                        "Incidents opened, by family and the severity they opened with", "family", f.label(),
                        "severity", AnomalyCounts.label(s));
                meters.counter("netwatch.incidents.resolved", c, x -> x.resolved(f, s),
                        "Incidents resolved (quiet or evicted), by family and final severity", "family", f.label(),
                        "severity", AnomalyCounts.label(s));
            }
        }
        meters.counter("netwatch.incidents.evicted", c, IncidentCounters::evicted,
                "Open incidents resolved early because incidents.max_open was reached");
        meters.counter("netwatch.incidents.forgotten", c, IncidentCounters::forgotten,
                "Resolved incidents dropped from the history (incidents.max_resolved)");
        meters.counter("netwatch.incidents.resent.anomalies", c, IncidentCounters::resent,
                "Anomalies taken again under the same node and id (an agent's resend), not counted twice");
        meters.counter("netwatch.incidents.duplicate.anomalies", c, IncidentCounters::duplicates,
                "Anomalies with the same evidence as one already counted (another node's view of it)");
        meters.counter("netwatch.incidents.dropped", c, IncidentCounters::dropped,
                "Anomalies and flows the incident worker had no room for (its backlog was full)");
        meters.counter("netwatch.incidents.listener.failures", c, IncidentCounters::listenerFailures,
                "Calls to incident listeners (alerts, blocking, followers) that threw");
        meters.counter("netwatch.beaconing.flows", c, IncidentCounters::beaconFlows,
                "Flow records judged by the beaconing detector");
        meters.counter("netwatch.beaconing.evicted.pairs", c, IncidentCounters::beaconPairsEvicted,
                "Actor/peer pairs the beaconing detector forgot because beaconing.max_pairs was reached");
    }
}
