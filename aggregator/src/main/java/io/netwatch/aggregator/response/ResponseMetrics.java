package io.netwatch.aggregator.response;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.aggregator.response.ResponseCounters.Command;
import io.netwatch.aggregator.response.ResponseCounters.Ended;
import io.netwatch.aggregator.response.ResponseCounters.Ignored;
import io.netwatch.aggregator.response.ResponseCounters.Outcome;
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
        ResponseCounters c = response.counters();
        for (BlockAction a : BlockAction.values()) {
            for (Outcome o : Outcome.values()) {
                decisions(registry, a, o.name().toLowerCase(Locale.ROOT), "none", x -> x.decisions(a, o));
            }
            for (Refusal r : Refusal.values()) {
                decisions(registry, a, "refused", r.label(), x -> x.refusals(a, r));
            }
        }
        for (Ignored i : Ignored.values()) {
            FunctionCounter.builder("netwatch.response.offenses.ignored", c, x -> x.ignored(i))
                    .tag("reason", i.name().toLowerCase(Locale.ROOT))
                    .description("Offenses that led to no decision: no rule, already blocked, malformed, queue full")
                    .register(registry);
        }
        for (Command k : Command.values()) {
            FunctionCounter.builder("netwatch.response.commands", c, x -> x.commands(k))
                    .tag("outcome", k.name().toLowerCase(Locale.ROOT))
                    .description("Block and unblock commands to the agents, by outcome").register(registry);
        }
        for (Ended e : Ended.values()) {
            FunctionCounter.builder("netwatch.response.blocks.ended", c, x -> x.ended(e))
                    .tag("how", e.name().toLowerCase(Locale.ROOT))
                    .description("Blocks that ended, by how").register(registry);
        }
        for (BlockState s : new BlockState[] {BlockState.BLOCK_STATE_PENDING, BlockState.BLOCK_STATE_ACTIVE,
                BlockState.BLOCK_STATE_FAILED, BlockState.BLOCK_STATE_WOULD_BLOCK}) {
            Gauge.builder("netwatch.response.blocks.live", response, r -> r.live(s))
                    .tag("state", s.name().substring("BLOCK_STATE_".length()).toLowerCase(Locale.ROOT))
                    .description("Live blocks' per-node states (a dry-run block counts once as would_block)")
                    .register(registry);
        }
        FunctionCounter.builder("netwatch.response.audit.dropped", response, r -> r.auditLog().dropped())
                .description("Audit records dropped because the audit log was full").register(registry);
        FunctionCounter.builder("netwatch.response.handshakes.evicted", witness, HandshakeWitness::evicted)
                .description("Addresses forgotten by the handshake witness because it was full").register(registry);
        if (events != null) {
            FunctionCounter.builder("netwatch.response.events", events, KubernetesEvents::sent).tag("outcome", "sent")
                    .description("Kubernetes Events about decisions, by outcome").register(registry);
            FunctionCounter.builder("netwatch.response.events", events, KubernetesEvents::failed)
                    .tag("outcome", "failed")
                    .description("Kubernetes Events about decisions, by outcome").register(registry);
        }
    }

    private void decisions(MeterRegistry registry, BlockAction a, String outcome, String reason,
                           java.util.function.ToDoubleFunction<ResponseCounters> f) {
        FunctionCounter.builder("netwatch.response.decisions", response.counters(), f).tag("action", a.word())
                .tag("outcome", outcome).tag("reason", reason)
                .description("Block decisions by action and outcome; refusals name the guardrail").register(registry);
    }
}
