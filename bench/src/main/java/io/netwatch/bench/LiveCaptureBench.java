package io.netwatch.bench;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LiveCapture;
import io.netwatch.agent.capture.LiveCaptureConfig;
import io.netwatch.agent.flow.FlowSink;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The capture side of the live drop-rate measurement: the agent's {@link LiveCapture} (default
 * settings, as the agent runs it) feeding a {@link Pipeline} on one interface. bench/run.sh starts
 * it inside the receiving network namespace and steps it through files in DIR:
 * <ol>
 *   <li>it writes {@code ready} once the interface is open;</li>
 *   <li>the script sends a warm-up burst, then creates {@code mark}: once the count has stopped
 *       moving, the counters are noted as the baseline and {@code marked} is written;</li>
 *   <li>the script sends the measured burst, then creates {@code stop}: once the count has
 *       stopped moving again, the capture is closed and the figures since the mark written.</li>
 * </ol>
 * "Stopped moving" waits past one idle tick, when LiveCapture refreshes libpcap's statistics, so
 * they are current. Every wait is bounded.
 *
 * <pre>
 * LiveCaptureBench IFACE DIR OUT.properties
 * </pre>
 */
public final class LiveCaptureBench {
    /** How long the count must stay still before the ring counts as drained, milliseconds. */
    private static final long SETTLE_MILLIS = 2_500;
    /** Longest wait for the script's next step, milliseconds: never outlives a broken script. */
    private static final long MAX_WAIT_MILLIS = 120_000;

    private final LiveCapture capture;
    private final Pipeline pipeline;

    private LiveCaptureBench(LiveCapture capture, Pipeline pipeline) {
        this.capture = capture;
        this.pipeline = pipeline;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: LiveCaptureBench IFACE DIR OUT.properties");
            System.exit(2);
        }
        String iface = args[0];
        Path dir = Path.of(args[1]);
        Results out = new Results(Path.of(args[2]));

        LiveCaptureConfig config = LiveCaptureConfig.of(List.of(iface), "");
        LiveCapture capture = LiveCapture.open(config);
        Pipeline pipeline = Pipeline.create("bench", capture.interfaceNames(), FlowTableConfig.defaults(),
                DetectionConfig.defaults(), FlowSink.NONE, AnomalySink.NONE);
        Throwable[] failure = new Throwable[1];
        Thread runner = Thread.ofPlatform().name("bench-capture").start(() -> {
            try {
                capture.run(pipeline);
            } catch (Exception e) {
                failure[0] = e;
            }
        });
        LiveCaptureBench bench = new LiveCaptureBench(capture, pipeline);
        Files.writeString(dir.resolve("ready"), "ready\n");

        bench.await(dir.resolve("mark"), runner);
        bench.settle(runner);
        long counted0 = pipeline.packets();
        long received0 = capture.received(0);
        long dropped0 = capture.kernelDropped(0);
        long ifDropped0 = capture.interfaceDropped(0);
        Files.writeString(dir.resolve("marked"), "marked\n");

        bench.await(dir.resolve("stop"), runner);
        bench.settle(runner);
        capture.close();
        runner.join(10_000);
        capture.release();
        if (failure[0] != null) {
            throw new IllegalStateException("capture failed: " + failure[0], failure[0]);
        }
        pipeline.finish();

        out.put("interface", iface);
        out.put("jvm.options", String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean()
                .getInputArguments()));
        out.put("jvm.gc", java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(java.lang.management.GarbageCollectorMXBean::getName)
                .collect(java.util.stream.Collectors.joining(",")));
        out.put("counted", pipeline.packets() - counted0);
        out.put("pcap.received", capture.received(0) - received0);
        out.put("pcap.dropped", capture.kernelDropped(0) - dropped0);
        out.put("pcap.ifdropped", capture.interfaceDropped(0) - ifDropped0);
        out.put("warmup.counted", counted0);
        out.put("warmup.pcap.received", received0);
        out.put("warmup.pcap.dropped", dropped0);
        out.put("flows.created", pipeline.flowTable().flowsCreated());
        out.put("packets.failed", pipeline.failedPackets());
        out.put("buffer.bytes", config.bufferBytes());
        out.put("snap.length", config.snapLength());
        out.put("immediate", config.immediateMode());
        out.write();
        System.out.printf("[live] measured phase: counted %d packets; libpcap received %d, dropped %d"
                        + " (warm-up: counted %d, dropped %d)%n", pipeline.packets() - counted0,
                capture.received(0) - received0, capture.kernelDropped(0) - dropped0, counted0, dropped0);
    }

    private void await(Path file, Thread runner) throws InterruptedException {
        long deadline = System.currentTimeMillis() + MAX_WAIT_MILLIS;
        while (!Files.exists(file)) {
            if (System.currentTimeMillis() > deadline || !runner.isAlive()) {
                capture.close();
                throw new IllegalStateException("gave up waiting for " + file);
            }
            Thread.sleep(50);
        }
    }

    /** Waits until the packet count has not moved for SETTLE_MILLIS. */
    private void settle(Thread runner) throws InterruptedException {
        long seen = -1;
        long stillSince = System.currentTimeMillis();
        while (System.currentTimeMillis() - stillSince < SETTLE_MILLIS && runner.isAlive()) {
            Thread.sleep(100);
            long now = pipeline.packets();
            if (now != seen) {
                seen = now;
                stillSince = System.currentTimeMillis();
            }
        }
    }
}
