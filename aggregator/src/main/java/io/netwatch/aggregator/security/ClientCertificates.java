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
     * The TLS layer verified any certificate a client presented (else there is no
     * connection), so a certificate here is one the client CA signed.
     */
    static boolean present(ServerCall<?, ?> call) {
        return peer(call) != null;
    }

    /** The verified client certificate of the call, or null. */
    static X509Certificate peer(ServerCall<?, ?> call) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) {
            return null;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
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
