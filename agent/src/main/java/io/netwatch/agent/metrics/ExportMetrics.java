package io.netwatch.agent.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.agent.export.FlowStreamer;

/** Counters of the stream to the aggregator. */
public final class ExportMetrics implements MeterBinder {
    private final FlowStreamer streamer;

    public ExportMetrics(FlowStreamer streamer) {
        this.streamer = streamer;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("netwatch.export.queued.records", streamer, FlowStreamer::flowsQueued)
                .tag("kind", "flow").description("Records accepted into the export queue").register(registry);
        FunctionCounter.builder("netwatch.export.dropped.records", streamer, FlowStreamer::flowsDropped)
                .tag("kind", "flow").description("Records dropped because the export queue was full")
                .register(registry);
        FunctionCounter.builder("netwatch.export.dropped.records", streamer, FlowStreamer::anomaliesDropped)
                .tag("kind", "anomaly").description("Records dropped because the export queue was full")
                .register(registry);
        FunctionCounter.builder("netwatch.export.acked.records", streamer, FlowStreamer::flowsAcked)
                .tag("kind", "flow").description("Records the aggregator acknowledged").register(registry);
        FunctionCounter.builder("netwatch.export.acked.records", streamer, FlowStreamer::anomaliesAcked)
                .tag("kind", "anomaly").description("Records the aggregator acknowledged").register(registry);
        FunctionCounter.builder("netwatch.export.batches.sent", streamer, FlowStreamer::batchesSent)
                .description("Batches written to the stream, resends included").register(registry);
        FunctionCounter.builder("netwatch.export.reconnects", streamer, FlowStreamer::reconnects)
                .description("Streams reopened after the aggregator went away").register(registry);
        FunctionCounter.builder("netwatch.export.command_results.lost", streamer, FlowStreamer::resultsLost)
                .description("Answers to block commands not sent because their stream had ended").register(registry);
        Gauge.builder("netwatch.export.queue.depth", streamer, FlowStreamer::queueDepth)
                .description("Records waiting in the export queue").register(registry);
        Gauge.builder("netwatch.export.unacked.batches", streamer, FlowStreamer::unackedBatches)
                .description("Batches waiting for the aggregator's acknowledgement").register(registry);
    }
}
