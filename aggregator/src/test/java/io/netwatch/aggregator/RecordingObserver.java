package io.netwatch.aggregator;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The receiving end of a test's gRPC stream: every message as it arrives, and how the stream
 * ended (OK, or the error's status). Shared by the aggregator's and the CLI's tests.
 */
public class RecordingObserver<T> implements StreamObserver<T> {
    public final BlockingQueue<T> received = new LinkedBlockingQueue<>();
    public final CompletableFuture<Status> closed = new CompletableFuture<>();

    @Override
    public void onNext(T value) {
        received.add(value);
    }

    @Override
    public void onError(Throwable t) {
        closed.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        closed.complete(Status.OK);
    }
}
