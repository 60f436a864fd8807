package io.netwatch.aggregator.ml;

import io.micrometer.core.instrument.MeterRegistry;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.aggregator.store.StoreListener;
import io.netwatch.proto.flow.v1.Flow;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * The {@code ml_outlier} detector: stored flows become per-actor feature windows
 * ({@link FeatureWindows}), each closed window is scored by a Random Cut Forest
 * ({@link OutlierForest}), and an outlier goes back to the store as an anomaly that explains
 * itself ({@link OutlierAnomalies}). The storing thread only hands the flow over (a bounded
 * queue, drops counted); windows and scoring run on this detector's own thread.
 */
public final class MlDetector implements StoreListener, AutoCloseable {
    /** Flows waiting for the detector's thread; past this they are dropped (counted). */
    static final int QUEUE_CAPACITY = 65_536;
    /** Fixed seed: a replay scores the same way twice. */
    private static final long SEED = 0x6E657477L;

    private record Pending(Flow flow, long receivedMillis) {
    }

    private final MlConfig config;
    private final FlowStore store;
    private final LongSupplier clock;
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final FeatureWindows windows;
    private final OutlierForest forest;
    private final OutlierAnomalies anomalies = new OutlierAnomalies();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder scored = new LongAdder();
    private final LongAdder warming = new LongAdder();
    private final LongAdder outliers = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private volatile LongConsumer scoringNanos = n -> { };
    private volatile boolean running = true;
    private final Thread thread;

    private MlDetector(MlConfig config, FlowStore store, LongSupplier clock) {
        this.config = config;
        this.store = store;
        this.clock = clock;
        this.windows = new FeatureWindows(config.window().toMillis(), config.maxActors(), this::judge);
        this.forest = new OutlierForest(config.threshold(), config.warmupWindows(), SEED);
        this.thread = Thread.ofPlatform().name("netwatch-ml").daemon().unstarted(this::run);
    }

    /**
     * Starts the detector on {@code store} (it listens from now on) with its meters in
     * {@code meters}, or returns null when disabled.
     */
    public static MlDetector start(MlConfig config, FlowStore store, MeterRegistry meters) {
        MlDetector d = start(config, store, System::currentTimeMillis);
        if (d != null) {
            new MlMetrics(d).bindTo(meters);
        }
        return d;
    }

    static MlDetector start(MlConfig config, FlowStore store, LongSupplier clock) {
        if (!config.enabled()) {
            return null;
        }
        MlDetector d = new MlDetector(config, store, clock);
        d.thread.start();
        store.listen(d);
        return d;
    }

    @Override
    public void flowStored(Flow flow, long receivedMillis) {
        if (!running || !queue.offer(new Pending(flow, receivedMillis))) {
            dropped.increment();
        }
    }

    private void run() {
        while (running || !queue.isEmpty()) {
            try {
                Pending p = queue.poll(200, TimeUnit.MILLISECONDS);
                if (p != null) {
                    windows.accept(p.flow(), p.receivedMillis());
                }
            } catch (InterruptedException e) {
                running = false;
            } catch (RuntimeException e) {
                failures.increment();
            }
        }
        try {
            windows.flush();
        } catch (RuntimeException e) {
            failures.increment();
        }
    }

    private void judge(FeatureWindow w) {
        boolean warm = forest.warm();
        long t0 = System.nanoTime();
        var outlier = forest.judge(w);
        if (!warm) {
            warming.increment();
        } else {
            scored.increment();
            scoringNanos.accept(System.nanoTime() - t0);
        }
        outlier.ifPresent(o -> {
            outliers.increment();
            store.addAnomaly(anomalies.of(o), clock.getAsLong());
        });
    }

    /** Where the time to score each window goes (the metrics' histogram). */
    void timeScoringWith(LongConsumer nanos) {
        this.scoringNanos = nanos;
    }

    /** Stops taking flows, scores what was queued and the open windows, and stops the thread. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(TimeUnit.SECONDS.toMillis(10));
    }

    public MlConfig config() {
        return config;
    }

    /** Windows scored by a warm forest. */
    public long windowsScored() {
        return scored.sum();
    }

    /** Windows learned before the forest was warm (not scored). */
    public long windowsWarming() {
        return warming.sum();
    }

    public long outliers() {
        return outliers.sum();
    }

    /** Flows dropped because the detector's queue was full (or it was stopping). */
    public long dropped() {
        return dropped.sum();
    }

    /** Flows or windows whose handling threw (each skipped, counted). */
    public long failures() {
        return failures.sum();
    }

    /** Flows waiting in the queue. */
    public int queued() {
        return queue.size();
    }

    FeatureWindows windows() {
        return windows;
    }

    OutlierForest forest() {
        return forest;
    }
}
