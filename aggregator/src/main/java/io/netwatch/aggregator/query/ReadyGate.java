package io.netwatch.aggregator.query;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Flow control of one server-streaming call: the thread that writes the stream waits here
 * until gRPC can take another message (the client reads) or the client went away. Made in the
 * service method itself, since gRPC takes the ready and cancel handlers only there.
 */
final class ReadyGate {
    /** The wait re-checks the call this often, whatever the handlers said. */
    static final long RECHECK_MILLIS = 500;

    private final ServerCallStreamObserver<?> out;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();

    ReadyGate(ServerCallStreamObserver<?> out) {
        this.out = out;
        Runnable signal = () -> {
            lock.lock();
            try {
                ready.signalAll();
            } finally {
                lock.unlock();
            }
        };
        out.setOnReadyHandler(signal);
        out.setOnCancelHandler(signal);
    }

    /** Waits until the call can take a message; false when the client cancelled it. */
    boolean await() throws InterruptedException {
        lock.lock();
        try {
            while (!out.isReady() && !out.isCancelled()) {
                ready.await(RECHECK_MILLIS, TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
        return !out.isCancelled();
    }
}
