package io.netwatch.aggregator.incident;

import io.netwatch.aggregator.store.StoreListener;
import io.netwatch.proto.anomaly.v1.Anomaly;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Turns every stored anomaly into incidents ({@link IncidentBook}) on its own worker thread,
 * resolves quiet incidents once a second and tells the {@link IncidentListener}s. The
 * storing thread only hands the anomaly over: past {@link #MAX_BACKLOG} waiting tasks, work
 * is dropped and counted, never queued without bound.
 */
public final class IncidentTracker implements StoreListener, AutoCloseable {
    /** Tasks (anomalies, flows for the beaconing detector) waiting for the worker. */
    public static final int MAX_BACKLOG = 65_536;

    private final IncidentBook book;
    private final IncidentCounters counters;
    private final LongSupplier clock;
    private final ScheduledExecutorService worker;
    private final AtomicInteger backlog = new AtomicInteger();
    private final List<IncidentListener> listeners = new CopyOnWriteArrayList<>();

    /**
     * @param clock the aggregator clock, milliseconds since the epoch
     */
    public IncidentTracker(IncidentConfig config, IncidentCounters counters, LongSupplier clock) {
        this.counters = counters;
        this.clock = clock;
        this.book = new IncidentBook(config, counters);
        ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(1,
                r -> Thread.ofPlatform().name("netwatch-incidents").daemon().unstarted(r));
        w.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.worker = w;
        worker.scheduleWithFixedDelay(() -> tell(book.sweep(clock.getAsLong())), 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public void anomalyStored(Anomaly anomaly, long receivedMillis) {
        submit(() -> tell(book.accept(anomaly, receivedMillis)));
    }

    /** Runs work on the incident worker, in order; false (and counted) when the backlog is full. */
    boolean submit(Runnable task) {
        return submit(task, MAX_BACKLOG);
    }

    /**
     * As {@link #submit(Runnable)}, refused past half the backlog: a flood of flows for the
     * beaconing detector never crowds out the anomalies.
     */
    boolean submitFlow(Runnable task) {
        return submit(task, MAX_BACKLOG / 2);
    }

    private boolean submit(Runnable task, int limit) {
        if (backlog.incrementAndGet() > limit) {
            backlog.decrementAndGet();
            counters.dropped.increment();
            return false;
        }
        try {
            worker.execute(() -> {
                backlog.decrementAndGet();
                task.run();
            });
            return true;
        } catch (java.util.concurrent.RejectedExecutionException e) {
            backlog.decrementAndGet();
            counters.dropped.increment();
            return false;
        }
    }

    private void tell(List<IncidentBook.Change> changes) {
        for (IncidentBook.Change c : changes) {
            for (IncidentListener l : listeners) {
                try {
                    switch (c.kind()) {
                        case OPENED -> l.opened(c.incident());
                        case UPDATED -> l.updated(c.incident());
                        case RESOLVED -> l.resolved(c.incident());
                    }
                } catch (RuntimeException e) {
                    counters.listenerFailures.increment();
                }
            }
        }
    }

    /**
     * Tells {@code listener} about every change from now on.
     *
     * @return closing it stops the calls
     */
    public AutoCloseable subscribe(IncidentListener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** The incidents as they stood when {@code listener} was subscribed, and the subscription. */
    public record Followed(List<Incident> incidents, AutoCloseable subscription) {
    }

    /**
     * Subscribes {@code listener} and takes the incidents at one point between two changes, on
     * the worker that makes them: every change is either in the snapshot or told to the
     * listener, never both (found in review: a change told after the snapshot had it was sent
     * twice) and never neither. Waits behind the work already handed over.
     */
    public Followed follow(IncidentListener listener) throws InterruptedException {
        AutoCloseable subscription = () -> listeners.remove(listener);
        Future<List<Incident>> taken;
        try {
            // Past the backlog bound, as awaitIdle: a follower must not be refused for a busy worker.
            taken = worker.submit(() -> {
                listeners.add(listener);
                return book.incidents();
            });
        } catch (RejectedExecutionException e) {
            // Stopped: no change will come, so the snapshot and the subscription cannot overlap.
            listeners.add(listener);
            return new Followed(book.incidents(), subscription);
        }
        try {
            return new Followed(taken.get(), subscription);
        } catch (InterruptedException e) {
            // The subscription may yet be made: undone after it, on the same worker, in order.
            try {
                worker.execute(() -> listeners.remove(listener));
            } catch (RejectedExecutionException stopped) {
                listeners.remove(listener);
            }
            throw e;
        } catch (ExecutionException e) {
            throw new IllegalStateException("the incident worker failed to take a snapshot", e.getCause());
        }
    }

    /** Every open incident and every resolved one still kept, as snapshots. */
    public List<Incident> incidents() {
        return book.incidents();
    }

    public int openCount() {
        return book.openCount();
    }

    public int resolvedCount() {
        return book.resolvedCount();
    }

    public IncidentCounters counters() {
        return counters;
    }

    /** Resolves the incidents that are due now instead of at the next tick (tests, shutdown). */
    public void sweepNow() {
        submit(() -> tell(book.sweep(clock.getAsLong())));
    }

    /**
     * Waits until everything handed over so far is done.
     *
     * @return false when that took longer than {@code timeoutMillis}
     */
    public boolean awaitIdle(long timeoutMillis) throws InterruptedException {
        var done = new java.util.concurrent.CountDownLatch(1);
        try {
            // Past the backlog bound: a full backlog is exactly when a caller wants to wait for it.
            worker.execute(done::countDown);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return false;
        }
        return done.await(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        worker.shutdown();
        if (!worker.awaitTermination(5, TimeUnit.SECONDS)) {
            worker.shutdownNow();
        }
    }
}
