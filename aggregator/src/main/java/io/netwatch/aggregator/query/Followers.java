package io.netwatch.aggregator.query;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The readers of the follow calls open now (GetFlows, GetAnomalies and GetIncidents with
 * {@code follow}), so that a stopping aggregator can end them: a follow call never ends by
 * itself, and a server's graceful shutdown waits for the calls in flight, so without this each
 * one waited out the grace period and was then cancelled, which a client cannot tell from a
 * broken connection. Once {@link #stop()} is called, each reader ends its call with
 * UNAVAILABLE and {@link QueryService#STOPPING}, from its own thread (a call is written by one thread
 * only), and one that starts later ends at once. Listings without follow are left to finish.
 */
final class Followers {
    private final Set<Thread> readers = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    /**
     * Counts the calling thread as a follow call's reader, to be interrupted when the aggregator
     * stops; {@link #leave()} must follow, whatever this returns.
     *
     * @return false when the aggregator is already stopping: the reader ends its call at once
     */
    boolean enter() {
        readers.add(Thread.currentThread());
        // Read after the add: a stop() that missed this thread in the set has already set the flag.
        return !stopping;
    }

    /** The calling thread is no longer a follow call's reader. */
    void leave() {
        readers.remove(Thread.currentThread());
    }

    /** True once the aggregator began to stop. */
    boolean stopping() {
        return stopping;
    }

    /** Wakes every reader (an interrupt) to end its call; readers that enter later end at once. */
    void stop() {
        stopping = true;
        for (Thread reader : readers) {
            reader.interrupt();
        }
    }

    /** The error a follow call ends with when the aggregator stops. */
    static StatusRuntimeException stopped() {
        return Status.UNAVAILABLE.withDescription(QueryService.STOPPING).asRuntimeException();
    }
}
