package io.netwatch.aggregator.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.aggregator.ingest.IngestService;
import io.netwatch.aggregator.store.AgentRegistry;
import io.netwatch.common.metrics.FunctionMeters;

/**
 * The agents' streams: connections, what they delivered and what was refused. No label
 * names an agent: per-agent figures are in {@code GetAgents} ({@code netwatch agents}).
 */
public final class IngestMetrics implements MeterBinder {
    private final IngestService ingest;
    private final AgentRegistry agents;

    public IngestMetrics(IngestService ingest, AgentRegistry agents) {
        this.ingest = ingest;
        this.agents = agents;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionMeters meters = new FunctionMeters(registry);
        meters.gauge("netwatch.ingest.agents.connected", agents, AgentRegistry::connectedAgents,
                "Agents with an open ingest stream");
        meters.gauge("netwatch.ingest.agents.known", agents, AgentRegistry::knownAgents,
                "Agents that said hello, connected or not (at most 10,000: the disconnected longest ago are forgotten)");
        meters.counter("netwatch.ingest.agents.forgotten", agents, AgentRegistry::agentsForgotten,
                "Disconnected agents forgotten to make room for new ones past 10,000 known");
        meters.counter("netwatch.ingest.streams.opened", ingest, IngestService::streamsOpened,
                "Ingest streams opened (every agent reconnect opens one)");
        meters.counter("netwatch.ingest.streams.refused", ingest, IngestService::streamsRefused,
                "Ingest streams ended because the agent broke the protocol (no hello, empty message, a second node name, an oversized hello), its node token was not accepted or named another node, the API server could not review its token, or the registry was full");
        meters.counter("netwatch.ingest.streams.revoked", ingest, IngestService::streamsRevoked,
                "Ingest streams ended because the pod their node token was issued for is gone or on another node, read again every five minutes (each is logged)");
        meters.counter("netwatch.ingest.streams.rechecked", ingest, IngestService::streamsRechecked,
                "Reads of an open ingest stream's pod, every five minutes per stream (ingest.agent_service_account)");
        meters.counter("netwatch.ingest.reports.trimmed", ingest, IngestService::reportsTrimmed,
                "Agent status and loss reports kept cut: past 64 source states or 1,024 loss counters (the rest summed per"
                        + " reason), or a source state over 256 characters or an interface name over 64");
        meters.counter("netwatch.ingest.batches", agents, AgentRegistry::batchesAccepted,
                "Flow and anomaly batches stored");
        meters.counter("netwatch.ingest.duplicate.batches", agents, AgentRegistry::duplicateBatches,
                "Batches an agent sent again after a reconnect, acknowledged and not stored twice");
        meters.counter("netwatch.ingest.acks.coalesced", ingest, IngestService::acksCoalesced,
                "Acks replaced by a later one before they were written, for an agent not reading its stream (acks are cumulative: nothing is lost)");
        meters.counter("netwatch.ingest.flows", agents, AgentRegistry::flowsReceived,
                "Flow records received and stored");
        meters.counter("netwatch.ingest.anomalies", agents, AgentRegistry::anomaliesReceived,
                "Anomalies received from agents and stored");
        meters.counter("netwatch.ingest.stage.errors", ingest, IngestService::stageErrors,
                "Flows the identity and verdict stage, and anomalies the identity stage, failed on, stored as they came (a bug;"
                        + " see logs)");
    }
}
