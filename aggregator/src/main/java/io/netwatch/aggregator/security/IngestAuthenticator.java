package io.netwatch.aggregator.security;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.X509Certificate;

/**
 * With TLS on, the ingest service takes only agents with a client certificate the client CA
 * in force signs (verified again at each call, {@link ClientVerifier}); any other call ends
 * UNAUTHENTICATED before the service sees it, and is counted. A query certificate
 * ({@code CN=netwatch-query}) is refused with PERMISSION_DENIED.
 */
public final class IngestAuthenticator implements ServerInterceptor {
    private final SecurityCounters counters;
    private final ClientVerifier verifier;

    public IngestAuthenticator(SecurityCounters counters, ClientVerifier verifier) {
        this.counters = counters;
        this.verifier = verifier;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        ClientCertificates.Presented presented = ClientCertificates.presented(call, verifier);
        X509Certificate peer = presented.verified();
        if (peer != null && ClientCertificates.role(peer) != ClientCertificates.Role.QUERY) {
            return next.startCall(call, headers);
        }
        counters.refuseIngest();
        call.close(peer == null
                ? Status.UNAUTHENTICATED.withDescription(presented.refusal() != null ? presented.refusal()
                        : "ingest needs a client certificate signed by the aggregator's client CA (agent --tls-cert and"
                        + " --tls-key)")
                : Status.PERMISSION_DENIED.withDescription("a query certificate (CN=" + ClientCertificates.QUERY_NAME
                        + ") may not send flows; agents use theirs (CN=" + ClientCertificates.AGENT_NAME + ")"),
                new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
