package io.netwatch.agent.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netwatch.agent.Pipeline;
import io.netwatch.agent.block.BlockMetrics;
import io.netwatch.agent.capture.LiveCapture;
import io.netwatch.agent.capture.PacketSource;
import io.netwatch.agent.export.FlowStreamer;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.common.metrics.RuntimeMetrics;

/**
 * Every meter the agent serves on {@code /metrics}, one binder per source: capture, decode,
 * flows, inspection and detectors ({@link PipelineMetrics}), export ({@link ExportMetrics}),
 * signatures ({@link SignatureMetrics}), the identity copy ({@link IdentityMetrics}), the
 * blocker ({@link BlockMetrics}), libpcap's kernel counters for live capture
 * ({@link CaptureMetrics}) and the JVM and process ({@link RuntimeMetrics}).
 */
public final class AgentMeters {
    private AgentMeters() {
    }

    public static PrometheusMeterRegistry create(Pipeline pipeline, FlowStreamer streamer, Signatures signatures,
                                                 PacketSource source) {
        return create(pipeline, streamer, signatures, source, null);
    }

    /** @param identity the identity copy's meters, or null for an agent that keeps none */
    public static PrometheusMeterRegistry create(Pipeline pipeline, FlowStreamer streamer, Signatures signatures,
                                                 PacketSource source, IdentityMetrics identity) {
        return create(pipeline, streamer, signatures, source, identity, null);
    }

    /** @param block the blocker's meters ({@link BlockMetrics}), or null for an agent without one */
    public static PrometheusMeterRegistry create(Pipeline pipeline, FlowStreamer streamer, Signatures signatures,
                                                 PacketSource source, IdentityMetrics identity, BlockMetrics block) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        if (block != null) {
            block.bindTo(registry);
        }
        if (identity != null) {
            identity.bindTo(registry);
        }
        new PipelineMetrics(pipeline).bindTo(registry);
        new ExportMetrics(streamer).bindTo(registry);
        new SignatureMetrics(signatures, pipeline.inspector()).bindTo(registry);
        if (source instanceof LiveCapture live) {
            new CaptureMetrics(live).bindTo(registry);
        }
        new RuntimeMetrics().bindTo(registry);
        return registry;
    }
}
