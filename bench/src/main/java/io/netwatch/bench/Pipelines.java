package io.netwatch.bench;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.CaptureException;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.flow.FlowSink;
import io.netwatch.agent.flow.FlowTable;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.agent.score.Detectors;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.InspectionSink;
import io.netwatch.agent.inspect.MessageKind;
import io.netwatch.agent.inspect.signature.Signatures;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Function;

/**
 * The pipelines the benchmarks time, built as {@link FileBench} and {@link CompareBuilds} both
 * build them, so that the reference for the inspection goal is one thing in both.
 */
public final class Pipelines {
    private Pipelines() {
    }

    /**
     * The whole pipeline but payload inspection: decode, flow table, the decisions and close
     * reports, and the detectors on them; what {@link Pipeline#create} wires, less the
     * inspection stage and the detectors that only read its messages. The reference for the
     * inspection goal: Netwatch's rate with inspection against this one's.
     */
    public static Pipeline uninspected(List<String> interfaceNames) {
        DetectionConfig detection = DetectionConfig.defaults();
        Detectors detectors = new Detectors(detection, AnomalySink.NONE, "bench");
        FlowTable table = new FlowTable(FlowTableConfig.defaults(), detectors::onFlow, "bench", interfaceNames, 0)
                .decide(detectors::onDecision, detection.decisionDelay()).repeats(detectors::onRepeat)
                .closes(detectors::onClose);
        return new Pipeline(table, detectors);
    }

    /** What {@link Pipeline#create} wires (inspection, the bundled rules, the detectors), records to no one. */
    public static Pipeline inspected(List<String> interfaceNames) {
        return Pipeline.create("bench", interfaceNames, FlowTableConfig.defaults(), DetectionConfig.defaults(),
                FlowSink.NONE, AnomalySink.NONE);
    }

    /**
     * The inspection stage with no parser and no rule (reassembly, the protocol named by
     * payload, each flow's inspection state and its budget): what every parser and rule is
     * added to, the floor of the inspection goal.
     */
    public static Pipeline inspectionFloor(List<String> interfaceNames) {
        return Pipeline.create("bench", interfaceNames, FlowTableConfig.defaults(), DetectionConfig.defaults(),
                InspectionConfig.defaults().withParsers(EnumSet.noneOf(MessageKind.class)), Signatures.none(),
                FlowSink.NONE, AnomalySink.NONE, InspectionSink.NONE);
    }

    /**
     * One pass over {@code file}: {@code inspected} or not, {@code finish()} included.
     *
     * @return nanoseconds, and in {@code packets[0]} the packets the pipeline saw
     */
    public static long pass(Path file, boolean inspected, long[] packets) throws CaptureException {
        return pass(file, inspected ? Pipelines::inspected : Pipelines::uninspected, packets);
    }

    /**
     * One pass over {@code file} with the pipeline {@code factory} builds for its interfaces,
     * {@code finish()} included.
     *
     * @return nanoseconds, and in {@code packets[0]} the packets the pipeline saw
     */
    public static long pass(Path file, Function<List<String>, Pipeline> factory, long[] packets)
            throws CaptureException {
        long t0 = System.nanoTime();
        Pipeline pipeline;
        try (PcapFileSource source = PcapFileSource.open(file)) {
            pipeline = factory.apply(source.interfaceNames());
            source.run(pipeline);
        }
        pipeline.finish();
        long elapsed = System.nanoTime() - t0;
        packets[0] = pipeline.packets();
        return elapsed;
    }
}
