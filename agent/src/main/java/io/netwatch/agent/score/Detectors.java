package io.netwatch.agent.score;

import io.netwatch.agent.flow.FlowSink;
import io.netwatch.agent.inspect.InspectionEvent;
import io.netwatch.agent.inspect.InspectionSink;
import io.netwatch.proto.flow.v1.Flow;

/**
 * The agent's detectors, wired: flow records go to the scan, flood, brute-force and
 * protocol-mismatch detectors; DNS queries to the tunnel and DGA detectors; signature alerts
 * to the signature detector. Every anomaly is counted by type and severity
 * ({@link #counts()}) on its way to the sink. Runs on the capture thread; a detector that
 * throws on one record (a bug) is the pipeline's to count.
 */
public final class Detectors implements FlowSink, InspectionSink {
    private final AnomalyCounts counts;
    private final ScanDetector scan;
    private final FloodDetector flood;
    private final BruteForceDetector bruteForce;
    private final ProtocolMismatchDetector mismatch;
    private final DnsTunnelDetector dnsTunnel;
    private final DgaDetector dga;
    private final SignatureDetector signature;

    public Detectors(DetectionConfig config, AnomalySink sink, String nodeName) {
        this.counts = new AnomalyCounts(sink);
        this.scan = new ScanDetector(config.scan(), counts, nodeName);
        this.flood = new FloodDetector(config.flood(), counts, nodeName);
        this.bruteForce = new BruteForceDetector(config.bruteForce(), counts, nodeName);
        this.mismatch = new ProtocolMismatchDetector(config.mismatch(), counts, nodeName);
        this.dnsTunnel = new DnsTunnelDetector(config.dnsTunnel(), counts, nodeName);
        this.dga = new DgaDetector(config.dga(), counts, nodeName);
        this.signature = new SignatureDetector(counts, nodeName);
    }

    @Override
    public void onFlow(Flow flow) {
        scan.onFlow(flow);
        flood.onFlow(flow);
        bruteForce.onFlow(flow);
        mismatch.onFlow(flow);
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

    /** Table entries forgotten to make room, every detector together (each is counted on its own too). */
    public long evictions() {
        return scan.walkEvictions() + scan.contactEvictions() + flood.evictions() + bruteForce.evictions()
                + mismatch.evictions() + dnsTunnel.evictions() + dga.evictions();
    }
}
