package io.netwatch.agent.corpus;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.CaptureException;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.flow.FlowSink;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.InspectionEvent;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.agent.score.DetectionConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One corpus capture through the whole pipeline, as the oracle tests compare it with tshark. */
public final class CorpusPipeline {
    private CorpusPipeline() {
    }

    /** The application-layer messages of one kind the pipeline reports for {@code capture}. */
    public static <T extends InspectionEvent> List<T> events(Path capture, Class<T> kind) {
        List<T> out = new ArrayList<>();
        try (PcapFileSource source = PcapFileSource.open(capture)) {
            Pipeline p = Pipeline.create("corpus", source.interfaceNames(), CorpusFlowsTest.tsharkLikeTimeouts(),
                    DetectionConfig.defaults(), InspectionConfig.defaults(), FlowSink.NONE, AnomalySink.NONE, e -> {
                        if (kind.isInstance(e)) {
                            out.add(kind.cast(e));
                        }
                    });
            try {
                source.run(p);
            } catch (CaptureException damaged) {
                // tshark's rows stop at the damage too
            }
            p.finish();
        } catch (CaptureException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    /** The anomalies the pipeline raises on {@code capture}, with the agent's default settings. */
    public static List<Anomaly> anomalies(Path capture) {
        List<Anomaly> out = new ArrayList<>();
        try (PcapFileSource source = PcapFileSource.open(capture)) {
            Pipeline p = Pipeline.create("corpus", source.interfaceNames(), FlowTableConfig.defaults(),
                    DetectionConfig.defaults(), FlowSink.NONE, out::add);
            try {
                source.run(p);
            } catch (CaptureException damaged) {
                // a damaged capture is judged on what came before the damage
            }
            p.finish();
        } catch (CaptureException e) {
            throw new AssertionError(e);
        }
        return out;
    }
}
