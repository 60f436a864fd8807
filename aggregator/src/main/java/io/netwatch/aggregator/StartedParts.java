package io.netwatch.aggregator;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The running parts of an aggregator (threads, the listening sockets, the stages), each added
 * with how it stops as soon as it runs. A start that fails half-way and
 * {@link AggregatorServer#close} stop them the same way: the last started first, every one of
 * them whatever the ones before it threw. So nothing a failed start began is left running, and
 * the start order is the stop order read backwards: what feeds a stage starts after it and
 * stops before it, and the gRPC server starts last to stop first.
 */
final class StartedParts {
    /** How one part stops; it may wait, within its own bound, for its threads to end. */
    @FunctionalInterface
    interface Stop {
        void stop() throws InterruptedException;
    }

    private final Deque<Stop> running = new ArrayDeque<>();

    /** Adds a part that runs now: it will be stopped before every part added earlier. */
    void add(Stop stop) {
        running.push(stop);
    }

    /**
     * Stops every part, the last added first. An interrupt does not cut the stop short (each
     * part's wait is bounded): it is thrown once every part was stopped, or, when a part that
     * stopped before it failed otherwise, kept in the thread's flag.
     *
     * @throws InterruptedException or the {@link RuntimeException} of the first part whose stop
     *                              failed, with the later failures suppressed in it
     */
    void stopAll() throws InterruptedException {
        Exception first = stopEach(null);
        if (first instanceof InterruptedException e) {
            throw e;
        }
        if (first != null) {
            keepInterrupt(first);
            throw (RuntimeException) first;
        }
    }

    /**
     * Stops every part, the last added first, after a start failed with {@code cause}: each
     * failure to stop is suppressed in it, and an interrupt is kept in the thread's flag.
     */
    void stopAfter(Exception cause) {
        stopEach(cause);
        keepInterrupt(cause);
    }

    /** Sets the thread's interrupt flag when a part's stop was interrupted (suppressed in {@code failure}). */
    private static void keepInterrupt(Exception failure) {
        for (Throwable t : failure.getSuppressed()) {
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** @return {@code first}, or the first failure when it is null; later failures are suppressed in it */
    private Exception stopEach(Exception first) {
        while (!running.isEmpty()) {
            try {
                running.pop().stop();
            } catch (InterruptedException | RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        return first;
    }
}
