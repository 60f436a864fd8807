package io.netwatch.agent.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.agent.export.FlowStreamer;
import io.netwatch.common.metrics.FunctionMeters;

/** Counters of the stream to the aggregator. */
public final class ExportMetrics implements MeterBinder {
    private final FlowStreamer streamer;

    public ExportMetrics(FlowStreamer streamer) {
        this.streamer = streamer;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionMeters meters = new FunctionMeters(registry);
        meters.counter("netwatch.export.queued.records", streamer, FlowStreamer::flowsQueued,
                "Records accepted into the export queue", "kind", "flow");
        meters.counter("netwatch.export.dropped.records", streamer, FlowStreamer::flowsDropped,
                "Records dropped because the export queue was full", "kind", "flow");
        meters.counter("netwatch.export.dropped.records", streamer, FlowStreamer::anomaliesDropped,
                "Records dropped because the export queue was full", "kind", "anomaly");
        meters.counter("netwatch.export.acked.records", streamer, FlowStreamer::flowsAcked,
                "Records the aggregator acknowledged", "kind", "flow");
        meters.counter("netwatch.export.acked.records", streamer, FlowStreamer::anomaliesAcked,
                "Records the aggregator acknowledged", "kind", "anomaly");
        meters.counter("netwatch.export.batches.sent", streamer, FlowStreamer::batchesSent,
                "Batches written to the stream, resends included");
        meters.counter("netwatch.export.reconnects", streamer, FlowStreamer::reconnects,
                "Streams reopened after the aggregator went away");
        meters.counter("netwatch.export.ack_timeouts", streamer, FlowStreamer::ackTimeouts,
                "Streams cancelled because a batch they took went unacknowledged for export.ack_timeout");
        meters.counter("netwatch.export.command_results.lost", streamer, FlowStreamer::resultsLost,
                "Answers to block commands dropped because 256 waited for a stream to the aggregator to open");
        meters.gauge("netwatch.export.queue.depth", streamer, FlowStreamer::queueDepth,
                "Records waiting in the export queues, flows and anomalies");
        meters.gauge("netwatch.export.unacked.batches", streamer, FlowStreamer::unackedBatches,
                "Batches waiting for the aggregator's acknowledgement");
    }
}
