package io.netwatch.cli;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.CaptureException;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.decode.DecodeError;
import io.netwatch.agent.decode.TunnelPorts;
import io.netwatch.agent.flow.FlowSink;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.InspectionSink;
import io.netwatch.agent.inspect.MessageKind;
import io.netwatch.agent.inspect.http.HttpStream;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.inspect.signature.Suppression;
import io.netwatch.agent.inspect.signature.Threshold;
import io.netwatch.agent.score.Detectors;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Offline analysis of one capture file with the agent's own pipeline and no aggregator:
 * what {@code netwatch inspect} runs.
 */
public final class Inspector {
    /** What a run saw; {@code error} is null when the whole file was read. */
    public record Result(Map<String, Object> stats, CaptureException error) {
    }

    private Inspector() {
    }

    /**
     * Reads {@code file} to its end (or its damage), emitting flows and anomalies as they
     * complete, then every open flow.
     *
     * @throws CaptureException when the file cannot be opened at all
     */
    public static Result run(Path file, String nodeName, FlowSink flows, AnomalySink anomalies) throws CaptureException {
        return run(file, nodeName, FlowTableConfig.defaults(), flows, anomalies, InspectionSink.NONE);
    }

    public static Result run(Path file, String nodeName, FlowTableConfig flowConfig, FlowSink flows,
                             AnomalySink anomalies, InspectionSink messages) throws CaptureException {
        return run(file, nodeName, flowConfig, Signatures.bundled(), flows, anomalies, messages);
    }

    public static Result run(Path file, String nodeName, FlowTableConfig flowConfig, Signatures signatures,
                             FlowSink flows, AnomalySink anomalies, InspectionSink messages) throws CaptureException {
        return run(file, nodeName, flowConfig, DetectionConfig.defaults(), signatures, flows, anomalies, messages);
    }

    /** As above, with the detectors' settings. */
    public static Result run(Path file, String nodeName, FlowTableConfig flowConfig, DetectionConfig detection,
                             Signatures signatures, FlowSink flows, AnomalySink anomalies, InspectionSink messages)
            throws CaptureException {
        return run(file, nodeName, flowConfig, detection, InspectionConfig.defaults(), signatures, flows, anomalies,
                messages);
    }

    /** As above, with inspection's bounds and parsers. */
    public static Result run(Path file, String nodeName, FlowTableConfig flowConfig, DetectionConfig detection,
                             InspectionConfig inspection, Signatures signatures, FlowSink flows,
                             AnomalySink anomalies, InspectionSink messages) throws CaptureException {
        return run(file, nodeName, flowConfig, detection, inspection, TunnelPorts.defaults(), signatures, flows,
                anomalies, messages);
    }

    /** As above, with the UDP ports read as VXLAN and Geneve. */
    public static Result run(Path file, String nodeName, FlowTableConfig flowConfig, DetectionConfig detection,
                             InspectionConfig inspection, TunnelPorts tunnels, Signatures signatures, FlowSink flows,
                             AnomalySink anomalies, InspectionSink messages) throws CaptureException {
        return run(file, file.toString(), nodeName, flowConfig, detection, inspection, tunnels, signatures, flows,
                anomalies, messages);
    }

    /**
     * As above, the capture named {@code name} in the stats and in errors (standard input, which
     * {@code file} holds a copy of).
     */
    public static Result run(Path file, String name, String nodeName, FlowTableConfig flowConfig,
                             DetectionConfig detection, InspectionConfig inspection, TunnelPorts tunnels,
                             Signatures signatures, FlowSink flows, AnomalySink anomalies, InspectionSink messages)
            throws CaptureException {
        PcapFileSource opened;
        try {
            opened = PcapFileSource.open(file, name);
        } catch (CaptureException e) {
            throw e.naming(file, name);
        }
        try (PcapFileSource source = opened) {
            Pipeline pipeline = Pipeline.create(nodeName, source.interfaceNames(), flowConfig,
                    detection, inspection, signatures, flows, anomalies, messages).tunnelPorts(tunnels)
                    .interfaceNames(source::interfaceName);
            CaptureException error = null;
            try {
                source.run(pipeline);
            } catch (CaptureException e) {
                error = e.naming(file, name);
            } finally {
                pipeline.finish();
            }
            Map<String, Object> stats = stats(name, pipeline, signatures, error);
            stats.put("recorded_drops", source.recordedDrops());
            return new Result(stats, error);
        }
    }

    private static Map<String, Object> stats(String file, Pipeline p, Signatures signatures, CaptureException error) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("file", file);
        s.put("packets", p.packets());
        s.put("bytes", p.bytes());
        s.put("truncated_packets", p.truncatedPackets());
        s.put("not_ip_packets", p.decodeOutcome(DecodeError.NOT_IP));
        Map<String, Object> errors = new LinkedHashMap<>();
        long total = 0;
        for (DecodeError e : DecodeError.values()) {
            if (e == DecodeError.NONE || e == DecodeError.NOT_IP) {
                continue;
            }
            long n = p.decodeOutcome(e);
            total += n;
            if (n > 0) {
                errors.put(e.label(), n);
            }
        }
        s.put("decode_errors", total);
        s.put("decode_errors_by_reason", errors);
        s.put("failed_packets", p.failedPackets());
        s.put("flows", p.flowTable().flowsCreated());
        s.put("flow_records", p.flowTable().recordsEmitted());
        s.put("flows_evicted", p.flowTable().flowsEvicted());
        s.put("datagrams_reassembled", p.flowTable().datagramsReassembled());
        s.put("fragments_uncounted", p.flowTable().fragmentsUncounted());
        s.put("icmp_errors", p.flowTable().icmpErrors());
        s.put("anomalies", p.detectors().counts().total());
        Map<String, Long> byType = new LinkedHashMap<>();
        for (String type : Detectors.TYPES) {
            long n = p.detectors().counts().count(type);
            if (n > 0) {
                byType.put(type, n);
            }
        }
        s.put("anomalies_by_type", byType);
        s.put("detector_evictions", p.detectors().evictions());
        if (p.inspector() != null) {
            s.put("inspected_flows", p.inspector().inspectedFlows());
            s.put("app_messages", p.inspector().events());
            Map<String, Long> malformed = new LinkedHashMap<>();
            for (MessageKind kind : MessageKind.values()) {
                long n = p.inspector().malformedMessages(kind);
                if (n > 0) {
                    malformed.put(kind.label(), n);
                }
            }
            s.put("malformed_messages", malformed);
            Map<String, Long> http = new LinkedHashMap<>();
            for (HttpStream.Event event : HttpStream.Event.values()) {
                long n = p.inspector().httpStreamEvents(event);
                if (n > 0) {
                    http.put(event.code(), n);
                }
            }
            s.put("http_stream_events", http);
            s.put("stream_gaps", p.inspector().streamGaps());
            // Inspection's bounds, as the agent's metrics count them: a flow read short is
            // not a flow found clean.
            s.put("uninspected_flows", p.inspector().uninspectedFlows());
            s.put("inspection_evicted_flows", p.inspector().evictedFlows());
            s.put("reassembly_refused_segments", p.inspector().budgetRefusals());
            s.put("memory_stopped_flows", p.inspector().memoryStops());
            s.put("memory_reclaims", p.inspector().memoryReclaims());
            s.put("quic_given_up_directions", p.inspector().quicDirectionsGivenUp());
            s.put("quic_stalled_connections", p.inspector().quicStalledConnections());
            s.put("protocol_mismatches", p.inspector().protocolMismatches());
            s.put("signature_alerts", p.inspector().alerts());
            // Alerts a suppress line kept from being raised, as netwatch_signature_suppressed_total counts them.
            Map<String, Long> suppressed = new LinkedHashMap<>();
            for (Suppression.Track track : Suppression.Track.values()) {
                long n = signatures.suppressed(track);
                if (n > 0) {
                    suppressed.put(track.label(), n);
                }
            }
            s.put("signature_suppressed", suppressed);
            // Alerts a threshold held back, as netwatch_signature_thresholded_total counts them.
            Map<String, Long> thresholded = new LinkedHashMap<>();
            for (Threshold.Type type : Threshold.Type.values()) {
                long n = p.inspector().thresholds().heldBack(type);
                if (n > 0) {
                    thresholded.put(type.label(), n);
                }
            }
            s.put("signature_thresholded", thresholded);
            s.put("parsers", p.inspector().config().parserLabels());
        }
        if (error != null) {
            s.put("error", error.getMessage());
            s.put("error_offset", error.offset());
        }
        return s;
    }
}
