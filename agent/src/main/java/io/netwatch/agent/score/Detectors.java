package io.netwatch.agent.score;

import io.netwatch.agent.flow.FlowSink;
import io.netwatch.agent.inspect.InspectionEvent;
import io.netwatch.agent.inspect.InspectionSink;
import io.netwatch.common.metrics.AnomalyCounts;
import io.netwatch.proto.flow.v1.Flow;
import java.util.List;

/**
 * The agent's detectors, wired: the flow table's decisions (a flow's outcome as soon as it
 * is known) go to the scan and flood detectors, and the repeats of unanswered flows to the
 * flood detector; each TCP flow's close to the brute-force
 * and upload detectors, final flow records to the protocol-mismatch detector, and to the volume-spike
 * detector when baselines were pushed;
 * DNS queries to the tunnel and DGA detectors; signature alerts
 * to the signature detector. Every anomaly is counted by type and severity
 * ({@link #counts()}) on its way to the sink. Runs on the capture thread; a detector that
 * throws on one record (a bug) is the pipeline's to count.
 */
public final class Detectors implements FlowSink, InspectionSink {
    /** Every anomaly type the agent raises. */
    public static final List<String> TYPES = List.of(ScanDetector.PORT_SCAN, ScanDetector.IP_SWEEP,
            FloodDetector.SYN_FLOOD, FloodDetector.UDP_FLOOD, DnsTunnelDetector.DNS_TUNNEL,
            DnsTunnelDetector.EXFILTRATION, DgaDetector.TYPE, BruteForceDetector.TYPE, ProtocolMismatchDetector.TYPE,
            SignatureDetector.TYPE, VolumeSpikeDetector.TYPE);

    private final AnomalyCounts counts;
    private final ScanDetector scan;
    private final FloodDetector flood;
    private final BruteForceDetector bruteForce;
    private final UploadDetector upload;
    private final ProtocolMismatchDetector mismatch;
    private final DnsTunnelDetector dnsTunnel;
    private final DgaDetector dga;
    private final SignatureDetector signature;
    private final VolumeSpikeDetector volumeSpike;

    public Detectors(DetectionConfig config, AnomalySink sink, String nodeName) {
        this(config, sink, nodeName, EdgeBaselines.NONE);
    }

    /** @param baselines the edges' learned volumes, as the aggregator pushed them (volume_spike) */
    public Detectors(DetectionConfig config, AnomalySink sink, String nodeName, EdgeBaselines baselines) {
        this.counts = new AnomalyCounts(TYPES);
        AnomalySink counted = a -> {
            counts.count(a);
            sink.onAnomaly(a);
        };
        this.scan = new ScanDetector(config.scan(), counted, nodeName);
        this.flood = new FloodDetector(config.flood(), counted, nodeName);
        this.bruteForce = new BruteForceDetector(config.bruteForce(), counted, nodeName);
        this.upload = new UploadDetector(counted, nodeName);
        this.mismatch = new ProtocolMismatchDetector(config.mismatch(), counted, nodeName);
        this.dnsTunnel = new DnsTunnelDetector(config.dnsTunnel(), config.trustedZones(), counted, nodeName);
        this.dga = new DgaDetector(config.dga(), config.trustedZones(), counted, nodeName);
        this.signature = new SignatureDetector(counted, nodeName);
        this.volumeSpike = new VolumeSpikeDetector(config.volumeSpike(), baselines, counted, nodeName);
    }

    /** A flow record (interim or final) as the flow table emits it. */
    @Override
    public void onFlow(Flow flow) {
        mismatch.onFlow(flow);
        volumeSpike.onFlow(flow);
    }

    /** Large uploads to outside addresses ({@code exfiltration} by volume). */
    public UploadDetector upload() {
        return upload;
    }

    /** A TCP flow as it closes, once per flow ({@link io.netwatch.agent.flow.FlowTable#closes}). */
    public void onClose(Flow closed) {
        bruteForce.onFlow(closed);
        upload.onFlow(closed);
    }

    /** A flow's outcome, once per TCP or UDP flow ({@link io.netwatch.agent.flow.FlowTable#decide}). */
    public void onDecision(io.netwatch.agent.flow.FlowOutcome decision) {
        scan.onOutcome(decision);
        flood.onOutcome(decision);
    }

    /**
     * What the initiator of a flow decided unanswered went on sending, about once a second
     * ({@link io.netwatch.agent.flow.FlowTable#repeats}): the flood detector's. The scan
     * detector judges first contacts, which a flow makes once.
     */
    public void onRepeat(io.netwatch.agent.flow.FlowOutcome flow, long packets, long sinceNanos) {
        flood.onRepeat(flow, packets, sinceNanos);
    }

    /** The DNS tunnel and DGA detectors read queries only. */
    @Override
    public boolean takesDnsResponses() {
        return false;
    }

    /** DNS messages and signature alerts (the inspection stage's detector sink). */
    @Override
    public void onEvent(InspectionEvent event) {
        switch (event) {
            case InspectionEvent.Dns d -> {
                dnsTunnel.onEvent(d);
                dga.onEvent(d);
            }
            case InspectionEvent.Alert a -> signature.onEvent(a);
            default -> {
            }
        }
    }

    public AnomalyCounts counts() {
        return counts;
    }

    public ScanDetector scan() {
        return scan;
    }

    public FloodDetector flood() {
        return flood;
    }

    public BruteForceDetector bruteForce() {
        return bruteForce;
    }

    public ProtocolMismatchDetector mismatch() {
        return mismatch;
    }

    public DnsTunnelDetector dnsTunnel() {
        return dnsTunnel;
    }

    public DgaDetector dga() {
        return dga;
    }

    public SignatureDetector signature() {
        return signature;
    }

    public VolumeSpikeDetector volumeSpike() {
        return volumeSpike;
    }

    /** Table entries forgotten to make room, every detector together (each is counted on its own too). */
    public long evictions() {
        return scan.walkEvictions() + scan.contactEvictions() + flood.evictions() + bruteForce.evictions()
                + mismatch.evictions() + dnsTunnel.evictions() + dnsTunnel.queryCopyEvictions()
                + dnsTunnel.searchPathClientEvictions() + dnsTunnel.searchPathStemOverwrites() + dga.evictions()
                + volumeSpike.evictions() + upload.evictions();
    }
}
