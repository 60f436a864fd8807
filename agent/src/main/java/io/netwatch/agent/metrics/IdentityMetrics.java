package io.netwatch.agent.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.agent.export.FlowStreamer;
import io.netwatch.agent.identity.FlowIdentities;
import io.netwatch.agent.identity.IdentityCache;
import io.netwatch.agent.identity.IdentityUpdates;
import io.netwatch.common.metrics.FunctionMeters;

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
        FunctionMeters meters = new FunctionMeters(registry);
        IdentityCache cache = updates.cache();
        meters.gauge("netwatch.identity.cache.entries", cache, IdentityCache::size,
                "Addresses in the agent's copy of the aggregator's identities");
        meters.gauge("netwatch.identity.cache.capacity", cache, IdentityCache::maxEntries,
                "Most addresses the copy holds (--identity-cache-size)");
        meters.counter("netwatch.identity.cache.evicted", cache, IdentityCache::evicted,
                "Addresses pushed out of the full copy by newer ones (least recently used first)");
        meters.counter("netwatch.identity.cache.refused", cache, IdentityCache::refused,
                "Snapshot entries left out because the snapshot was larger than the copy's bound");
        meters.counter("netwatch.identity.updates", updates, IdentityUpdates::snapshots, "Identity updates applied",
                "kind", "snapshot");
        meters.counter("netwatch.identity.updates", updates, IdentityUpdates::deltas, "Identity updates applied",
                "kind", "incremental");
        meters.counter("netwatch.identity.entries", updates, IdentityUpdates::upserts,
                "Addresses changed by incremental updates", "change", "upsert");
        meters.counter("netwatch.identity.entries", updates, IdentityUpdates::removals,
                "Addresses changed by incremental updates", "change", "removal");
        for (IdentityUpdates.Problem p : IdentityUpdates.Problem.values()) {
            meters.counter("netwatch.identity.malformed", updates, u -> u.problems(p),
                    "Identity updates or entries skipped because they were malformed or too large",
                    "reason", p.label());
        }
        meters.counter("netwatch.identity.failures", streamer, FlowStreamer::identityFailures,
                "Identity updates that failed unexpectedly (skipped)");
        meters.counter("netwatch.identity.flow.ends", labels, FlowIdentities::labelled,
                "Exported flow ends looked up in the copy", "outcome", "labelled");
        meters.counter("netwatch.identity.flow.ends", labels, FlowIdentities::unknown,
                "Exported flow ends looked up in the copy", "outcome", "unknown");
    }
}
