package io.netwatch.aggregator.baseline;

import io.netwatch.proto.ingest.v1.BaselineEdge;
import java.util.List;

/**
 * The baseline as the agents get it: every edge with its volume statistics, immutable.
 *
 * @param id      increases with every change; agents are sent a snapshot whose id they have not had
 * @param emptied no edges are left of a baseline that held some (every one expired): sent, so the
 *                agents' copies lose them too. An empty baseline that never held an edge (an
 *                aggregator restarted without {@code baseline.file}) is not sent: the agents'
 *                copies are the better knowledge then.
 */
public record BaselineSnapshot(long id, List<BaselineEdge> edges, boolean emptied) {
    public BaselineSnapshot {
        edges = List.copyOf(edges);
        if (emptied && !edges.isEmpty()) {
            throw new IllegalArgumentException("a snapshot with edges is not emptied");
        }
    }

    /** A snapshot of {@code edges}, not emptied. */
    public BaselineSnapshot(long id, List<BaselineEdge> edges) {
        this(id, edges, false);
    }
}
