package io.netwatch.aggregator.response;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Each decision about a known pod becomes a core/v1 Event on that pod ({@code kubectl describe
 * pod} shows it): reason {@code NetwatchBlocked}, {@code NetwatchWouldBlock},
 * {@code NetwatchBlockRefused}, ... Decisions about addresses that are no pod make none.
 * A failed create is counted, never retried: the audit log keeps the record anyway.
 *
 * <p>{@link #emit} never waits for the API server: Events are created by a thread of their
 * own from a bounded queue (a full queue drops and counts), and an Event repeating one
 * queued (and not failed) for the same pod, outcome and reason in the last
 * {@link #REPEAT_MILLIS} is counted, not made. Found in review: the response thread created one Event per refused offense, each a
 * request of up to 10 s, so that block queries behind them timed out and the API server got
 * one Event per anomaly of a noisy pod.
 */
public final class KubernetesEvents implements DecisionEvents, AutoCloseable {
    private static final String COMPONENT = "netwatch-aggregator";
    /** An Event's message is capped by the API server at 1 KiB. */
    private static final int MAX_MESSAGE = 1024;
    /** Events waiting to be created, at most. */
    static final int MAX_QUEUED = 1_000;
    /** An Event like one made this recently is not made again. */
    static final long REPEAT_MILLIS = 5 * 60_000;
    /** Pods, outcomes and reasons remembered for {@link #REPEAT_MILLIS}, at most. */
    private static final int MAX_REMEMBERED = 10_000;

    private final KubernetesClient client;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong repeated = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sequence = new AtomicLong();
    private final BlockingQueue<AuditRecord> queue = new ArrayBlockingQueue<>(MAX_QUEUED);
    /** When an Event was last queued, by pod, outcome and reason; guarded by itself. */
    private final Map<String, Long> lastMade = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_REMEMBERED;
        }
    };
    private final Thread worker;

    public KubernetesEvents(KubernetesClient client) {
        this.client = client;
        this.worker = Thread.ofVirtual().name("netwatch-events").start(this::run);
    }

    /** Queues an Event for a decision about a pod; returns at once. */
    @Override
    public void emit(AuditRecord r) {
        if (r.pod().isEmpty()) {
            return;
        }
        String key = key(r);
        synchronized (lastMade) {
            Long last = lastMade.get(key);
            if (last != null && r.atMillis() - last < REPEAT_MILLIS && r.atMillis() >= last) {
                repeated.incrementAndGet();
                return;
            }
            if (!queue.offer(r)) {
                dropped.incrementAndGet();
                return; // not remembered: the next one like it is queued
            }
            lastMade.remove(key); // re-inserted last: the eldest entry is the oldest Event
            lastMade.put(key, r.atMillis());
        }
    }

    private static String key(AuditRecord r) {
        return r.namespace() + "/" + r.pod() + "/" + r.outcome() + "/" + r.reason();
    }

    private void run() {
        while (true) {
            AuditRecord r;
            try {
                r = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                create(r);
            } catch (RuntimeException e) {
                // A closed client, a rejected request: counted, and the thread goes on.
                failed.incrementAndGet();
                forget(r);
            }
        }
    }

    /** A failed Event is not one made: the next like it is not counted as a repeat. */
    private void forget(AuditRecord r) {
        synchronized (lastMade) {
            lastMade.remove(key(r), r.atMillis());
        }
    }

    private void create(AuditRecord r) {
        String time = Instant.ofEpochMilli(r.atMillis()).toString();
        String message = r.outcome() + (r.reason().isEmpty() ? "" : " (" + r.reason() + ")") + ": " + r.detail();
        try {
            client.v1().events().inNamespace(r.namespace()).resource(new EventBuilder()
                    .withNewMetadata().withNamespace(r.namespace())
                    .withName(r.pod() + ".netwatch." + Long.toHexString(r.atMillis()) + "." + sequence.incrementAndGet())
                    .endMetadata()
                    .withNewInvolvedObject().withKind("Pod").withApiVersion("v1").withNamespace(r.namespace())
                    .withName(r.pod()).endInvolvedObject()
                    .withReason(reason(r.outcome()))
                    .withMessage(message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) : message)
                    .withType(r.outcome().equals(AuditRecord.BLOCKED) ? "Warning" : "Normal")
                    .withNewSource().withComponent(COMPONENT).endSource()
                    .withFirstTimestamp(time).withLastTimestamp(time).withCount(1)
                    .build()).create();
            sent.incrementAndGet();
        } catch (KubernetesClientException e) {
            failed.incrementAndGet();
            forget(r);
        }
    }

    static String reason(String outcome) {
        return switch (outcome) {
            case AuditRecord.BLOCKED -> "NetwatchBlocked";
            case AuditRecord.WOULD_BLOCK -> "NetwatchWouldBlock";
            case AuditRecord.REFUSED -> "NetwatchBlockRefused";
            case AuditRecord.FAILED -> "NetwatchBlockFailed";
            case AuditRecord.REMOVED -> "NetwatchBlockRemoved";
            case AuditRecord.WITHDRAWN -> "NetwatchBlockWithdrawn";
            case AuditRecord.EXPIRED -> "NetwatchBlockExpired";
            default -> "Netwatch";
        };
    }

    public long sent() {
        return sent.get();
    }

    public long failed() {
        return failed.get();
    }

    /** Events not made because one like it was queued (and did not fail) in the last {@link #REPEAT_MILLIS}. */
    public long repeated() {
        return repeated.get();
    }

    /** Events not made because {@link #MAX_QUEUED} were waiting (or the stage was closing). */
    public long dropped() {
        return dropped.get();
    }

    /** Stops the thread; Events still queued are dropped and counted. */
    @Override
    public void close() {
        worker.interrupt();
        dropped.addAndGet(queue.size());
        queue.clear();
    }
}
