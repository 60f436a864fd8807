package io.netwatch.aggregator.alert;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.common.metrics.FunctionMeters;
import java.util.Collection;

/**
 * Alerting: notifications sent, failed and dropped by sink (the receiver's name from the
 * alerts file and its type, a set the operator fixes), queue depth by sink, and what the
 * router and the anomaly adapter took, muted, merged or had to let go.
 */
public final class AlertMetrics implements MeterBinder {
    private final AnomalyAlerts adapter;
    private final AlertRouter router;
    private final Collection<SinkQueue> queues;

    public AlertMetrics(AnomalyAlerts adapter, AlertRouter router, Collection<SinkQueue> queues) {
        this.adapter = adapter;
        this.router = router;
        this.queues = queues;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionMeters meters = new FunctionMeters(registry);
        for (SinkQueue q : queues) {
            meters.counter("netwatch.alerts.sent", q, SinkQueue::sent, "Notifications the receiving service accepted",
                    "sink", q.name(), "type", q.type());
            meters.counter("netwatch.alerts.failed", q, SinkQueue::failed,
                    "Notifications given up on: refused (4xx) or still failing after every retry", "sink", q.name(),
                    "type", q.type());
            meters.counter("netwatch.alerts.retries", q, SinkQueue::retried,
                    "Attempts retried after a timeout, 429 or 5xx", "sink", q.name(), "type", q.type());
            for (SinkQueue.Drop why : SinkQueue.Drop.values()) {
                meters.counter("netwatch.alerts.dropped", q, s -> s.dropped(why),
                        "Notifications not sent: queue full, rate limit, or left queued at shutdown", "sink", q.name(),
                        "type", q.type(), "reason", why.label());
            }
            meters.gauge("netwatch.alerts.queue.depth", q, SinkQueue::depth, "Notifications waiting to be sent",
                    "sink", q.name(), "type", q.type());
        }
        meters.counter("netwatch.alerts.events", router, AlertRouter::received,
                "Alert events (firing, resolved) handed to the router");
        meters.counter("netwatch.alerts.events.dropped", router, AlertRouter::inboxDropped,
                "Alert events dropped because the router's inbox was full");
        meters.counter("netwatch.alerts.events.coalesced", router, AlertRouter::coalesced,
                "Alert events that replaced an earlier event of the same alert still waiting in the router's inbox");
        meters.counter("netwatch.alerts.silenced", router, AlertRouter::silenced,
                "Firing alert events muted by a silence");
        meters.counter("netwatch.alerts.silenced.forgotten", router, AlertRouter::mutedForgotten,
                "Muted firing alerts forgotten because the most were kept: not told when their silence ends");
        meters.counter("netwatch.alerts.deduplicated", router, AlertRouter::deduplicated,
                "Alert events that repeated an alert's state (counted when its group ends)");
        meters.counter("netwatch.alerts.notifications", router, AlertRouter::notifications,
                "Notifications the router made (grouped, before each sink's rate limit and queue)");
        meters.gauge("netwatch.alerts.groups", router, AlertRouter::groups, "Alert groups open in the router");
        meters.counter("netwatch.alerts.groups.evicted", router, AlertRouter::groupsEvicted,
                "Alert groups ended early because the most groups were open (none that told a service of a firing alert)");
        meters.counter("netwatch.alerts.groups.refused", router, AlertRouter::groupsRefused,
                "Firing alert events not grouped: the most groups were open and each had told a service of a firing alert");
        meters.counter("netwatch.alerts.group.overflow", router, AlertRouter::overflow,
                "Alerts not kept because their group held the most alerts");
        meters.gauge("netwatch.alerts.open", adapter, AnomalyAlerts::open,
                "Alerts made from anomalies that are firing");
        meters.counter("netwatch.alerts.open.evicted", adapter, AnomalyAlerts::evicted,
                "Alerts from anomalies resolved early because the most were open");
    }
}
