package io.netwatch.agent.baseline;

import io.netwatch.agent.score.EdgeBaselines;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.ingest.v1.BaselineEdge;
import io.netwatch.proto.ingest.v1.BaselineUpdate;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent's copy of the edge baselines the aggregator pushes ({@code BaselineUpdate}, full
 * snapshots in parts). Parts are staged and the copy is swapped in one step when the last part
 * arrives, so a lookup sees the old copy or the new one, never a mix; a snapshot cut short
 * (parts out of order, a new snapshot starting) leaves the old copy in place. Bounded: at most
 * {@code maxEdges} edges (the rest of a larger snapshot is left out, counted). Edges that are
 * not well formed (no names, a name over {@link #MAX_NAME}, a port or protocol out of range,
 * statistics that are negative or not numbers) are skipped and counted, never thrown. The copy
 * is kept when the aggregator goes away.
 */
public final class BaselineCopy implements EdgeBaselines {
    public static final int DEFAULT_MAX_EDGES = 100_000;
    /** Longest edge end name accepted. */
    public static final int MAX_NAME = 512;

    private record Key(String source, String destination, int port, int protocol) {
    }

    private final int maxEdges;
    private final EdgeNamer namer;
    private volatile Map<Key, Expected> current = Map.of();
    private Map<Key, Expected> staging;
    private long stagingId;
    private int nextPart;
    private final AtomicLong snapshots = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong leftOut = new AtomicLong();
    private final AtomicLong cutShort = new AtomicLong();

    public BaselineCopy(int maxEdges, EdgeNamer namer) {
        if (maxEdges < 1) {
            throw new IllegalArgumentException("baseline copy needs room for at least 1 edge, got " + maxEdges);
        }
        this.maxEdges = maxEdges;
        this.namer = namer;
    }

    /** Applies one update (the stream's thread). */
    public synchronized void apply(BaselineUpdate u) {
        if (!u.getFullSnapshot()) {
            malformed.incrementAndGet();
            return;
        }
        if (u.getPart() == 0) {
            if (staging != null) {
                cutShort.incrementAndGet();
            }
            staging = new HashMap<>();
            stagingId = u.getSnapshotId();
            nextPart = 0;
        } else if (staging == null || u.getSnapshotId() != stagingId || u.getPart() != nextPart) {
            cutShort.incrementAndGet();
            staging = null;
            return;
        }
        nextPart++;
        for (BaselineEdge e : u.getEdgesList()) {
            if (!wellFormed(e)) {
                malformed.incrementAndGet();
                continue;
            }
            if (staging.size() >= maxEdges) {
                leftOut.incrementAndGet();
                continue;
            }
            String edge = e.getSource() + " -> " + e.getDestination() + ":" + e.getPort() + "/" + e.getIpProtocol();
            staging.put(new Key(e.getSource(), e.getDestination(), e.getPort(), e.getIpProtocol()),
                    new Expected(edge, e.getBytesPerMinuteMean(), e.getBytesPerMinuteStddev(), e.getMinutes()));
        }
        if (u.getLastPart()) {
            current = Map.copyOf(staging);
            staging = null;
            snapshots.incrementAndGet();
        }
    }

    private static boolean wellFormed(BaselineEdge e) {
        return !e.getSource().isEmpty() && !e.getDestination().isEmpty() && e.getSource().length() <= MAX_NAME
                && e.getDestination().length() <= MAX_NAME && e.getPort() <= 65_535 && e.getIpProtocol() <= 255
                && e.getBytesPerMinuteMean() >= 0 && e.getBytesPerMinuteStddev() >= 0
                && Double.isFinite(e.getBytesPerMinuteMean()) && Double.isFinite(e.getBytesPerMinuteStddev());
    }

    @Override
    public Expected expected(Flow flow) {
        Map<Key, Expected> c = current;
        if (c.isEmpty()) {
            return null;
        }
        String src = namer.name(flow.getSource());
        String dst = src == null ? null : namer.name(flow.getDestination());
        if (dst == null) {
            return null;
        }
        return c.get(new Key(src, dst, flow.getDestination().getPort(), flow.getIpProtocol()));
    }

    /** Edges in the copy now. */
    public int size() {
        return current.size();
    }

    /** Snapshots applied. */
    public long snapshots() {
        return snapshots.get();
    }

    /** Edges (or whole updates) skipped because they were not well formed. */
    public long malformed() {
        return malformed.get();
    }

    /** Edges of a snapshot larger than the bound, left out. */
    public long leftOut() {
        return leftOut.get();
    }

    /** Snapshots abandoned because a part was missing or out of order. */
    public long cutShort() {
        return cutShort.get();
    }
}
