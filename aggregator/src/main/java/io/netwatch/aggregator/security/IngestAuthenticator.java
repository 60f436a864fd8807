package io.netwatch.aggregator.security;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * With TLS on, the ingest service takes only agents with a client certificate the client CA
 * signed; any other call ends UNAUTHENTICATED before the service sees it, and is counted.
 */
public final class IngestAuthenticator implements ServerInterceptor {
    private final SecurityCounters counters;

    public IngestAuthenticator(SecurityCounters counters) {
        this.counters = counters;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (ClientCertificates.present(call)) {
            return next.startCall(call, headers);
        }
        counters.refuseIngest();
        call.close(Status.UNAUTHENTICATED.withDescription("ingest needs a client certificate signed by the aggregator's"
                + " client CA (agent --tls-cert and --tls-key)"), new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
