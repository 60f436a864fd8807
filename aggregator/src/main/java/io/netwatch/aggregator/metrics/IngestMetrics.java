package io.netwatch.aggregator.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.aggregator.ingest.IngestService;
import io.netwatch.aggregator.store.AgentRegistry;

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
        Gauge.builder("netwatch.ingest.agents.connected", agents, AgentRegistry::connectedAgents)
                .description("Agents with an open ingest stream").register(registry);
        Gauge.builder("netwatch.ingest.agents.known", agents, AgentRegistry::knownAgents)
                .description("Agents that ever said hello, connected or not").register(registry);
        FunctionCounter.builder("netwatch.ingest.streams.opened", ingest, IngestService::streamsOpened)
                .description("Ingest streams opened (every agent reconnect opens one)").register(registry);
        FunctionCounter.builder("netwatch.ingest.streams.refused", ingest, IngestService::streamsRefused)
                .description("Ingest streams ended because the agent broke the protocol (no hello, empty message)")
                .register(registry);
        FunctionCounter.builder("netwatch.ingest.batches", agents, AgentRegistry::batchesAccepted)
                .description("Flow and anomaly batches stored").register(registry);
        FunctionCounter.builder("netwatch.ingest.duplicate.batches", agents, AgentRegistry::duplicateBatches)
                .description("Batches an agent sent again after a reconnect, acknowledged and not stored twice")
                .register(registry);
        FunctionCounter.builder("netwatch.ingest.flows", agents, AgentRegistry::flowsReceived)
                .description("Flow records received and stored").register(registry);
        FunctionCounter.builder("netwatch.ingest.anomalies", agents, AgentRegistry::anomaliesReceived)
                .description("Anomalies received from agents and stored").register(registry);
        FunctionCounter.builder("netwatch.ingest.stage.errors", ingest, IngestService::stageErrors)
                .description("Flows the identity and verdict stage failed on, stored as they came (a bug; see logs)")
                .register(registry);
    }
}
