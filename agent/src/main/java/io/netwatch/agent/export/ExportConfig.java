package io.netwatch.agent.export;

import java.time.Duration;

/**
 * How the agent streams to the aggregator.
 *
 * @param maxBatchRecords   a batch is sent when it holds this many records (or
 *                          {@link FlowStreamer#MAX_BATCH_BYTES} of them) ...
 * @param maxBatchDelay     ... or when its first record has waited this long
 * @param queueCapacity     records waiting to be batched; when full, new records are dropped
 *                          and counted (the capture thread never blocks)
 * @param maxUnackedBatches batches sent but not yet acknowledged, kept for resending after a
 *                          reconnect; when full, batching pauses and the queue fills
 * @param reconnectMin      first reconnect delay; doubles up to {@code reconnectMax}, with jitter
 * @param reconnectMax      longest reconnect delay
 * @param statusInterval    how often status and cumulative loss reports are sent
 * @param ackTimeout        longest a batch the stream took waits for its acknowledgement, counted
 *                          from when it was sent or from the last acknowledgement, whichever is
 *                          later; past it the stream is cancelled and reopened (its batches are
 *                          kept and sent again)
 */
public record ExportConfig(int maxBatchRecords, Duration maxBatchDelay, int queueCapacity, int maxUnackedBatches,
                           Duration reconnectMin, Duration reconnectMax, Duration statusInterval,
                           Duration ackTimeout) {
    /**
     * How long an aggregator that keeps the connection up may leave the batches it took
     * unacknowledged. It acknowledges a batch once stored in memory, within milliseconds; this
     * leaves room for a token review against a slow API server before the first one.
     */
    public static final Duration DEFAULT_ACK_TIMEOUT = Duration.ofSeconds(30);

    public ExportConfig {
        if (maxBatchRecords < 1 || queueCapacity < 1 || maxUnackedBatches < 1) {
            throw new IllegalArgumentException("export maxBatchRecords, queueCapacity and maxUnackedBatches must be "
                    + "at least 1, got " + maxBatchRecords + ", " + queueCapacity + ", " + maxUnackedBatches);
        }
        if (maxBatchDelay.isNegative() || maxBatchDelay.isZero() || reconnectMin.isNegative() || reconnectMin.isZero()
                || reconnectMax.compareTo(reconnectMin) < 0 || statusInterval.isZero() || statusInterval.isNegative()
                || ackTimeout.isZero() || ackTimeout.isNegative()) {
            throw new IllegalArgumentException("export delays must be positive and reconnectMax >= reconnectMin");
        }
    }

    /** With the default {@link #DEFAULT_ACK_TIMEOUT}. */
    public ExportConfig(int maxBatchRecords, Duration maxBatchDelay, int queueCapacity, int maxUnackedBatches,
                        Duration reconnectMin, Duration reconnectMax, Duration statusInterval) {
        this(maxBatchRecords, maxBatchDelay, queueCapacity, maxUnackedBatches, reconnectMin, reconnectMax,
                statusInterval, DEFAULT_ACK_TIMEOUT);
    }

    public static ExportConfig defaults() {
        return new ExportConfig(512, Duration.ofSeconds(1), 65_536, 256, Duration.ofMillis(100), Duration.ofSeconds(5),
                Duration.ofSeconds(5), DEFAULT_ACK_TIMEOUT);
    }
}
