package io.netwatch.aggregator.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.aggregator.query.QueryStreamLimit;
import io.netwatch.common.metrics.FunctionMeters;

/** Meters of the bound on streaming query calls: how many are open, how many it refused. */
public final class QueryStreamMetrics implements MeterBinder {
    private final QueryStreamLimit limit;

    public QueryStreamMetrics(QueryStreamLimit limit) {
        this.limit = limit;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionMeters meters = new FunctionMeters(registry);
        meters.gauge("netwatch.query.streams.open", limit, QueryStreamLimit::open,
                "Streaming query calls (GetFlows, GetAnomalies, GetIncidents) open now");
        meters.gauge("netwatch.query.streams.max", limit, QueryStreamLimit::max,
                "Streaming query calls the aggregator takes at once (query.max_streams)");
        meters.counter("netwatch.query.streams.refused", limit, QueryStreamLimit::refused,
                "Streaming query calls refused RESOURCE_EXHAUSTED: query.max_streams were open");
    }
}
