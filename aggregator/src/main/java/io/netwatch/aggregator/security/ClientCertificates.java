package io.netwatch.aggregator.security;

import io.grpc.Grpc;
import io.grpc.ServerCall;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/** Whether a call came over a TLS connection whose client presented a verified certificate. */
final class ClientCertificates {
    private ClientCertificates() {
    }

    /**
     * The TLS layer verified any certificate a client presented (else there is no
     * connection), so a certificate here is one the client CA signed.
     */
    static boolean present(ServerCall<?, ?> call) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) {
            return false;
        }
        try {
            return session.getPeerCertificates().length > 0;
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }
}
