package io.netwatch.aggregator.ingest;

import java.time.Duration;

/**
 * How identities are streamed to each agent.
 *
 * @param maxEntriesPerMessage entries and removals in one {@code IdentityUpdate} (a snapshot
 *                             comes in parts of this size); agents refuse more than 16384
 * @param maxEntriesPerTick    entries and removals sent to one agent per tick: the rate bound
 *                             (at the defaults 8192 per 100 ms, about 80,000 a second)
 * @param tick                 how often pending changes are sent, so changes are batched
 * @param maxPending           distinct addresses with a change waiting for one agent; past it
 *                             the pending changes are dropped and a fresh snapshot is sent
 *                             instead (counted as a resync), so a slow agent costs at most this
 */
public record IdentityStreamConfig(int maxEntriesPerMessage, int maxEntriesPerTick, Duration tick, int maxPending) {
    /** What agents accept in one update (IdentityUpdates.MAX_ENTRIES_PER_UPDATE on the agent). */
    public static final int AGENT_MAX_ENTRIES_PER_UPDATE = 16_384;

    public IdentityStreamConfig {
        if (maxEntriesPerMessage < 1 || maxEntriesPerMessage > AGENT_MAX_ENTRIES_PER_UPDATE) {
            throw new IllegalArgumentException("identity maxEntriesPerMessage must be 1 to "
                    + AGENT_MAX_ENTRIES_PER_UPDATE + ", got " + maxEntriesPerMessage);
        }
        if (maxEntriesPerTick < 1 || maxPending < 1) {
            throw new IllegalArgumentException("identity maxEntriesPerTick and maxPending must be at least 1, got "
                    + maxEntriesPerTick + " and " + maxPending);
        }
        if (tick == null || tick.isZero() || tick.isNegative()) {
            throw new IllegalArgumentException("identity tick must be a positive duration, got " + tick);
        }
    }

    public static IdentityStreamConfig defaults() {
        return new IdentityStreamConfig(1024, 8192, Duration.ofMillis(100), 65_536);
    }
}
