package io.netwatch.agent.corpus;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.CaptureException;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.flow.FlowSink;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.InspectionEvent;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.PortScanConfig;
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
                    PortScanConfig.defaults(), InspectionConfig.defaults(), FlowSink.NONE, AnomalySink.NONE, e -> {
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
}
