package io.netwatch.aggregator.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.X509Certificate;

/**
 * The query API takes a call with a client certificate the client CA in force signs
 * (verified again at each call, {@link ClientVerifier}), or with the bearer token ({@code authorization: Bearer <token>}); anything else ends UNAUTHENTICATED
 * and is counted. Which one was missing is said, the token itself never.
 */
public final class QueryAuthenticator implements ServerInterceptor {
    /** The gRPC metadata key of HTTP's Authorization header. */
    public static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String BEARER = "Bearer ";
    /** Who made a call, as the audit names them: "certificate CN=netwatch-query", "bearer token"; null in plaintext. */
    public static final Context.Key<String> CALLER = Context.key("netwatch-caller");

    private final ClientVerifier certificates;
    private final TokenFile token;
    private final SecurityCounters counters;

    /**
     * @param certificates verifies client certificates, which are then enough (TLS is on); null
     *                     when only the token is
     * @param token        the bearer token, or null when only certificates are accepted
     */
    public QueryAuthenticator(ClientVerifier certificates, TokenFile token, SecurityCounters counters) {
        this.certificates = certificates;
        this.token = token;
        this.counters = counters;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        ClientCertificates.Presented presented = certificates == null ? ClientCertificates.Presented.NONE
                : ClientCertificates.presented(call, certificates);
        X509Certificate peer = presented.verified();
        if (peer != null && ClientCertificates.role(peer) != ClientCertificates.Role.AGENT) {
            String name = ClientCertificates.commonName(peer);
            return Contexts.interceptCall(Context.current().withValue(CALLER,
                    "certificate " + (name.isEmpty() ? peer.getSubjectX500Principal().getName() : "CN=" + name)),
                    call, headers, next);
        }
        String authorization = headers.get(AUTHORIZATION);
        String why;
        if (peer != null && authorization == null) {
            counters.refuseQuery();
            call.close(Status.PERMISSION_DENIED.withDescription("an agent certificate (CN="
                    + ClientCertificates.AGENT_NAME + ") may not query: it is on every node; query with the query"
                    + " certificate or the bearer token"), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        if (presented.refusal() != null && authorization == null) {
            why = presented.refusal();
        } else if (token == null) {
            why = "the query API needs a client certificate signed by the aggregator's client CA (--tls-cert, --tls-key)";
        } else if (authorization == null) {
            why = "the query API needs a bearer token (--token-file) or a client certificate (--tls-cert, --tls-key)";
        } else if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            why = "the authorization header must be 'Bearer <token>'";
        } else if (!token.matches(authorization.substring(BEARER.length()).strip())) {
            why = "the bearer token is not the aggregator's (--token-file)";
        } else {
            return Contexts.interceptCall(Context.current().withValue(CALLER, "bearer token"), call, headers, next);
        }
        counters.refuseQuery();
        call.close(Status.UNAUTHENTICATED.withDescription(why), new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
