package io.netwatch.agent;

import io.netwatch.agent.decode.DuplicateFilter;
import io.netwatch.agent.capture.PacketHandler;
import io.netwatch.agent.decode.DecodeError;
import io.netwatch.agent.decode.DecodedPacket;
import io.netwatch.agent.decode.LocalAddresses;
import io.netwatch.agent.decode.PacketDecoder;
import io.netwatch.agent.decode.TunnelPorts;
import io.netwatch.agent.flow.FlowSink;
import io.netwatch.agent.flow.FlowTable;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.flow.InterfaceNames;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.InspectionSink;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.score.SignatureDetector;
import io.netwatch.agent.inspect.Inspector;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.agent.score.Detectors;
import io.netwatch.agent.score.EdgeBaselines;
import io.netwatch.proto.flow.v1.FlowEndReason;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The per-packet path of the agent: decode, count, track flows. It runs on the capture
 * thread and is the one place that catches {@link RuntimeException} from packet handling: a
 * packet that trips a bug is counted and dropped, and capture goes on.
 */
public final class Pipeline implements PacketHandler {
    /** Replaced only while wiring, before the first packet ({@link #tunnelPorts}, {@link #localAddresses}). */
    private PacketDecoder decoder = new PacketDecoder();
    private TunnelPorts tunnelPorts = TunnelPorts.defaults();
    private LocalAddresses localAddresses = LocalAddresses.ANY;
    private final FlowTable flowTable;
    /** The detectors: flow records and inspection's DNS messages and alerts go to them. */
    private final Detectors detectors;
    /** Payload inspection; null when the pipeline was built without it. */
    private final Inspector inspector;

    private final AtomicLong packets = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong truncated = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLongArray decodeOutcomes = new AtomicLongArray(DecodeError.values().length);
    /**
     * The counters above and this are written by the capture thread alone and read by others
     * (metrics, health): release stores, not volatile ones, whose fence on every packet costs
     * more than the rest of the counting.
     */
    private final AtomicLong lastPacketNanos = new AtomicLong();
    private final AtomicLong tunnelsNotLocal = new AtomicLong();
    /** Set when capturing on several interfaces or 'any', where one packet can be seen twice. */
    private DuplicateFilter duplicates;
    private final AtomicLong duplicatePackets = new AtomicLong();

    /** A pipeline of decode and flows only: {@code detectors} sees what {@code flowTable} emits only if wired so. */
    public Pipeline(FlowTable flowTable, Detectors detectors) {
        this(flowTable, detectors, null);
    }

    private Pipeline(FlowTable flowTable, Detectors detectors, Inspector inspector) {
        this.flowTable = flowTable;
        this.detectors = detectors;
        this.inspector = inspector;
    }

    /**
     * Wires the stages: flow records go to the detectors and to {@code flows};
     * anomalies go to {@code anomalies}.
     */
    public static Pipeline create(String nodeName, List<String> interfaceNames, FlowTableConfig flowConfig,
                                  DetectionConfig detection, FlowSink flows, AnomalySink anomalies) {
        return create(nodeName, interfaceNames, flowConfig, detection, InspectionConfig.defaults(), flows, anomalies,
                InspectionSink.NONE);
    }

    /**
     * As above, with payload inspection's bounds and a sink for the application-layer
     * messages it finds (DNS, HTTP, TLS, SSH).
     */
    public static Pipeline create(String nodeName, List<String> interfaceNames, FlowTableConfig flowConfig,
                                  DetectionConfig detection, InspectionConfig inspectionConfig, FlowSink flows,
                                  AnomalySink anomalies, InspectionSink messages) {
        return create(nodeName, interfaceNames, flowConfig, detection, inspectionConfig, Signatures.bundled(), flows,
                anomalies, messages);
    }

    /**
     * As above, with the signature rules in force: their alerts go to {@code messages} and,
     * as {@code signature} anomalies, to {@code anomalies}.
     */
    public static Pipeline create(String nodeName, List<String> interfaceNames, FlowTableConfig flowConfig,
                                  DetectionConfig detection, InspectionConfig inspectionConfig, Signatures signatures,
                                  FlowSink flows, AnomalySink anomalies, InspectionSink messages) {
        return create(nodeName, interfaceNames, flowConfig, detection, inspectionConfig, signatures, flows, anomalies,
                messages, EdgeBaselines.NONE);
    }

    /** As above, with the edges' learned volumes the aggregator pushed, for {@code volume_spike}. */
    public static Pipeline create(String nodeName, List<String> interfaceNames, FlowTableConfig flowConfig,
                                  DetectionConfig detection, InspectionConfig inspectionConfig, Signatures signatures,
                                  FlowSink flows, AnomalySink anomalies, InspectionSink messages,
                                  EdgeBaselines baselines) {
        Detectors detectors = new Detectors(detection, anomalies, nodeName, baselines);
        FlowSink tee = flow -> {
            flows.onFlow(flow);
            detectors.onFlow(flow);
        };
        long flowIdBase = (ThreadLocalRandom.current().nextLong(1 << 20) + 1) << 32;
        Inspector inspector = new Inspector(inspectionConfig, signatures, messages, detectors);
        FlowTable table = new FlowTable(flowConfig, tee, nodeName, interfaceNames, flowIdBase).observe(inspector)
                .decide(detectors::onDecision, detection.decisionDelay()).repeats(detectors::onRepeat)
                .closes(detectors::onClose);
        return new Pipeline(table, detectors, inspector);
    }

    @Override
    public void onPacket(ByteBuffer frame, int linkType, long timestampNanos, int originalLength, int interfaceIndex) {
        packets.lazySet(packets.get() + 1);
        bytes.lazySet(bytes.get() + originalLength);
        lastPacketNanos.lazySet(timestampNanos);
        try {
            DecodedPacket p = decoder.decode(frame, linkType);
            int outcome = p.error.ordinal();
            decodeOutcomes.lazySet(outcome, decodeOutcomes.get(outcome) + 1);
            if (p.truncated) {
                truncated.lazySet(truncated.get() + 1);
            }
            if (p.tunnelsNotLocal != 0) {
                tunnelsNotLocal.lazySet(tunnelsNotLocal.get() + p.tunnelsNotLocal);
            }
            if (duplicates != null && p.layerCount > 0 && duplicates.seenBefore(frame, p.outer(), timestampNanos,
                    p.linkInterface >= 0 ? p.linkInterface : interfaceIndex)) {
                duplicatePackets.lazySet(duplicatePackets.get() + 1);
                return;
            }
            flowTable.update(p, frame, timestampNanos, originalLength, interfaceIndex);
        } catch (RuntimeException e) {
            failed.incrementAndGet();
        }
    }

    @Override
    public void onIdle(long nowNanos) {
        try {
            flowTable.tick(nowNanos);
        } catch (RuntimeException e) {
            failed.incrementAndGet();
        }
    }

    /**
     * Counts each packet once although several captured interfaces saw it (a bridge's ports,
     * a pod's veth and the node's interface): copies within {@code windowNanos} are counted
     * as duplicates and left out of the flows.
     */
    public Pipeline deduplicate(long windowNanos) {
        this.duplicates = new DuplicateFilter(windowNanos);
        return this;
    }

    /**
     * Reads VXLAN and Geneve on {@code ports} instead of their default ports. Call it while
     * wiring, before the first packet.
     */
    public Pipeline tunnelPorts(TunnelPorts ports) {
        this.tunnelPorts = ports;
        this.decoder = new PacketDecoder(ports, localAddresses);
        return this;
    }

    /**
     * Reads a datagram on a tunnel port as the tunnel only when it is the underlay of the node
     * whose addresses {@code local} holds: for live capture, where any pod can send such a
     * datagram holding inner packets with any addresses. Without it (a capture file, whose
     * addresses are not this machine's) every one is read. Call it while wiring, before the
     * first packet.
     */
    public Pipeline localAddresses(LocalAddresses local) {
        this.localAddresses = local;
        this.decoder = new PacketDecoder(tunnelPorts, local);
        return this;
    }

    /**
     * Names the flows' interfaces as {@code names} does when each record is built, not from the
     * list the pipeline was created with: a pcapng file declares interfaces after packets too.
     * Call it while wiring, before the first packet.
     */
    public Pipeline interfaceNames(InterfaceNames names) {
        flowTable.interfaceNames(names);
        return this;
    }

    /** Copies of packets already counted on another interface. */
    public long duplicatePackets() {
        return duplicatePackets.get();
    }

    /** Ends the capture: emits every open flow (the detectors judge each as it comes). */
    public void finish() {
        // A record whose building throws (a bug) is counted; the other flows still end.
        long attempts = flowTable.flowsActive() + 1;
        while (attempts-- > 0) {
            try {
                flowTable.flushAll(FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
                break;
            } catch (RuntimeException e) {
                failed.incrementAndGet();
            }
        }
    }

    public long packets() {
        return packets.get();
    }

    /** Bytes on the wire of every packet seen (original lengths). */
    public long bytes() {
        return bytes.get();
    }

    public long truncatedPackets() {
        return truncated.get();
    }

    /** Packets dropped because handling them threw: a bug, counted rather than fatal. */
    public long failedPackets() {
        return failed.get();
    }

    /** Datagrams on a tunnel port left plain UDP: not this node's underlay (live capture only). */
    public long tunnelsNotLocal() {
        return tunnelsNotLocal.get();
    }

    public long decodeOutcome(DecodeError e) {
        return decodeOutcomes.get(e.ordinal());
    }

    public long lastPacketNanos() {
        return lastPacketNanos.get();
    }

    public FlowTable flowTable() {
        return flowTable;
    }

    public Detectors detectors() {
        return detectors;
    }

    /** Turns signature alerts into anomalies. */
    public SignatureDetector signatureDetector() {
        return detectors.signature();
    }

    /** The inspection stage, or null when this pipeline has none. */

    public Inspector inspector() {
        return inspector;
    }
}
