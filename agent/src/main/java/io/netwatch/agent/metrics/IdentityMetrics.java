package io.netwatch.agent.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.agent.export.FlowStreamer;
import io.netwatch.agent.identity.FlowIdentities;
import io.netwatch.agent.identity.IdentityCache;
import io.netwatch.agent.identity.IdentityUpdates;

/** The agent's copy of the aggregator's identities: its size, the updates applied, what was skipped. */
public final class IdentityMetrics implements MeterBinder {
    private final IdentityUpdates updates;
    private final FlowIdentities labels;
    private final FlowStreamer streamer;

    public IdentityMetrics(IdentityUpdates updates, FlowIdentities labels, FlowStreamer streamer) {
        this.updates = updates;
        this.labels = labels;
        this.streamer = streamer;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        IdentityCache cache = updates.cache();
        Gauge.builder("netwatch.identity.cache.entries", cache, IdentityCache::size)
                .description("Addresses in the agent's copy of the aggregator's identities").register(registry);
        Gauge.builder("netwatch.identity.cache.capacity", cache, IdentityCache::maxEntries)
                .description("Most addresses the copy holds (--identity-cache-size)").register(registry);
        FunctionCounter.builder("netwatch.identity.cache.evicted", cache, IdentityCache::evicted)
                .description("Addresses pushed out of the full copy by newer ones (least recently used first)")
                .register(registry);
        FunctionCounter.builder("netwatch.identity.cache.refused", cache, IdentityCache::refused)
                .description("Snapshot entries left out because the snapshot was larger than the copy's bound")
                .register(registry);
        FunctionCounter.builder("netwatch.identity.updates", updates, IdentityUpdates::snapshots)
                .tag("kind", "snapshot").description("Identity updates applied").register(registry);
        FunctionCounter.builder("netwatch.identity.updates", updates, IdentityUpdates::deltas)
                .tag("kind", "incremental").description("Identity updates applied").register(registry);
        FunctionCounter.builder("netwatch.identity.entries", updates, IdentityUpdates::upserts)
                .tag("change", "upsert").description("Addresses changed by incremental updates").register(registry);
        FunctionCounter.builder("netwatch.identity.entries", updates, IdentityUpdates::removals)
                .tag("change", "removal").description("Addresses changed by incremental updates").register(registry);
        for (IdentityUpdates.Problem p : IdentityUpdates.Problem.values()) {
            FunctionCounter.builder("netwatch.identity.malformed", updates, u -> u.problems(p))
                    .tag("reason", p.label())
                    .description("Identity updates or entries skipped because they were malformed or too large")
                    .register(registry);
        }
        FunctionCounter.builder("netwatch.identity.failures", streamer, FlowStreamer::identityFailures)
                .description("Identity updates that failed unexpectedly (skipped)").register(registry);
        FunctionCounter.builder("netwatch.identity.flow.ends", labels, FlowIdentities::labelled)
                .tag("outcome", "labelled").description("Exported flow ends looked up in the copy").register(registry);
        FunctionCounter.builder("netwatch.identity.flow.ends", labels, FlowIdentities::unknown)
                .tag("outcome", "unknown").description("Exported flow ends looked up in the copy").register(registry);
    }
}
