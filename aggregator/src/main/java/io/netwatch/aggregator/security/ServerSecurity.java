package io.netwatch.aggregator.security;

import java.nio.file.Path;

/**
 * How the aggregator authenticates: TLS with client certificates, a bearer token for the
 * query API, both, or neither (plaintext, anyone who reaches the port may send and read).
 *
 * @param tls            the server certificate and client CA, or null for plaintext
 * @param queryTokenFile file holding the query API's bearer token, or null for none; needs
 *                       TLS, since a token must not travel in plaintext
 */
public record ServerSecurity(ServerTls tls, Path queryTokenFile) {
    /** No TLS, no token: for a laptop and the demo. */
    public static final ServerSecurity PLAINTEXT = new ServerSecurity(null, null);

    public ServerSecurity {
        if (queryTokenFile != null && tls == null) {
            throw new IllegalArgumentException("a query token needs TLS (--tls-cert, --tls-key, --tls-client-ca):"
                    + " a bearer token must not travel in plaintext");
        }
    }

    public boolean plaintext() {
        return tls == null;
    }
}
