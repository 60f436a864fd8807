package io.netwatch.aggregator.alert;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
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
        for (SinkQueue q : queues) {
            FunctionCounter.builder("netwatch.alerts.sent", q, SinkQueue::sent).tags("sink", q.name(), "type", q.type())
                    .description("Notifications the receiving service accepted").register(registry);
            FunctionCounter.builder("netwatch.alerts.failed", q, SinkQueue::failed)
                    .tags("sink", q.name(), "type", q.type())
                    .description("Notifications given up on: refused (4xx) or still failing after every retry")
                    .register(registry);
            FunctionCounter.builder("netwatch.alerts.retries", q, SinkQueue::retried)
                    .tags("sink", q.name(), "type", q.type())
                    .description("Attempts retried after a timeout, 429 or 5xx").register(registry);
            for (SinkQueue.Drop why : SinkQueue.Drop.values()) {
                FunctionCounter.builder("netwatch.alerts.dropped", q, s -> s.dropped(why))
                        .tags("sink", q.name(), "type", q.type(), "reason", why.label())
                        .description("Notifications not sent: queue full, rate limit, or left queued at shutdown")
                        .register(registry);
            }
            Gauge.builder("netwatch.alerts.queue.depth", q, SinkQueue::depth).tags("sink", q.name(), "type", q.type())
                    .description("Notifications waiting to be sent").register(registry);
        }
        FunctionCounter.builder("netwatch.alerts.events", router, AlertRouter::received)
                .description("Alert events (firing, resolved) handed to the router").register(registry);
        FunctionCounter.builder("netwatch.alerts.events.dropped", router, AlertRouter::inboxDropped)
                .description("Alert events dropped because the router's inbox was full").register(registry);
        FunctionCounter.builder("netwatch.alerts.silenced", router, AlertRouter::silenced)
                .description("Firing alert events muted by a silence").register(registry);
        FunctionCounter.builder("netwatch.alerts.deduplicated", router, AlertRouter::deduplicated)
                .description("Alert events that repeated an alert's state (counted when its group ends)")
                .register(registry);
        FunctionCounter.builder("netwatch.alerts.notifications", router, AlertRouter::notifications)
                .description("Notifications the router made (grouped, before each sink's rate limit and queue)")
                .register(registry);
        Gauge.builder("netwatch.alerts.groups", router, AlertRouter::groups)
                .description("Alert groups open in the router").register(registry);
        FunctionCounter.builder("netwatch.alerts.groups.evicted", router, AlertRouter::groupsEvicted)
                .description("Alert groups ended early because the most groups were open").register(registry);
        FunctionCounter.builder("netwatch.alerts.group.overflow", router, AlertRouter::overflow)
                .description("Alerts not kept because their group held the most alerts").register(registry);
        Gauge.builder("netwatch.alerts.open", adapter, AnomalyAlerts::open)
                .description("Alerts made from anomalies that are firing").register(registry);
        FunctionCounter.builder("netwatch.alerts.open.evicted", adapter, AnomalyAlerts::evicted)
                .description("Alerts from anomalies resolved early because the most were open").register(registry);
    }
}
