package io.netwatch.aggregator.baseline;

import io.netwatch.proto.ingest.v1.BaselineEdge;
import java.util.List;

/**
 * The baseline as the agents get it: every edge with its volume statistics, immutable.
 *
 * @param id increases with every change; agents are sent a snapshot whose id they have not had
 */
public record BaselineSnapshot(long id, List<BaselineEdge> edges) {
    public BaselineSnapshot {
        edges = List.copyOf(edges);
    }
}
