package io.netwatch.agent.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.agent.inspect.Inspector;
import io.netwatch.agent.inspect.signature.Signatures;

/** The signature rules in force, their reloads, and the alerts they raised. */
public final class SignatureMetrics implements MeterBinder {
    private final Signatures signatures;
    private final Inspector inspector;

    public SignatureMetrics(Signatures signatures, Inspector inspector) {
        this.signatures = signatures;
        this.inspector = inspector;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("netwatch.signature.rules", signatures, s -> s.current().size())
                .description("Signature rules in force").register(registry);
        Gauge.builder("netwatch.signature.rule.errors", signatures, s -> s.lastLoad().errors().size())
                .description("Rules refused by the last load (see the agent's log for file, line and reason)")
                .register(registry);
        FunctionCounter.builder("netwatch.signature.reloads", signatures, Signatures::reloads)
                .description("Rule reloads that put a new set in force").register(registry);
        FunctionCounter.builder("netwatch.signature.failed.reloads", signatures, Signatures::failedReloads)
                .description("Rule reloads that could not read the files (the previous set stayed)").register(registry);
        Gauge.builder("netwatch.signature.automaton", signatures, s -> s.current().memoryBytes()).baseUnit("bytes")
                .description("Memory of the rules' pattern automata").register(registry);
        FunctionCounter.builder("netwatch.signature.alerts", inspector, Inspector::alerts)
                .description("Signature alerts (each rule at most once per flow)").register(registry);
        FunctionCounter.builder("netwatch.signature.verify.giveups", signatures, s -> s.current().verifyGiveUps())
                .description("Rule checks abandoned at their work bound (hostile input); the rule did not match")
                .register(registry);
    }
}
