package io.netwatch.bench;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.export.AgentHealth;
import io.netwatch.agent.export.ExportConfig;
import io.netwatch.agent.export.FlowStreamer;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.InspectionSink;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.ingest.v1.FlowBatch;
import io.netwatch.proto.ingest.v1.Hello;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Heap bytes per item of the two bounds that size the pods' memory, measured as a live-heap
 * difference (the least heap in use over four collections, before and after N items are held):
 * a flow record in the agent's export queue (the Flow objects the pipeline built, from
 * repeated passes over real captures, so that no two records share their text), and a flow in
 * the aggregator's store (parsed from FlowBatch bytes as ingest parses them). Not part of
 * run.sh; run it with a serial collector and a heap that holds N items:
 *
 * <pre>java -XX:+UseSerialGC -Xmx2g -cp ... io.netwatch.bench.HeapPerItemBench export|store N CAPTURE...</pre>
 */
public final class HeapPerItemBench {
    private HeapPerItemBench() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int n = Integer.parseInt(args[1]);
        List<Path> captures = Arrays.stream(args, 2, args.length).map(Path::of).toList();
        List<Flow> prototypes = new ArrayList<>();
        replay(captures, prototypes::add); // also the warm-up: classes, rules and caches are not counted
        long before = heapUsed();
        Object held;
        switch (mode) {
            case "export" -> {
                ManagedChannel never = ManagedChannelBuilder.forTarget("127.0.0.1:9").usePlaintext().build();
                ExportConfig c = new ExportConfig(512, Duration.ofSeconds(1), n, 256, Duration.ofMillis(100),
                        Duration.ofSeconds(5), Duration.ofSeconds(5));
                FlowStreamer queue = new FlowStreamer(never, c, Hello.getDefaultInstance(), AgentHealth.NONE);
                while (queue.flowsQueued() < n) {
                    replay(captures, queue::onFlow); // never started: the records stay queued
                }
                held = queue;
            }
            case "store" -> {
                FlowStore store = new FlowStore(n, 1, Duration.ofHours(24));
                for (int i = 0; i < n; i += 512) {
                    FlowBatch.Builder b = FlowBatch.newBuilder().setSequence(i / 512 + 1);
                    for (int j = i; j < Math.min(n, i + 512); j++) {
                        b.addFlows(prototypes.get(j % prototypes.size()).toBuilder().setFlowId(j));
                    }
                    for (Flow f : FlowBatch.parseFrom(b.build().toByteArray()).getFlowsList()) {
                        store.addFlow(f, System.currentTimeMillis());
                    }
                }
                held = store;
            }
            default -> throw new IllegalArgumentException("mode is export or store, not " + mode);
        }
        long after = heapUsed();
        System.out.printf(Locale.ROOT, "%s: %d items from %d records of %d captures, %.1f heap bytes per item%n",
                mode, n, prototypes.size(), captures.size(), (after - before) / (double) n);
        java.lang.ref.Reference.reachabilityFence(held);
        java.lang.ref.Reference.reachabilityFence(prototypes);
    }

    /** The flow records Netwatch makes of the captures, as `netwatch inspect` runs them. */
    private static void replay(List<Path> captures, Consumer<Flow> out) throws Exception {
        Signatures rules = Signatures.bundled();
        for (Path p : captures) {
            try (PcapFileSource source = PcapFileSource.open(p)) {
                Pipeline pipeline = Pipeline.create("node-a", source.interfaceNames(), FlowTableConfig.defaults(),
                        DetectionConfig.defaults(), InspectionConfig.defaults(), rules, out::accept, AnomalySink.NONE,
                        InspectionSink.NONE);
                source.run(pipeline);
                pipeline.finish();
            }
        }
    }

    private static long heapUsed() throws InterruptedException {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
            least = Math.min(least, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return least;
    }
}
