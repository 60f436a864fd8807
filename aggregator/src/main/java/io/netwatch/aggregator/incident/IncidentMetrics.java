package io.netwatch.aggregator.incident;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.common.metrics.AnomalyCounts;
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
        IncidentCounters c = tracker.counters();
        Gauge.builder("netwatch.incidents.open", tracker, IncidentTracker::openCount)
                .description("Incidents open now").register(registry);
        Gauge.builder("netwatch.incidents.resolved.kept", tracker, IncidentTracker::resolvedCount)
                .description("Resolved incidents kept for the query API").register(registry);
        for (Family f : Family.values()) {
            for (Severity s : AnomalyCounts.severities()) {
                FunctionCounter.builder("netwatch.incidents.opened", c, x -> x.opened(f, s))
                        .tags("family", f.label(), "severity", AnomalyCounts.label(s))
                        .description("Incidents opened, by family and the severity they opened with")
                        .register(registry);
                FunctionCounter.builder("netwatch.incidents.resolved", c, x -> x.resolved(f, s))
                        .tags("family", f.label(), "severity", AnomalyCounts.label(s))
                        .description("Incidents resolved (quiet or evicted), by family and final severity")
                        .register(registry);
            }
        }
        counter(registry, "netwatch.incidents.evicted", c, IncidentCounters::evicted,
                "Open incidents resolved early because incidents.max_open was reached");
        counter(registry, "netwatch.incidents.forgotten", c, IncidentCounters::forgotten,
                "Resolved incidents dropped from the history (incidents.max_resolved)");
        counter(registry, "netwatch.incidents.resent.anomalies", c, IncidentCounters::resent,
                "Anomalies taken again under the same node and id (an agent's resend), not counted twice");
        counter(registry, "netwatch.incidents.duplicate.anomalies", c, IncidentCounters::duplicates,
                "Anomalies with the same evidence as one already counted (another node's view of it)");
        counter(registry, "netwatch.incidents.dropped", c, IncidentCounters::dropped,
                "Anomalies and flows the incident worker had no room for (its backlog was full)");
        counter(registry, "netwatch.incidents.listener.failures", c, IncidentCounters::listenerFailures,
                "Calls to incident listeners (alerts, blocking, followers) that threw");
        counter(registry, "netwatch.beaconing.flows", c, IncidentCounters::beaconFlows,
                "Flow records judged by the beaconing detector");
        counter(registry, "netwatch.beaconing.evicted.pairs", c, IncidentCounters::beaconPairsEvicted,
                "Actor/peer pairs the beaconing detector forgot because beaconing.max_pairs was reached");
    }

    private static void counter(MeterRegistry registry, String name, IncidentCounters c,
                                java.util.function.ToDoubleFunction<IncidentCounters> f, String description) {
        FunctionCounter.builder(name, c, f).description(description).register(registry);
    }
}
