package io.netwatch.aggregator.ingest;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.netwatch.proto.ingest.v1.Ack;
import io.netwatch.proto.ingest.v1.AggregatorMessage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The aggregator's side of one agent's stream, shared by the stream's thread (acks, the end)
 * and the identity stream's thread (updates). A gRPC response stream is not thread-safe, so
 * every write holds one lock; once the stream has ended, writes are dropped instead of thrown.
 */
final class AgentResponses implements AgentChannel {
    private final StreamObserver<AggregatorMessage> responses;
    /** Null when the transport gives no flow control (then always ready). */
    private final ServerCallStreamObserver<AggregatorMessage> call;
    private boolean ended;
    /**
     * Most acks written while the transport is not ready, since it last was: past them an ack
     * is held, not written. Acks are cumulative (each says every batch up to it is stored), so
     * the latest held says all the ones before it did; it goes when the agent reads again.
     * Found in review: an ack per batch was queued for an agent that reads nothing, without bound.
     */
    static final int MAX_UNREADY_ACKS = 64;
    /** Acks written since the transport was last ready. */
    private int unreadyAcks;
    /** An ack is held (see {@link #MAX_UNREADY_ACKS}), its sequence in {@link #heldAck}. */
    private boolean ackHeld;
    private long heldAck;
    /** Acks held and then replaced by a later one, never written: counted for the service's metric. */
    private final AtomicLong coalesced;

    AgentResponses(StreamObserver<AggregatorMessage> responses) {
        this(responses, new AtomicLong());
    }

    /** @param coalesced counts the acks a later one replaced before they were written */
    AgentResponses(StreamObserver<AggregatorMessage> responses, AtomicLong coalesced) {
        this.responses = responses;
        this.coalesced = coalesced;
        this.call = responses instanceof ServerCallStreamObserver<AggregatorMessage> c ? c : null;
    }

    /**
     * Calls {@code onReady} whenever the transport takes more again and {@code onCancel} when
     * the agent goes; only during the service method's call (gRPC's rule).
     */
    void watch(Runnable onReady, Runnable onCancel) {
        if (call != null) {
            call.setOnReadyHandler(onReady);
            call.setOnCancelHandler(onCancel);
        }
    }

    @Override
    public boolean isReady() {
        return call == null || call.isReady();
    }

    @Override
    public synchronized void send(AggregatorMessage message) {
        if (!ended) {
            responses.onNext(message);
        }
    }

    /**
     * Acknowledges the batches up to {@code sequence}: written now, unless the agent has not
     * read the last {@link #MAX_UNREADY_ACKS}; then held until it reads again ({@link #ready}).
     */
    synchronized void ack(long sequence) {
        if (ended) {
            return;
        }
        if (isReady()) {
            unreadyAcks = 0;
        } else if (unreadyAcks >= MAX_UNREADY_ACKS) {
            if (ackHeld) {
                coalesced.incrementAndGet();
            }
            ackHeld = true;
            heldAck = sequence;
            return;
        } else {
            unreadyAcks++;
        }
        if (ackHeld) {
            coalesced.incrementAndGet();
            ackHeld = false;
        }
        responses.onNext(ackMessage(sequence));
    }

    /** The transport takes more again: the held ack, if any, goes now. */
    synchronized void ready() {
        unreadyAcks = 0;
        writeHeldAck();
    }

    private void writeHeldAck() {
        if (ackHeld && !ended) {
            ackHeld = false;
            responses.onNext(ackMessage(heldAck));
        }
    }

    private static AggregatorMessage ackMessage(long sequence) {
        return AggregatorMessage.newBuilder().setAck(Ack.newBuilder().setSequence(sequence)).build();
    }

    /** Ends the stream with an error, unless it has ended; a held ack goes first (one message: bounded). */
    synchronized void fail(Status status) {
        if (!ended) {
            writeHeldAck();
            ended = true;
            responses.onError(status.asRuntimeException());
        }
    }

    /** Ends the stream normally, unless it has ended. */
    synchronized void complete() {
        if (!ended) {
            writeHeldAck();
            ended = true;
            responses.onCompleted();
        }
    }

    /** The agent ended the stream (an error or a cancel): nothing more is written. */
    synchronized void gone() {
        ended = true;
    }
}
