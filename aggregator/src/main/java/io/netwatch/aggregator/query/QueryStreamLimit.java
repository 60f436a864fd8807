package io.netwatch.aggregator.query;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bounds the streaming query calls (GetFlows, GetAnomalies, GetIncidents) open at once on the
 * whole aggregator: each holds a reader that looks at every new record for as long as its
 * client follows, so a client with many connections could otherwise open them without end.
 * A call past the bound ends RESOURCE_EXHAUSTED at once and is counted; unary calls are not
 * bounded here (policy suggestions and simulations are, by {@link PolicyQueryLimit}). Install it inside the authenticator, so that only an authenticated call takes
 * a place. A place is given back when the call's context ends: on its close, its cancel by the
 * client or a broken connection.
 */
public final class QueryStreamLimit implements ServerInterceptor {
    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder refused = new LongAdder();

    /** @param max streaming calls open at once, at least 1 */
    public QueryStreamLimit(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("at least one streaming query must be allowed, got " + max);
        }
        this.max = max;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (call.getMethodDescriptor().getType() != MethodDescriptor.MethodType.SERVER_STREAMING) {
            return next.startCall(call, headers);
        }
        int now = open.incrementAndGet();
        if (now > max) {
            open.decrementAndGet();
            refused.increment();
            call.close(Status.RESOURCE_EXHAUSTED.withDescription("the aggregator has " + max
                    + " streaming queries open, as many as it takes (query.max_streams); try again when one ends"),
                    new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        // The call's context ends exactly once, however the call does; a direct executor
        // gives the place back on the thread that ends it.
        Context.current().addListener(c -> open.decrementAndGet(), Runnable::run);
        return next.startCall(call, headers);
    }

    /** Streaming query calls open now. */
    public int open() {
        return open.get();
    }

    /** Streaming query calls refused RESOURCE_EXHAUSTED because {@link #max} were open. */
    public long refused() {
        return refused.sum();
    }

    /** The bound: streaming query calls open at once. */
    public int max() {
        return max;
    }
}
