package io.netwatch.aggregator.ingest;

import io.netwatch.aggregator.identity.AddressHolder;
import io.netwatch.aggregator.identity.IdentityIndex;
import io.netwatch.aggregator.identity.IpKey;
import io.netwatch.aggregator.store.IdentityStreamCounters;
import io.netwatch.proto.flow.v1.Workload;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import io.netwatch.proto.ingest.v1.IdentityEntry;
import io.netwatch.proto.ingest.v1.IdentityUpdate;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The identity stream to one agent: first a full snapshot of who holds each address now (in
 * parts), then the changes, batched per tick. Changes wait in a map keyed by address, so a
 * slow agent gets only the latest change of each address (the older ones are counted as
 * coalesced); when more than {@code maxPending} addresses wait, they are dropped and a fresh
 * snapshot is sent instead (counted as a resync). Nothing is written while the transport is
 * not ready, and no more than {@code maxEntriesPerTick} per tick.
 *
 * <p>{@link #offer} is called by the cluster's writer thread, {@link #flush} by the
 * publisher's tick thread; the pending map is guarded by this object's lock.
 */
final class AgentIdentityStream {
    /** A pending removal (a holder's workload is never this object). */
    private static final Object REMOVED = new Object();

    private final IdentityIndex index;
    private final AgentChannel channel;
    private final IdentityStreamConfig config;
    private final IdentityStreamCounters counters;
    /** Numbers this stream's snapshots: {@code streamId << 32} plus the snapshot's count. */
    private final long streamId;

    /** Guarded by this. Values are a Workload or REMOVED. */
    private final LinkedHashMap<IpKey, Object> pending = new LinkedHashMap<>();
    /** Guarded by this: a fresh snapshot must be sent before any change. */
    private boolean needSnapshot = true;
    /** Guarded by this: changes are kept only once a snapshot has been taken. */
    private boolean snapshotTaken;
    /**
     * The snapshot being sent, read from the index part by part (tick thread only), or null.
     * Not a copy: an agent that reads slowly costs no memory per address. Changes made while
     * it is read are also pending, and are sent after it.
     */
    private Iterator<Map.Entry<IpKey, AddressHolder>> snapshot;
    private int snapshotPart;
    private long snapshotsTaken;
    private volatile boolean closed;

    AgentIdentityStream(IdentityIndex index, AgentChannel channel, IdentityStreamConfig config,
                        IdentityStreamCounters counters, long streamId) {
        this.index = index;
        this.channel = channel;
        this.config = config;
        this.counters = counters;
        this.streamId = streamId;
    }

    /** The current holder of {@code ip} changed (null: nobody holds it now). */
    synchronized void offer(IpKey ip, AddressHolder holder) {
        if (!snapshotTaken || closed) {
            // The next snapshot reads the index, which already has this change.
            return;
        }
        if (pending.put(ip, holder == null ? REMOVED : holder.workload()) != null) {
            counters.coalesced();
        }
        if (pending.size() > config.maxPending()) {
            pending.clear();
            snapshotTaken = false;
            needSnapshot = true;
            counters.resync();
        }
    }

    void close() {
        closed = true;
    }

    boolean closed() {
        return closed;
    }

    /**
     * Sends what the budget and the transport allow: the rest of the snapshot being sent, a
     * new snapshot when one is due (only once the cluster is listed: an empty snapshot from an
     * aggregator that has not listed it yet would wipe the agent's copy), then pending changes.
     */
    void flush(boolean clusterListed) {
        int budget = config.maxEntriesPerTick();
        while (!closed && budget > 0 && channel.isReady()) {
            if (snapshot != null) {
                budget -= sendSnapshotPart(budget);
                continue;
            }
            boolean due;
            synchronized (this) {
                due = needSnapshot;
            }
            if (due) {
                if (!clusterListed) {
                    return;
                }
                takeSnapshot();
                continue;
            }
            int sent = sendChanges(budget);
            if (sent == 0) {
                return;
            }
            budget -= sent;
        }
    }

    private void takeSnapshot() {
        synchronized (this) {
            // Pending changes are older than what the index says now; changes from here on
            // are kept and sent after the snapshot (a change seen twice is harmless).
            pending.clear();
            needSnapshot = false;
            snapshotTaken = true;
        }
        snapshot = index.currentHolders();
        snapshotPart = 0;
        snapshotsTaken++;
    }

    private int sendSnapshotPart(int budget) {
        int limit = Math.min(config.maxEntriesPerMessage(), budget);
        IdentityUpdate.Builder u = IdentityUpdate.newBuilder().setFullSnapshot(true)
                .setSnapshotId((streamId << 32) + snapshotsTaken).setPart(snapshotPart++);
        int n = 0;
        while (n < limit && snapshot.hasNext()) {
            Map.Entry<IpKey, AddressHolder> e = snapshot.next();
            u.addEntries(entry(e.getKey(), e.getValue().workload()));
            n++;
        }
        boolean last = !snapshot.hasNext();
        u.setLastPart(last);
        channel.send(AggregatorMessage.newBuilder().setIdentity(u).build());
        counters.sent(n, 0);
        if (last) {
            snapshot = null;
            counters.snapshot();
        }
        return Math.max(n, 1);
    }

    private int sendChanges(int budget) {
        IdentityUpdate.Builder u = IdentityUpdate.newBuilder();
        int n = 0;
        int limit = Math.min(config.maxEntriesPerMessage(), budget);
        synchronized (this) {
            Iterator<Map.Entry<IpKey, Object>> it = pending.entrySet().iterator();
            while (n < limit && it.hasNext()) {
                Map.Entry<IpKey, Object> e = it.next();
                it.remove();
                if (e.getValue() == REMOVED) {
                    u.addRemovedIps(e.getKey().toString());
                } else {
                    u.addEntries(entry(e.getKey(), (Workload) e.getValue()));
                }
                n++;
            }
        }
        if (n > 0) {
            channel.send(AggregatorMessage.newBuilder().setIdentity(u).build());
            counters.update();
            counters.sent(u.getEntriesCount(), u.getRemovedIpsCount());
        }
        return n;
    }

    private static IdentityEntry entry(IpKey ip, Workload w) {
        return IdentityEntry.newBuilder().setIp(ip.toString()).setWorkload(w).build();
    }
}
