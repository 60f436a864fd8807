package io.netwatch.agent.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.agent.inspect.Inspector;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.inspect.signature.Suppression;
import io.netwatch.agent.inspect.signature.Threshold;
import io.netwatch.common.metrics.FunctionMeters;

/** The signature rules in force, their reloads and tuning, and the alerts they raised, suppressed or held back. */
public final class SignatureMetrics implements MeterBinder {
    private final Signatures signatures;
    private final Inspector inspector;

    public SignatureMetrics(Signatures signatures, Inspector inspector) {
        this.signatures = signatures;
        this.inspector = inspector;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionMeters meters = new FunctionMeters(registry);
        meters.gauge("netwatch.signature.rules", signatures, s -> s.current().size(), "Signature rules in force");
        meters.gauge("netwatch.signature.rule.errors", signatures, s -> s.lastLoad().errors().size(),
                "Rules refused by the last load (see the agent's log for file, line and reason)");
        meters.counter("netwatch.signature.reloads", signatures, Signatures::reloads,
                "Rule reloads that put a new set in force");
        meters.counter("netwatch.signature.failed.reloads", signatures, Signatures::failedReloads,
                "Rule reloads that could not read the files (the previous set stayed)");
        Gauge.builder("netwatch.signature.automaton", signatures, s -> s.current().memoryBytes()).baseUnit("bytes")
                .description("Memory of the rules' pattern automata").register(registry);
        meters.counter("netwatch.signature.alerts", inspector, Inspector::alerts,
                "Signature alerts (each rule at most once per flow)");
        for (Suppression.Track t : Suppression.Track.values()) {
            meters.counter("netwatch.signature.suppressed", signatures, s -> s.suppressed(t),
                    "Signature alerts not raised because a suppress line of the threshold file covers them, by"
                            + " the line's track (rule: the whole rule)", "reason", t.label());
        }
        meters.gauge("netwatch.signature.suppressions", signatures, s -> s.suppressions().size(),
                "Suppress lines of the threshold file in force");
        for (Threshold.Type t : Threshold.Type.values()) {
            meters.counter("netwatch.signature.thresholded", inspector, i -> i.thresholds().heldBack(t),
                    "Signature matches whose alert a threshold held back (a rule's threshold or detection_filter, or"
                            + " a threshold line of the threshold file), by its type; each flow counts once",
                    "type", t.label());
        }
        meters.gauge("netwatch.signature.thresholds", signatures, s -> s.thresholds().size(),
                "Threshold and event_filter lines of the threshold file in force");
        meters.gauge("netwatch.signature.threshold.entries", inspector, i -> i.thresholds().size(),
                "Counts thresholds keep now, one per rule and tracked address (rules.threshold_entries at most)");
        meters.counter("netwatch.signature.threshold.evictions", inspector, i -> i.thresholds().evictions(),
                "Threshold counts forgotten, their window still open, to make room for others at "
                        + "rules.threshold_entries: that key's count starts again");
        meters.gauge("netwatch.signature.tuning.errors", signatures, s -> s.lastLoad().tuningErrors().size(),
                "Threshold lines refused or overridden by another, and disabled, suppressed or thresholded sids that"
                        + " name no loaded rule, by the last load (see the agent's log for file, line and reason)");
        meters.counter("netwatch.signature.verify.giveups", signatures, Signatures::verifyGiveUps,
                "Rule checks abandoned at their work bound (hostile input); the rule did not match");
        meters.counter("netwatch.signature.armed.overflows", signatures, Signatures::armedOverflows,
                "Rules whose fast pattern was found but not checked again for their other contents: 32 others "
                        + "already waited in that direction of the flow (decoys, or hostile input)");
    }
}
