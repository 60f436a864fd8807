package io.netwatch.aggregator.ingest;

import io.netwatch.proto.ingest.v1.AggregatorMessage;

/** The aggregator's side of one agent's stream, as the identity stream writes to it. */
interface AgentChannel {
    /** Whether the transport takes more now (gRPC flow control); nothing is sent when not. */
    boolean isReady();

    /** Sends one message; serialized with the stream's other writes (acks). */
    void send(AggregatorMessage message);
}
