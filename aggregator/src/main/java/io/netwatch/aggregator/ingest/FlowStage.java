package io.netwatch.aggregator.ingest;

import io.netwatch.proto.flow.v1.Flow;

/**
 * What happens to each flow between its arrival and the store: enrichment with identities,
 * policy verdicts. Runs on the agent's stream, so it must answer from memory (never wait on
 * the API server) and should not throw; if it does, the flow is stored as it came.
 */
@FunctionalInterface
public interface FlowStage {
    /** Stores flows as they came. */
    FlowStage NONE = (flow, receivedMillis) -> flow;

    Flow apply(Flow flow, long receivedMillis);
}
