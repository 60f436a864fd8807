package io.netwatch.aggregator.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.aggregator.query.PolicyQueryLimit;
import io.netwatch.common.metrics.FunctionMeters;

/** Meters of the bound on policy suggestions and simulations: how many run, how many it refused. */
public final class PolicyQueryMetrics implements MeterBinder {
    private final PolicyQueryLimit limit;

    public PolicyQueryMetrics(PolicyQueryLimit limit) {
        this.limit = limit;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionMeters meters = new FunctionMeters(registry);
        meters.gauge("netwatch.query.policy.running", limit, PolicyQueryLimit::running,
                "Policy suggestions and simulations (SuggestPolicies, SimulatePolicies) running now");
        meters.gauge("netwatch.query.policy.max", limit, PolicyQueryLimit::max,
                "Policy suggestions and simulations the aggregator runs at once (query.max_policy_queries)");
        meters.counter("netwatch.query.policy.refused", limit, PolicyQueryLimit::refused,
                "Policy suggestions and simulations refused RESOURCE_EXHAUSTED: query.max_policy_queries were running");
        meters.counter("netwatch.query.policy.overrun", limit, PolicyQueryLimit::overrun,
                "Policy suggestions and simulations ended DEADLINE_EXCEEDED: they ran past the time one is given");
    }
}
