package io.netwatch.aggregator.security;

import io.grpc.Grpc;
import io.grpc.ServerCall;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Whether a call came over a TLS connection whose client presented a verified certificate,
 * and which role the certificate's name gives it: {@code netwatch-agent} (what
 * {@code netwatch certs} and the cert-manager example issue to agents) may only send flows,
 * {@code netwatch-query} may only query. Found in review: the agent certificate, which is on
 * every node, could remove blocks and read every flow, and the query certificate could
 * send flows as any node.
 */
final class ClientCertificates {
    /** The common name of the certificate agents present. */
    static final String AGENT_NAME = "netwatch-agent";
    /** The common name of the certificate people and tools query with. */
    static final String QUERY_NAME = "netwatch-query";

    /** What a certificate may do, by its name. */
    enum Role {
        AGENT, QUERY,
        /** A name of neither kind (a CA that issues other names): both, as before the roles. */
        ANY
    }

    private ClientCertificates() {
    }

    /**
     * A call's client certificate: none ({@code certificate} null), one that verifies now
     * ({@code refusal} null), or one that no longer does and why ({@link ClientVerifier}).
     */
    record Presented(X509Certificate certificate, String refusal) {
        static final Presented NONE = new Presented(null, null);

        /** The certificate when it verifies now, else null. */
        X509Certificate verified() {
            return refusal == null ? certificate : null;
        }
    }

    /**
     * The call's client certificate, verified again against the client CA in force: the TLS
     * layer verified it when the connection's session was made, which may be long before
     * (a resumed session is not verified again).
     */
    static Presented presented(ServerCall<?, ?> call, ClientVerifier verifier) {
        X509Certificate[] chain = chain(call);
        if (chain == null) {
            return Presented.NONE;
        }
        return new Presented(chain[0], verifier.refusal(chain));
    }

    /** The verified client certificate chain of the call, leaf first, or null. */
    private static X509Certificate[] chain(ServerCall<?, ?> call) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) {
            return null;
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (chain.length == 0) {
            return null;
        }
        X509Certificate[] out = new X509Certificate[chain.length];
        for (int i = 0; i < chain.length; i++) {
            if (!(chain[i] instanceof X509Certificate x)) {
                return null;
            }
            out[i] = x;
        }
        return out;
    }

    /** The certificate's common name, or "" without one. */
    static String commonName(X509Certificate c) {
        try {
            for (Rdn rdn : new LdapName(c.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
        } catch (InvalidNameException e) {
            // no name to go by
        }
        return "";
    }

    static Role role(X509Certificate c) {
        return switch (commonName(c)) {
            case AGENT_NAME -> Role.AGENT;
            case QUERY_NAME -> Role.QUERY;
            default -> Role.ANY;
        };
    }
}
