package io.netwatch.agent;

import io.netwatch.common.Durations;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * SIGTERM handling for the agent. The JVM runs shutdown hooks and exits when they return, so
 * the hook stops the capture and then waits for the main thread, which ends the open flows,
 * sends them and waits for their acknowledgement, all within the grace period. Without the
 * wait the JVM would exit with the open flows still in the table.
 */
final class GracefulStop {
    /** Time after the grace period for closing the stream and the channel. */
    static final Duration CLOSE_MARGIN = Duration.ofSeconds(3);

    private final Duration grace;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile long deadlineNanos;
    private volatile boolean requested;

    GracefulStop(Duration grace) {
        this.grace = grace;
    }

    /** The shutdown hook: stops the capture and waits for {@link #finished()}, bounded by the grace period. */
    Thread hook(Runnable stopCapture, PrintStream out) {
        return new Thread(() -> {
            deadlineNanos = System.nanoTime() + grace.toNanos();
            requested = true;
            out.println("netwatch agent: stopping: ending open flows and sending them (up to " + Durations.format(grace) + ")");
            stopCapture.run();
            try {
                if (!done.await(grace.plus(CLOSE_MARGIN).toNanos(), TimeUnit.NANOSECONDS)) {
                    out.println("netwatch agent: grace period over; exiting with records unsent");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "netwatch-shutdown");
    }

    /** True once a stop was asked for (SIGTERM, SIGINT). */
    boolean requested() {
        return requested;
    }

    /** How long the final drain may take: what is left of the grace period when stopping, else {@code normal}. */
    Duration drainTimeout(Duration normal) {
        return requested ? Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime())) : normal;
    }

    /** The agent has flushed and closed what it could; the hook may return. */
    void finished() {
        done.countDown();
    }
}
