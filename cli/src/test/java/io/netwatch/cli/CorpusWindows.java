package io.netwatch.cli;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.CaptureException;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.aggregator.ml.FeatureWindow;
import io.netwatch.aggregator.ml.FeatureWindows;
import io.netwatch.aggregator.ml.MlConfig;
import io.netwatch.proto.flow.v1.Flow;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One corpus capture through the agent's whole pipeline (default settings), its flows turned
 * into the ml detector's actor windows as the aggregator would make them.
 */
final class CorpusWindows {
    private CorpusWindows() {
    }

    /** The flows the agent's pipeline exports for {@code capture}. */
    static List<Flow> flows(Path capture) {
        List<Flow> out = new ArrayList<>();
        try (PcapFileSource source = PcapFileSource.open(capture)) {
            Pipeline p = Pipeline.create("corpus", source.interfaceNames(), FlowTableConfig.defaults(),
                    DetectionConfig.defaults(), out::add, AnomalySink.NONE);
            try {
                source.run(p);
            } catch (CaptureException damaged) {
                // a damaged capture is judged on what came before the damage
            }
            p.finish();
        } catch (CaptureException e) {
            throw new AssertionError(capture + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** The closed windows of {@code capture}'s actors, with the default window length. */
    static List<FeatureWindow> windows(Path capture) {
        List<FeatureWindow> out = new ArrayList<>();
        FeatureWindows windows = new FeatureWindows(MlConfig.DEFAULT_WINDOW.toMillis(), MlConfig.DEFAULT_MAX_ACTORS,
                out::add);
        long now = System.currentTimeMillis();
        for (Flow f : flows(capture)) {
            windows.accept(f, now);
        }
        windows.flush();
        return out;
    }
}
