package io.netwatch.aggregator.verdict;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.aggregator.identity.IdentityIndex;
import java.util.function.ToDoubleFunction;

/**
 * Meters of the identity and verdict stages. No per-policy, per-pod or per-address tags:
 * per-rule counts are read from {@link PolicyHits#report}.
 */
public final class VerdictMetrics implements MeterBinder {
    private final FlowVerdicts verdicts;
    private final ViolationReporter reporter;
    private final IdentityIndex index;

    public VerdictMetrics(FlowVerdicts verdicts, ViolationReporter reporter, IdentityIndex index) {
        this.verdicts = verdicts;
        this.reporter = reporter;
        this.index = index;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        flows(registry, "allowed", v -> v.stats().allowed());
        flows(registry, "denied", v -> v.stats().denied());
        flows(registry, "not_judged", v -> v.stats().notJudged());
        FunctionCounter.builder("netwatch.policy.violations", reporter, r -> r.raised())
                .description("policy_violation anomalies raised").register(registry);
        FunctionCounter.builder("netwatch.policy.violations.suppressed", reporter, r -> r.suppressed())
                .description("Violating flows counted in an open window instead of raising their own anomaly")
                .register(registry);
        Gauge.builder("netwatch.identity.addresses", index, i -> i.stats().addresses())
                .description("Addresses with an identity history").register(registry);
        FunctionCounter.builder("netwatch.identity.refused.addresses", index, i -> i.stats().refused())
                .description("Address claims refused because the index was full").register(registry);
        FunctionCounter.builder("netwatch.identity.tenures.dropped", index, i -> i.stats().tenuresDropped())
                .description("Past holders of an address dropped because its history was full").register(registry);
    }

    private void flows(MeterRegistry registry, String outcome, ToDoubleFunction<FlowVerdicts> f) {
        FunctionCounter.builder("netwatch.policy.flows", verdicts, f).tag("outcome", outcome)
                .description("Flow records judged against NetworkPolicy, by outcome").register(registry);
    }
}
