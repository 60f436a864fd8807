package io.netwatch.agent.flow;

import io.netwatch.proto.flow.v1.Flow;

/** Receives flow records as they leave the flow table (end, timeout, eviction, interim). */
@FunctionalInterface
public interface FlowSink {
    void onFlow(Flow flow);

    /** A sink that discards: for benchmarks and tests of the stages before export. */
    FlowSink NONE = flow -> { };
}
