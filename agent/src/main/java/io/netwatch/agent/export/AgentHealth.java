package io.netwatch.agent.export;

import io.netwatch.proto.flow.v1.LossCounter;
import io.netwatch.proto.ingest.v1.AgentStatus;
import java.util.List;

/** What the rest of the agent reports through the stream: its status and its losses. */
public interface AgentHealth {
    /** Status with the capture and flow-table counters filled in; export fields are added by the streamer. */
    AgentStatus.Builder status();

    /** Cumulative loss counters of the capture, decode and flow stages. */
    List<LossCounter> lossCounters();

    AgentHealth NONE = new AgentHealth() {
        @Override
        public AgentStatus.Builder status() {
            return AgentStatus.newBuilder();
        }

        @Override
        public List<LossCounter> lossCounters() {
            return List.of();
        }
    };
}
