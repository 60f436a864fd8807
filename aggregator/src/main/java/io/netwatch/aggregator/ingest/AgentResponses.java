package io.netwatch.aggregator.ingest;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.netwatch.proto.ingest.v1.AggregatorMessage;

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

    AgentResponses(StreamObserver<AggregatorMessage> responses) {
        this.responses = responses;
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

    /** Ends the stream with an error, unless it has ended. */
    synchronized void fail(Status status) {
        if (!ended) {
            ended = true;
            responses.onError(status.asRuntimeException());
        }
    }

    /** Ends the stream normally, unless it has ended. */
    synchronized void complete() {
        if (!ended) {
            ended = true;
            responses.onCompleted();
        }
    }

    /** The agent ended the stream (an error or a cancel): nothing more is written. */
    synchronized void gone() {
        ended = true;
    }
}
