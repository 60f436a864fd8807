package io.netwatch.aggregator.security;

import java.nio.file.Path;

/**
 * How the aggregator authenticates: TLS with client certificates, a bearer token for the
 * query API, both, or neither (plaintext, anyone who reaches the port may send and read).
 *
 * @param tls            the server certificate and client CA, or null for plaintext
 * @param queryTokenFile file holding the query API's bearer token, or null for none; needs
 *                       TLS, since a token must not travel in plaintext
 * @param agentServiceAccount the agents' service account as {@code namespace:name}: each agent
 *                       hello's node is then checked against the pod token the agent sends
 *                       (needs TLS and the cluster); empty for no check
 */
public record ServerSecurity(ServerTls tls, Path queryTokenFile, String agentServiceAccount) {
    /** No TLS, no token: for a laptop and the demo. */
    public static final ServerSecurity PLAINTEXT = new ServerSecurity(null, null);

    public ServerSecurity(ServerTls tls, Path queryTokenFile) {
        this(tls, queryTokenFile, "");
    }

    public ServerSecurity {
        if (queryTokenFile != null && tls == null) {
            throw new IllegalArgumentException("a query token needs TLS (--tls-cert, --tls-key, --tls-client-ca):"
                    + " a bearer token must not travel in plaintext");
        }
        agentServiceAccount = agentServiceAccount == null ? "" : agentServiceAccount.strip();
        if (!agentServiceAccount.isEmpty()) {
            if (tls == null) {
                throw new IllegalArgumentException("ingest.agent_service_account needs TLS (tls.cert, tls.key,"
                        + " tls.client_ca): the agents' tokens must not travel in plaintext");
            }
            if (!agentServiceAccount.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-.a-z0-9]*[a-z0-9])?")) {
                throw new IllegalArgumentException("ingest.agent_service_account: '" + agentServiceAccount
                        + "' is not NAMESPACE:NAME (e.g. netwatch:netwatch-agent)");
            }
        }
    }

    /** The same, checking each agent's node against its pod token (see {@link #agentServiceAccount}). */
    public ServerSecurity withAgentServiceAccount(String account) {
        return new ServerSecurity(tls, queryTokenFile, account);
    }

    public boolean plaintext() {
        return tls == null;
    }
}
