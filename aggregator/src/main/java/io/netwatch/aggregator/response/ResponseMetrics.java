package io.netwatch.aggregator.response;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.aggregator.response.ResponseCounters.Command;
import io.netwatch.aggregator.response.ResponseCounters.Ended;
import io.netwatch.aggregator.response.ResponseCounters.Ignored;
import io.netwatch.aggregator.response.ResponseCounters.Outcome;
import io.netwatch.common.metrics.FunctionMeters;
import io.netwatch.proto.query.v1.BlockState;
import java.util.Locale;

/** Meters of the response stage. Tags are fixed sets (actions, outcomes, guardrails, states): never an address or pod. */
public final class ResponseMetrics implements MeterBinder {
    private final Response response;
    private final HandshakeWitness witness;
    private final KubernetesEvents events;

    ResponseMetrics(Response response, HandshakeWitness witness, KubernetesEvents events) {
        this.response = response;
        this.witness = witness;
        this.events = events;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionMeters meters = new FunctionMeters(registry);
        ResponseCounters c = response.counters();
        for (BlockAction a : BlockAction.values()) {
            for (Outcome o : Outcome.values()) {
                decisions(meters, a, o.name().toLowerCase(Locale.ROOT), "none", x -> x.decisions(a, o));
            }
            for (Refusal r : Refusal.values()) {
                decisions(meters, a, "refused", r.label(), x -> x.refusals(a, r));
            }
        }
        for (Ignored i : Ignored.values()) {
            meters.counter("netwatch.response.offenses.ignored", c, x -> x.ignored(i),
                    "Offenses that led to no decision: no rule, already blocked, malformed, queue full",
                    "reason", i.name().toLowerCase(Locale.ROOT));
        }
        for (Command k : Command.values()) {
            meters.counter("netwatch.response.commands", c, x -> x.commands(k),
                    "Block and unblock commands to the agents and their answers, by outcome",
                    "outcome", k.name().toLowerCase(Locale.ROOT));
        }
        for (Ended e : Ended.values()) {
            meters.counter("netwatch.response.blocks.ended", c, x -> x.ended(e), "Blocks that ended, by how",
                    "how", e.name().toLowerCase(Locale.ROOT));
        }
        for (BlockState s : new BlockState[] {BlockState.BLOCK_STATE_PENDING, BlockState.BLOCK_STATE_ACTIVE,
                BlockState.BLOCK_STATE_FAILED, BlockState.BLOCK_STATE_WOULD_BLOCK}) {
            meters.gauge("netwatch.response.blocks.live", response, r -> r.live(s),
                    "Live blocks' per-node states (a dry-run block counts once as would_block)",
                    "state", s.name().substring("BLOCK_STATE_".length()).toLowerCase(Locale.ROOT));
        }
        meters.counter("netwatch.response.audit.dropped", response, r -> r.auditLog().dropped(),
                "Audit records dropped because the audit log was full");
        meters.counter("netwatch.response.handshakes.evicted", witness, HandshakeWitness::evicted,
                "Addresses forgotten by the handshake witness because it was full");
        if (events != null) {
            meters.counter("netwatch.response.events", events, KubernetesEvents::sent,
                    "Kubernetes Events about decisions, by outcome", "outcome", "sent");
            meters.counter("netwatch.response.events", events, KubernetesEvents::failed,
                    "Kubernetes Events about decisions, by outcome", "outcome", "failed");
            meters.counter("netwatch.response.events", events, KubernetesEvents::repeated,
                    "Kubernetes Events about decisions, by outcome", "outcome", "repeated");
            meters.counter("netwatch.response.events", events, KubernetesEvents::dropped,
                    "Kubernetes Events about decisions, by outcome", "outcome", "dropped");
        }
    }

    private void decisions(FunctionMeters meters, BlockAction a, String outcome, String reason,
                           java.util.function.ToDoubleFunction<ResponseCounters> f) {
        meters.counter("netwatch.response.decisions", response.counters(), f,
                "Block decisions by action and outcome; refusals name the guardrail", "action", a.word(),
                "outcome", outcome, "reason", reason);
    }
}
