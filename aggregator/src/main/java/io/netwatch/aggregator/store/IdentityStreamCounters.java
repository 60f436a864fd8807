package io.netwatch.aggregator.store;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the aggregator streamed to one agent's identity copy, cumulative over its streams:
 * written by the identity stream, read by {@code GetAgents}.
 */
public final class IdentityStreamCounters {
    /** The counters at one moment. */
    public record Totals(long snapshots, long updates, long entries, long removals, long coalesced, long resyncs) {
    }

    final AtomicLong snapshots = new AtomicLong();
    final AtomicLong updates = new AtomicLong();
    final AtomicLong entries = new AtomicLong();
    final AtomicLong removals = new AtomicLong();
    final AtomicLong coalesced = new AtomicLong();
    final AtomicLong resyncs = new AtomicLong();

    /** A full snapshot was completed. */
    public void snapshot() {
        snapshots.incrementAndGet();
    }

    /** An incremental update was sent. */
    public void update() {
        updates.incrementAndGet();
    }

    /** Entries (snapshot or upsert) and removals sent. */
    public void sent(long entryCount, long removalCount) {
        entries.addAndGet(entryCount);
        removals.addAndGet(removalCount);
    }

    /** A pending change was replaced by a later one for the same address before it was sent. */
    public void coalesced() {
        coalesced.incrementAndGet();
    }

    /** Pending changes were dropped for a fresh snapshot. */
    public void resync() {
        resyncs.incrementAndGet();
    }

    public Totals totals() {
        return new Totals(snapshots.get(), updates.get(), entries.get(), removals.get(), coalesced.get(),
                resyncs.get());
    }
}
