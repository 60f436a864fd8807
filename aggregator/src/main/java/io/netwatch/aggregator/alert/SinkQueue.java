package io.netwatch.aggregator.alert;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One receiver's delivery line: a bounded queue that {@link #offer} never blocks on (a full
 * queue drops the notification and counts it; a resolve notice takes the place of the
 * oldest firing one instead), a rate limit on firing notifications (resolve notices always
 * pass, so nothing is left open at the service), and one virtual
 * thread that sends with a timeout per attempt and retries with exponential backoff and
 * jitter, honouring the service's Retry-After. A slow or dead receiver only ever fills its
 * own queue.
 */
public final class SinkQueue implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SinkQueue.class);

    /** Why a notification was not sent: the {@code reason} label of the dropped counter. */
    public enum Drop {
        QUEUE_FULL, RATE_LIMITED, SHUTDOWN;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** How the worker waits between attempts; tests record the waits instead of sleeping them. */
    @FunctionalInterface
    interface Sleeper {
        Sleeper SYSTEM = d -> TimeUnit.MILLISECONDS.sleep(d.toMillis());

        void sleep(Duration d) throws InterruptedException;
    }

    private final String name;
    private final AlertSink sink;
    private final DeliveryPolicy policy;
    private final Sleeper sleeper;
    private final BlockingQueue<Notification> queue;
    /** Times (ms) of the firing notifications let through in the last rate window; guarded by itself. */
    private final ArrayDeque<Long> recent = new ArrayDeque<>();
    private final LongAdder sent = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder retried = new LongAdder();
    private final LongAdder[] dropped = new LongAdder[Drop.values().length];
    private final Thread worker;
    private volatile boolean closed;
    private volatile boolean busy;

    public SinkQueue(String name, AlertSink sink, DeliveryPolicy policy) {
        this(name, sink, policy, Sleeper.SYSTEM);
    }

    SinkQueue(String name, AlertSink sink, DeliveryPolicy policy, Sleeper sleeper) {
        this.name = Objects.requireNonNull(name, "name");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.queue = new ArrayBlockingQueue<>(policy.queueSize());
        for (int i = 0; i < dropped.length; i++) {
            dropped[i] = new LongAdder();
        }
        this.worker = Thread.ofVirtual().name("netwatch-alerts-" + name).start(this::run);
    }

    /** Queues {@code n} for sending; never blocks. False when dropped (counted). */
    public boolean offer(Notification n) {
        if (closed) {
            dropped[Drop.SHUTDOWN.ordinal()].increment();
            return false;
        }
        if (n.status() == AlertEvent.State.FIRING && !admit(n.at().toEpochMilli())) {
            dropped[Drop.RATE_LIMITED.ordinal()].increment();
            LOG.debug("alerts: {} rate limit reached, dropped {}", name, n.title());
            return false;
        }
        if (queue.offer(n)) {
            return true;
        }
        Notification gone = n.status() == AlertEvent.State.RESOLVED ? dropOldestFiring() : null;
        if (gone != null && queue.offer(n)) {
            dropped[Drop.QUEUE_FULL.ordinal()].increment();
            LOG.warn("alerts: {} queue full ({}), dropped {} to send a resolve notice", name, policy.queueSize(),
                    gone.title());
            return true;
        }
        dropped[Drop.QUEUE_FULL.ordinal()].increment();
        LOG.warn("alerts: {} queue full ({}), dropped {}", name, policy.queueSize(), n.title());
        return false;
    }

    /**
     * Takes the oldest firing notification out of the full queue, or returns null when all
     * are resolve notices: a firing one lost is sent again at the next repeat_interval, a
     * resolve notice lost would leave the alert open at the service for good (found in review).
     */
    private Notification dropOldestFiring() {
        for (Notification q : queue) {
            if (q.status() == AlertEvent.State.FIRING && queue.remove(q)) {
                return q;
            }
        }
        return null;
    }

    /** Sliding window: at most rateCount firing notifications in any ratePer. */
    private boolean admit(long nowMillis) {
        if (policy.rateCount() == 0) {
            return true;
        }
        synchronized (recent) {
            long windowStart = nowMillis - policy.ratePer().toMillis();
            while (!recent.isEmpty() && recent.peekFirst() <= windowStart) {
                recent.pollFirst();
            }
            if (recent.size() >= policy.rateCount()) {
                return false;
            }
            recent.addLast(nowMillis);
            return true;
        }
    }

    private void run() {
        while (!closed) {
            Notification n;
            try {
                n = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            busy = true;
            try {
                deliver(n);
            } catch (InterruptedException e) {
                dropped[Drop.SHUTDOWN.ordinal()].increment();
                return;
            } catch (RuntimeException e) {
                // A bug past the sink's own call must cost this notification, not every later
                // one: a thread that ends here would leave the receiver silent for good.
                failed.increment();
                LOG.error("alerts: {} ({}) could not deliver {}", name, sink.type(), n.title(), e);
            } finally {
                busy = false;
            }
        }
    }

    private void deliver(Notification n) throws InterruptedException {
        for (int attempt = 0; ; attempt++) {
            Delivery d;
            try {
                d = sink.send(n, policy.timeout());
            } catch (RuntimeException e) {
                d = new Delivery.Failed("sink error: " + e);
            }
            switch (d) {
                case Delivery.Sent s -> {
                    sent.increment();
                    return;
                }
                case Delivery.Failed f -> {
                    failed.increment();
                    LOG.warn("alerts: {} ({}) refused {}: {}", name, sink.type(), n.title(), f.reason());
                    return;
                }
                case Delivery.Retry r -> {
                    if (attempt >= policy.retries() || closed) {
                        failed.increment();
                        LOG.warn("alerts: {} ({}) gave up on {} after {} attempts: {}", name, sink.type(),
                                n.title(), attempt + 1, r.reason());
                        return;
                    }
                    retried.increment();
                    sleeper.sleep(delay(attempt, r.after()));
                }
            }
        }
    }

    /**
     * Before retry {@code attempt + 1}: what the service asked for (capped at maxBackoff),
     * else backoff * 2^attempt capped at maxBackoff, with "equal jitter" (half fixed, half
     * random) so receivers that failed together do not retry together.
     */
    Duration delay(int attempt, Duration asked) {
        if (asked != null) {
            // Compared as durations: a Retry-After of 2^63-1 seconds has no milliseconds.
            return asked.compareTo(policy.maxBackoff()) > 0 ? policy.maxBackoff() : asked;
        }
        long max = policy.maxBackoff().toMillis();
        long base = policy.backoff().toMillis() << Math.min(attempt, 30);
        long d = Math.min(Math.max(base, 0), max);
        long half = d / 2;
        return Duration.ofMillis(half + (half == 0 ? 0 : ThreadLocalRandom.current().nextLong(half + 1)));
    }

    public String name() {
        return name;
    }

    public String type() {
        return sink.type();
    }

    public long sent() {
        return sent.sum();
    }

    /** Notifications given up on: refused, or still failing after every retry. */
    public long failed() {
        return failed.sum();
    }

    public long retried() {
        return retried.sum();
    }

    public long dropped(Drop why) {
        return dropped[why.ordinal()].sum();
    }

    public int depth() {
        return queue.size();
    }

    /** Nothing queued and nothing being sent. */
    public boolean idle() {
        return queue.isEmpty() && !busy;
    }

    /** Stops the worker; whatever is still queued is dropped and counted. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        worker.interrupt();
        worker.join(Duration.ofSeconds(5));
        int left = queue.size();
        queue.clear();
        dropped[Drop.SHUTDOWN.ordinal()].add(left);
    }
}
