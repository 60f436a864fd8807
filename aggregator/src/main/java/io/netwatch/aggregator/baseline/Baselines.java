package io.netwatch.aggregator.baseline;

import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.aggregator.store.StoreListener;
import io.netwatch.common.Durations;
import io.netwatch.proto.baseline.v1.BaselineState;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.PolicyDecision;
import io.netwatch.proto.ingest.v1.BaselineEdge;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregator's baselines: learns every workload edge from the stored flows, raises
 * {@code new_edge} and {@code lateral_movement} after learning, keeps the baseline in
 * {@code baseline.file} across restarts and offers it to the agents as a
 * {@link BaselineSnapshot}. The store's thread only enqueues a flow (a full queue drops it,
 * counted); one baseline thread owns the table and does everything else.
 */
public final class Baselines implements StoreListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Baselines.class);

    /**
     * A flow waiting for the baseline thread, with the clocks' readings the ingest thread stamped
     * it with (wall clock in milliseconds since the epoch, {@link System#nanoTime}).
     */
    private record Pending(Flow flow, long receivedMillis, long receivedNanos) {
    }

    private final BaselineConfig config;
    private final FlowStore store;
    /** The wall clock, milliseconds since the epoch. */
    private final LongSupplier clock;
    /** The monotonic clock, {@link System#nanoTime}: time passing, which the wall clock's steps do not move. */
    private final LongSupplier clockNanos;
    private final BaselineFile file;
    private final BaselineTable table;
    private final LateralMovementDetector lateral;
    private final ArrayBlockingQueue<Pending> queue;
    private final ScheduledExecutorService thread;
    private final String boot = UUID.randomUUID().toString().substring(0, 8);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong unnamed = new AtomicLong();
    private final AtomicLong newEdges = new AtomicLong();
    private final AtomicLong newEdgesUnreported = new AtomicLong();
    private final AtomicLong saves = new AtomicLong();
    private final AtomicLong saveFailures = new AtomicLong();
    private final AtomicLong loadFailures = new AtomicLong();
    private final AtomicLong restoreSkipped = new AtomicLong();
    private long nextId = 1;
    private long reportMinute = -1;
    private int reportedThisMinute;
    private long changes;
    private long publishedChanges = -1;
    private volatile BaselineSnapshot snapshot = new BaselineSnapshot(0, List.of());
    /** The table has held an edge (here or in the file it restored): an empty snapshot then says they are gone. */
    private boolean heldEdges;
    /** Figures read by other threads (metrics), refreshed by the baseline thread. */
    private volatile Stats stats = new Stats(0, 0, true, 0, 0, 0, 0, 0);
    private volatile boolean closed;

    /**
     * Figures of the baseline for metrics and tests.
     *
     * @param edgesExpired edges forgotten because they went unused for longer than {@code baseline.edge_expiry}
     * @param clockSteps   steps of the aggregator's wall clock of more than a minute, either way, beyond
     *                     the time that passed
     */
    public record Stats(int edges, int workloads, boolean learning, long edgesEvicted, long workloadsEvicted,
                        long lateralEvicted, long edgesExpired, long clockSteps) {
    }

    private Baselines(BaselineConfig config, FlowStore store, LongSupplier clockMillis, LongSupplier clockNanos) {
        this.config = config;
        this.store = store;
        this.clock = clockMillis;
        this.clockNanos = clockNanos;
        this.file = config.file() == null ? null
                : new BaselineFile(config.file(), (long) config.maxEdges() + config.maxWorkloads());
        this.table = new BaselineTable(config);
        this.lateral = new LateralMovementDetector(config);
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
        this.thread = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("netwatch-baseline").daemon().unstarted(r));
    }

    /**
     * Loads the file (when there is one), listens to the store and starts the baseline thread.
     *
     * @param clockMillis the wall clock ({@link System#currentTimeMillis}), the flows' stamps' clock
     * @param clockNanos  the monotonic clock ({@link System#nanoTime}) the flows are stamped with too
     * @throws IllegalArgumentException naming {@code baseline.file} when it or its directory
     *                                  cannot be used
     * @throws IOException              when reading the file fails otherwise
     */
    public static Baselines start(BaselineConfig config, FlowStore store, LongSupplier clockMillis,
                                  LongSupplier clockNanos) throws IOException {
        Baselines b = new Baselines(config, store, clockMillis, clockNanos);
        b.load();
        store.listen(b);
        b.thread.scheduleWithFixedDelay(b::guarded, 100, 100, TimeUnit.MILLISECONDS);
        if (b.file != null) {
            long every = config.saveEvery().toMillis();
            b.thread.scheduleWithFixedDelay(b::save, every, every, TimeUnit.MILLISECONDS);
        }
        long publish = config.publishEvery().toMillis();
        b.thread.scheduleWithFixedDelay(b::publish, publish, publish, TimeUnit.MILLISECONDS);
        return b;
    }

    /**
     * What {@link #start} refuses in {@code baseline.file} before reading it (a missing or
     * unwritable directory, a directory named as the file), without reading or writing
     * anything: for a configuration check that must refuse what the start would.
     *
     * @throws IllegalArgumentException naming baseline.file and what to fix
     */
    public static void checkFile(Path file) {
        BaselineFile.checkUsable(file);
    }

    private void load() throws IOException {
        if (file == null) {
            return;
        }
        switch (file.load()) {
            case BaselineFile.Loaded.Absent a -> log.info("baseline: {} does not exist yet; learning from the first flow",
                    file.path());
            case BaselineFile.Loaded.Ok ok -> {
                int skipped = table.restore(ok.state());
                restoreSkipped.addAndGet(skipped);
                changes++;
                log.info("baseline: {} edges restored from {}", table.edges(), file.path());
                // A file whose learning started held an edge (the first flow makes one), which
                // the agents may hold: empty, it was emptied by expiry and written before the
                // emptied snapshot was published. Not when entries were skipped: a damaged
                // file's emptiness says nothing of what the agents should forget.
                heldEdges = table.edges() > 0 || table.learningStarted() >= 0 && skipped == 0;
                now();
                int expired = table.expire();
                if (expired > 0) {
                    log.info("baseline: {} of them unused for longer than baseline.edge_expiry ({}), forgotten",
                            expired, Durations.format(config.edgeExpiry()));
                }
            }
            case BaselineFile.Loaded.Corrupt c -> {
                loadFailures.incrementAndGet();
                log.warn("baseline: {} is damaged ({}); moved to {}, learning starts again", file.path(), c.reason(),
                        c.movedTo());
            }
        }
        refreshStats();
        buildSnapshot();
    }

    @Override
    public void flowStored(Flow flow, long receivedMillis, long receivedNanos) {
        if (closed || !queue.offer(new Pending(flow, receivedMillis, receivedNanos))) {
            dropped.incrementAndGet();
        }
    }

    /**
     * The baseline's time for the baseline thread's own reading of the clocks: the wall clock,
     * then the monotonic one (the ingest threads read them the other way round, so a flow stamped
     * before a step of the wall clock is stamped before any reading taken here after it).
     */
    private long now() {
        long wall = clock.getAsLong();
        return table.now(wall, clockNanos.getAsLong());
    }

    private void guarded() {
        try {
            drain();
        } catch (RuntimeException e) {
            log.warn("baseline: a flow failed to apply (skipped)", e);
        }
    }

    private void drain() {
        Pending p;
        while ((p = queue.poll()) != null) {
            apply(p.flow(), p.receivedMillis(), p.receivedNanos());
        }
        now();
        if (table.expire() > 0) {
            changes++;
        }
        refreshStats();
    }

    /**
     * @param receivedMillis when the aggregator got the flow (wall clock): the store's time
     * @param receivedNanos  the monotonic clock then
     */
    private void apply(Flow flow, long receivedMillis, long receivedNanos) {
        long now = table.now(receivedMillis, receivedNanos);
        EdgeNames.Named src = EdgeNames.of(flow.getSource());
        EdgeNames.Named dst = EdgeNames.of(flow.getDestination());
        if (src == null || dst == null) {
            unnamed.incrementAndGet();
            return;
        }
        EdgeKey key = new EdgeKey(src.name(), dst.name(), flow.getDestination().getPort(), flow.getIpProtocol());
        EdgeKey alias = src.network() == null && dst.network() == null ? null
                : new EdgeKey(src.network() != null ? src.network() : src.name(),
                        dst.network() != null ? dst.network() : dst.name(), key.port(), key.protocol());
        long bytes = flow.getInterim() ? 0
                : EdgeStats.saturatedAdd(flow.getToServer().getBytes(), flow.getToClient().getBytes());
        boolean denied = flow.getPolicy().getDecision() == PolicyDecision.POLICY_DECISION_DENIED;
        BaselineTable.Verdict v = table.observe(key, alias, src, dst, now, flow.getNodeName(), bytes,
                flow.getInterim() ? 0 : 1, denied);
        if (v == BaselineTable.Verdict.KNOWN) {
            return;
        }
        changes++;
        if (v == BaselineTable.Verdict.LEARNED) {
            return;
        }
        newEdges.incrementAndGet();
        if (reportAllowed(now)) {
            store.addAnomaly(BaselineAnomalies.newEdge("aggregator.new_edge:" + boot + ":" + nextId++, key, flow,
                    table.learningStarted(), table.edges(), now, denied), receivedMillis);
        } else {
            newEdgesUnreported.incrementAndGet();
        }
        if (src.workload()) {
            LateralMovementDetector.Burst burst = lateral.onNewEdge(key, flow.getFlowId(), now);
            if (burst != null) {
                store.addAnomaly(BaselineAnomalies.lateral("aggregator.lateral_movement:" + boot + ":" + nextId++,
                        burst, flow, config), receivedMillis);
            }
        }
    }

    private boolean reportAllowed(long now) {
        long minute = Math.floorDiv(now, 60_000);
        if (minute != reportMinute) {
            reportMinute = minute;
            reportedThisMinute = 0;
        }
        return reportedThisMinute++ < config.maxNewEdgesPerMinute();
    }

    private void refreshStats() {
        boolean learning = table.learning(now());
        stats = new Stats(table.edges(), table.workloads(), learning, table.edgesEvicted(), table.workloadsEvicted(),
                lateral.evicted(), table.edgesExpired(), table.clockSteps());
    }

    private void save() {
        if (file == null) {
            return;
        }
        try {
            drain();
            BaselineState state = table.state(now());
            file.save(state);
            saves.incrementAndGet();
        } catch (IOException | RuntimeException e) {
            if (saveFailures.getAndIncrement() == 0) {
                log.warn("baseline: cannot write {} (later failures are only counted): {}", file.path(), e.toString());
            }
        }
    }

    private void publish() {
        try {
            drain();
            if (changes != publishedChanges) {
                buildSnapshot();
            }
        } catch (RuntimeException e) {
            log.warn("baseline: building the agents' snapshot failed", e);
        }
    }

    private void buildSnapshot() {
        table.settle(now());
        List<BaselineEdge> edges = new ArrayList<>(table.edges());
        for (Map.Entry<EdgeKey, EdgeStats> e : table.entries()) {
            EdgeKey k = e.getKey();
            EdgeStats s = e.getValue();
            edges.add(BaselineEdge.newBuilder().setSource(k.source()).setDestination(k.destination()).setPort(k.port())
                    .setIpProtocol(k.protocol()).setBytesPerMinuteMean(s.bytesMean)
                    .setBytesPerMinuteStddev(s.bytesStddev()).setFlowsPerMinuteMean(s.flowsMean)
                    .setFlowsPerMinuteStddev(s.flowsStddev()).setMinutes(s.minutes).build());
        }
        publishedChanges = changes;
        heldEdges |= !edges.isEmpty();
        snapshot = new BaselineSnapshot(snapshot.id() + 1, edges, edges.isEmpty() && heldEdges);
    }

    /**
     * Applies every flow queued so far and rebuilds the agents' snapshot now, on the baseline
     * thread (tests, and a caller that wants the baseline current).
     */
    public void flush() {
        run(() -> {
            drain();
            buildSnapshot();
        });
    }

    /** Writes the file now (when there is one), after applying what is queued. */
    public void saveNow() {
        run(this::save);
    }

    private void run(Runnable r) {
        try {
            thread.submit(r).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("baseline thread: " + e, e);
        }
    }

    /** The baseline as last published to the agents. */
    public BaselineSnapshot snapshot() {
        return snapshot;
    }

    public Stats stats() {
        return stats;
    }

    public BaselineConfig config() {
        return config;
    }

    /** Flows not applied because the queue was full (or the baselines closed). */
    public long dropped() {
        return dropped.get();
    }

    /** Flows left out because an end had no usable name (no address, a label too long). */
    public long unnamed() {
        return unnamed.get();
    }

    /** New edges after learning, each one raised as new_edge unless over the per-minute cap. */
    public long newEdges() {
        return newEdges.get();
    }

    /** New edges learned without a new_edge anomaly because the per-minute cap was reached. */
    public long newEdgesUnreported() {
        return newEdgesUnreported.get();
    }

    public long lateralRaised() {
        return lateral.raised();
    }

    public long saves() {
        return saves.get();
    }

    public long saveFailures() {
        return saveFailures.get();
    }

    /** Files found damaged at start (moved aside; learning started again). */
    public long loadFailures() {
        return loadFailures.get();
    }

    /** Entries of the file left out because they were not well formed. */
    public long restoreSkipped() {
        return restoreSkipped.get();
    }

    /** Stops learning, applies what is queued and writes the file a last time. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            run(this::save);
        } catch (IllegalStateException e) {
            log.warn("baseline: last save failed: {}", e.getMessage());
        }
        thread.shutdownNow();
    }
}
