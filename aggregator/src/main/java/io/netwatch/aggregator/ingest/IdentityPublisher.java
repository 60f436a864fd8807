package io.netwatch.aggregator.ingest;

import io.netwatch.aggregator.identity.AddressHolder;
import io.netwatch.aggregator.identity.IdentityIndex;
import io.netwatch.aggregator.identity.IpKey;
import io.netwatch.aggregator.store.IdentityStreamCounters;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams who holds each address to every agent that takes identities: listens to the
 * {@link IdentityIndex}'s changes of current holders, hands them to each agent's
 * {@link AgentIdentityStream}, and on one tick thread sends each stream what its transport
 * and budget allow. Only current holders travel; the history stays here, and the
 * aggregator's own enrichment stays the authority for stored flows.
 *
 * <p>Never blocks the cluster's writer thread: a change is one map put per connected agent.
 */
public final class IdentityPublisher implements IdentityIndex.Changes, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IdentityPublisher.class);

    private final IdentityIndex index;
    private final BooleanSupplier clusterListed;
    private final IdentityStreamConfig config;
    private final CopyOnWriteArrayList<AgentIdentityStream> streams = new CopyOnWriteArrayList<>();
    private final AtomicLong nextStream = new AtomicLong(1);
    private final AtomicLong failures = new AtomicLong();
    private final ScheduledExecutorService ticker;
    private volatile boolean started;

    /**
     * @param clusterListed whether the cluster has been listed: no snapshot is sent before, so
     *                      an aggregator that has just started never wipes an agent's copy
     */
    public IdentityPublisher(IdentityIndex index, BooleanSupplier clusterListed, IdentityStreamConfig config) {
        this.index = index;
        this.clusterListed = clusterListed;
        this.config = config;
        this.ticker = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("netwatch-identity-stream").daemon().unstarted(r));
    }

    /** Listens to the index and starts the tick. */
    public IdentityPublisher start() {
        index.listen(this);
        started = true;
        long tick = config.tick().toNanos();
        ticker.scheduleWithFixedDelay(this::flushAll, tick, tick, TimeUnit.NANOSECONDS);
        return this;
    }

    @Override
    public void changed(IpKey ip, AddressHolder holder) {
        for (AgentIdentityStream s : streams) {
            s.offer(ip, holder);
        }
    }

    /** Starts streaming to one agent's stream; the snapshot goes first. Close it when the stream ends. */
    AgentIdentityStream subscribe(AgentChannel channel, IdentityStreamCounters counters) {
        AgentIdentityStream s = new AgentIdentityStream(index, channel, config, counters, nextStream.getAndIncrement());
        streams.add(s);
        nudge();
        return s;
    }

    /** Flushes now rather than at the next tick (a new stream, or one ready again); only once started. */
    void nudge() {
        if (!started) {
            return;
        }
        try {
            ticker.execute(this::flushAll);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    void unsubscribe(AgentIdentityStream s) {
        s.close();
        streams.remove(s);
    }

    private void flushAll() {
        boolean listed = clusterListed.getAsBoolean();
        for (AgentIdentityStream s : streams) {
            try {
                s.flush(listed);
            } catch (RuntimeException e) {
                // The stream went away under us (cancelled); its end removes it.
                if (failures.getAndIncrement() == 0) {
                    log.info("identity stream: a write failed ({}); the stream is dropped", e.toString());
                }
                unsubscribe(s);
            }
        }
    }

    /** Agents being streamed to. */
    public int streams() {
        return streams.size();
    }

    /** Writes that failed because a stream had gone (its agent reconnects and gets a new snapshot). */
    public long failures() {
        return failures.get();
    }

    @Override
    public void close() {
        index.listen(null);
        ticker.shutdownNow();
    }
}
