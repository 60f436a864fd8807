package io.netwatch.agent.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netwatch.agent.Pipeline;
import io.netwatch.agent.decode.DecodeError;
import io.netwatch.agent.flow.FlowTable;
import io.netwatch.agent.inspect.Inspector;
import io.netwatch.agent.inspect.MessageKind;
import io.netwatch.agent.score.PortScanDetector;
import io.netwatch.agent.score.SignatureDetector;

/**
 * Capture, decode, flow-table and detector counters of one {@link Pipeline}. Labels take only
 * bounded values (reasons, anomaly types), never addresses.
 */
public final class PipelineMetrics implements MeterBinder {
    private final Pipeline pipeline;

    public PipelineMetrics(Pipeline pipeline) {
        this.pipeline = pipeline;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("netwatch.capture.packets", pipeline, Pipeline::packets)
                .description("Packets delivered by the capture source").register(registry);
        FunctionCounter.builder("netwatch.capture", pipeline, Pipeline::bytes).baseUnit("bytes")
                .description("Bytes on the wire of the captured packets").register(registry);
        FunctionCounter.builder("netwatch.capture.truncated.packets", pipeline, Pipeline::truncatedPackets)
                .description("Packets the capture cut short of their IP length (decoded as far as they go)")
                .register(registry);
        FunctionCounter.builder("netwatch.capture.duplicate.packets", pipeline, Pipeline::duplicatePackets)
                .description("Copies of a packet already counted on another captured interface (any, bridges)")
                .register(registry);
        FunctionCounter.builder("netwatch.pipeline.failed.packets", pipeline, Pipeline::failedPackets)
                .description("Packets dropped because handling them raised an error (a bug; see logs)")
                .register(registry);
        for (DecodeError e : DecodeError.values()) {
            if (e == DecodeError.NONE) {
                continue;
            }
            String name = e == DecodeError.NOT_IP ? "netwatch.decode.skipped.packets" : "netwatch.decode.errors";
            FunctionCounter.builder(name, pipeline, p -> p.decodeOutcome(e))
                    .tag("reason", e.label())
                    .description(e == DecodeError.NOT_IP ? "Frames that carry no IP (ARP, LLDP, ...)"
                            : "Packets that could not be decoded, by reason")
                    .register(registry);
        }
        FlowTable flows = pipeline.flowTable();
        FunctionCounter.builder("netwatch.flows.started", flows, FlowTable::flowsCreated)
                .description("Flows created in the flow table").register(registry);
        FunctionCounter.builder("netwatch.flows.evicted", flows, FlowTable::flowsEvicted)
                .description("Flows evicted early because the flow table was full").register(registry);
        FunctionCounter.builder("netwatch.flow.records", flows, FlowTable::recordsEmitted)
                .description("Flow records emitted (final and interim)").register(registry);
        FunctionCounter.builder("netwatch.fragments.reassembled.datagrams", flows, FlowTable::datagramsReassembled)
                .description("Fragmented IP datagrams completed and counted in their flows").register(registry);
        FunctionCounter.builder("netwatch.fragments.incomplete.datagrams", flows, FlowTable::datagramsIncomplete)
                .description("Fragmented IP datagrams that never completed (timeout, bounds)").register(registry);
        FunctionCounter.builder("netwatch.fragments.uncounted.packets", flows, FlowTable::fragmentsUncounted)
                .description("Fragments of incomplete datagrams: they count in no flow").register(registry);
        Gauge.builder("netwatch.flows.active", flows, FlowTable::flowsActive)
                .description("Flows tracked now").register(registry);
        Inspector inspector = pipeline.inspector();
        if (inspector != null) {
            FunctionCounter.builder("netwatch.inspect.flows", inspector, Inspector::inspectedFlows)
                    .description("Flows whose payload was inspected").register(registry);
            FunctionCounter.builder("netwatch.inspect.skipped.flows", inspector, Inspector::uninspectedFlows)
                    .description("Flows not inspected because the cap on flows under inspection was reached")
                    .register(registry);
            for (MessageKind kind : MessageKind.values()) {
                FunctionCounter.builder("netwatch.inspect.messages", inspector, i -> i.events(kind))
                        .tag("protocol", kind.label())
                        .description("Application-layer messages found (DNS, HTTP, TLS and QUIC hellos, SSH banners)")
                        .register(registry);
            }
            FunctionCounter.builder("netwatch.inspect.stream.gaps", inspector, Inspector::streamGaps)
                    .description("Holes in TCP streams that inspection had to skip").register(registry);
            FunctionCounter.builder("netwatch.inspect.reassembly.refused.segments", inspector, Inspector::budgetRefusals)
                    .description("Out-of-order segments not held because the reassembly memory budget was spent")
                    .register(registry);
            FunctionCounter.builder("netwatch.inspect.protocol.mismatches", inspector, Inspector::protocolMismatches)
                    .description("Flows whose payload protocol is not the one their port suggests").register(registry);
        }
        PortScanDetector scan = pipeline.portScan();
        FunctionCounter.builder("netwatch.anomalies", scan, PortScanDetector::anomaliesRaised)
                .tag("type", PortScanDetector.TYPE)
                .description("Anomalies raised by the agent's detectors, by type").register(registry);
        if (pipeline.signatureDetector() != null) {
            FunctionCounter.builder("netwatch.anomalies", pipeline.signatureDetector(), SignatureDetector::raised)
                    .tag("type", SignatureDetector.TYPE)
                    .description("Anomalies raised by the agent's detectors, by type").register(registry);
        }
    }
}
