package io.netwatch.aggregator.baseline;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code lateral_movement}: one workload that, after learning, opens at least
 * {@code lateralMinEdges} new edges to at least {@code lateralMinPeers} distinct destinations
 * within {@code lateralWindow}. One report per burst: the workload is quiet for a window after
 * it. Bounded: workloads tracked (least recently active evicted, counted) and new edges kept
 * per workload ({@link #MAX_EDGES_PER_SOURCE}, the oldest dropped). Baseline thread only.
 */
final class LateralMovementDetector {
    /** New edges remembered per workload: enough for any threshold a person would set. */
    static final int MAX_EDGES_PER_SOURCE = 256;
    /** Workloads whose recent new edges are tracked. */
    static final int MAX_SOURCES = 4096;

    /** A new edge as evidence: when, to what, and the flow that opened it. */
    record NewEdge(long atMillis, EdgeKey edge, long flowId) {
    }

    /** What a burst reports: the new edges in the window and how many distinct peers they reach. */
    record Burst(String source, List<NewEdge> edges, int peers, int ports) {
    }

    private static final class Recent {
        final ArrayDeque<NewEdge> edges = new ArrayDeque<>();
        long quietUntil;
    }

    private final BaselineConfig config;
    private final LinkedHashMap<String, Recent> sources;
    private long evicted;
    private long raised;

    LateralMovementDetector(BaselineConfig config) {
        this.config = config;
        this.sources = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Recent> eldest) {
                if (size() > MAX_SOURCES) {
                    evicted++;
                    return true;
                }
                return false;
            }
        };
    }

    /** A new edge from a cluster workload; returns the burst when this edge completes one, else null. */
    Burst onNewEdge(EdgeKey edge, long flowId, long nowMillis) {
        Recent r = sources.get(edge.source());
        if (r == null) {
            r = new Recent();
            sources.put(edge.source(), r);
        }
        long from = nowMillis - config.lateralWindow().toMillis();
        while (!r.edges.isEmpty() && r.edges.peekFirst().atMillis() < from) {
            r.edges.pollFirst();
        }
        if (r.edges.size() == MAX_EDGES_PER_SOURCE) {
            r.edges.pollFirst();
        }
        r.edges.addLast(new NewEdge(nowMillis, edge, flowId));
        if (nowMillis < r.quietUntil || r.edges.size() < config.lateralMinEdges()) {
            return null;
        }
        Set<String> peers = new HashSet<>();
        Set<Integer> ports = new HashSet<>();
        for (NewEdge e : r.edges) {
            peers.add(e.edge().destination());
            ports.add(e.edge().port());
        }
        if (peers.size() < config.lateralMinPeers()) {
            return null;
        }
        r.quietUntil = nowMillis + config.lateralWindow().toMillis();
        raised++;
        Burst b = new Burst(edge.source(), List.copyOf(r.edges), peers.size(), ports.size());
        r.edges.clear();
        return b;
    }

    long evicted() {
        return evicted;
    }

    long raised() {
        return raised;
    }

    int tracked() {
        return sources.size();
    }
}
