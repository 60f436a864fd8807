package io.netwatch.agent;

import io.netwatch.agent.capture.LiveCapture;
import io.netwatch.agent.capture.PacketSource;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.decode.DecodeError;
import io.netwatch.agent.export.AgentHealth;
import io.netwatch.proto.flow.v1.LossCounter;
import io.netwatch.proto.flow.v1.LossReason;
import io.netwatch.proto.ingest.v1.AgentStatus;
import java.util.ArrayList;
import java.util.List;

/** Builds the agent's status and capture-side loss counters from its pipeline and source. */
final class AgentHealthReport implements AgentHealth {
    private final PacketSource source;
    private volatile Pipeline pipeline;
    private volatile boolean failed;

    AgentHealthReport(PacketSource source) {
        this.source = source;
    }

    void attach(Pipeline pipeline) {
        this.pipeline = pipeline;
    }

    void markFailed() {
        failed = true;
    }

    boolean failed() {
        return failed;
    }

    @Override
    public AgentStatus.Builder status() {
        Pipeline p = pipeline;
        AgentStatus.Builder b = AgentStatus.newBuilder()
                .addSourceStates(source.description() + (failed ? ": failed" : ": capturing"));
        if (p != null) {
            b.setPacketsSeen(p.packets()).setBytesSeen(p.bytes())
                    .setFlowsCreated(p.flowTable().flowsCreated())
                    .setFlowsExported(p.flowTable().recordsEmitted())
                    .setFlowsActive(p.flowTable().flowsActive())
                    .setAnomaliesRaised(p.detectors().counts().total());
        }
        return b;
    }

    @Override
    public List<LossCounter> lossCounters() {
        List<LossCounter> out = new ArrayList<>();
        if (source instanceof LiveCapture live) {
            List<String> names = live.interfaceNames();
            for (int i = 0; i < names.size(); i++) {
                out.add(counter(LossReason.LOSS_REASON_KERNEL_DROP, names.get(i), live.kernelDropped(i)));
                out.add(counter(LossReason.LOSS_REASON_INTERFACE_DROP, names.get(i), live.interfaceDropped(i)));
            }
        } else if (source instanceof PcapFileSource file) {
            List<String> names = file.interfaceNames();
            for (int i = 0; i < names.size(); i++) {
                out.add(counter(LossReason.LOSS_REASON_RECORDED_DROP, names.get(i), file.recordedDrops(i)));
            }
        }
        Pipeline p = pipeline;
        if (p != null) {
            long decodeErrors = p.failedPackets();
            for (DecodeError e : DecodeError.values()) {
                if (e != DecodeError.NONE && e != DecodeError.NOT_IP) {
                    decodeErrors += p.decodeOutcome(e);
                }
            }
            out.add(counter(LossReason.LOSS_REASON_DECODE_ERROR, "", decodeErrors));
            out.add(counter(LossReason.LOSS_REASON_FLOW_TABLE_EVICTION, "", p.flowTable().flowsEvicted()));
            out.add(counter(LossReason.LOSS_REASON_FRAGMENTS_INCOMPLETE, "", p.flowTable().fragmentsUncounted()));
        }
        return out;
    }

    private static LossCounter counter(LossReason reason, String iface, long count) {
        return LossCounter.newBuilder().setReason(reason).setInterface(iface).setCount(count).build();
    }
}
