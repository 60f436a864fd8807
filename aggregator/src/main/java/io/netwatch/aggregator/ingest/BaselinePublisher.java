package io.netwatch.aggregator.ingest;

import io.netwatch.aggregator.baseline.BaselineSnapshot;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes the learned baselines to every agent that announces the {@code baseline}
 * capability, as {@code BaselineUpdate} snapshots in parts on the ingest stream: at
 * subscription, then whenever the baseline changes (it is rebuilt at most every
 * {@code baseline.publish_every}). Follows {@link IdentityPublisher}'s shape: one tick thread,
 * nothing written while gRPC says a stream is not ready, a bounded number of parts per agent
 * per tick.
 */
public final class BaselinePublisher implements AutoCloseable {
    /** Edges per part. */
    public static final int PART_SIZE = 1024;
    /** Parts per agent per tick: 8 parts a second at most per agent. */
    static final int MAX_PARTS_PER_TICK = 8;
    private static final Logger log = LoggerFactory.getLogger(BaselinePublisher.class);

    private final Supplier<BaselineSnapshot> source;
    private final CopyOnWriteArrayList<AgentBaselineStream> streams = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService ticker;
    private final AtomicLong snapshotsSent = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    /** @param source the latest snapshot (read on every tick; cheap) */
    public BaselinePublisher(Supplier<BaselineSnapshot> source) {
        this.source = source;
        this.ticker = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("netwatch-baseline-stream").daemon().unstarted(r));
    }

    public BaselinePublisher start() {
        ticker.scheduleWithFixedDelay(this::flushAll, 1, 1, TimeUnit.SECONDS);
        return this;
    }

    AgentBaselineStream subscribe(AgentChannel channel) {
        AgentBaselineStream s = new AgentBaselineStream(channel, PART_SIZE);
        streams.add(s);
        nudge();
        return s;
    }

    void unsubscribe(AgentBaselineStream s) {
        streams.remove(s);
    }

    /** Flushes now rather than at the next tick (a new stream, or one ready again). */
    void nudge() {
        try {
            ticker.execute(this::flushAll);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private void flushAll() {
        BaselineSnapshot latest = source.get();
        for (AgentBaselineStream s : streams) {
            long before = s.snapshotsSent();
            try {
                s.flush(latest, MAX_PARTS_PER_TICK);
            } catch (RuntimeException e) {
                if (failures.getAndIncrement() == 0) {
                    log.info("baseline stream: a write failed ({}); the stream is dropped", e.toString());
                }
                unsubscribe(s);
            }
            snapshotsSent.addAndGet(s.snapshotsSent() - before);
        }
    }

    /** Agents being streamed to. */
    public int streams() {
        return streams.size();
    }

    /** Complete snapshots sent, all agents together. */
    public long snapshotsSent() {
        return snapshotsSent.get();
    }

    /** Writes that failed because a stream had gone. */
    public long failures() {
        return failures.get();
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
