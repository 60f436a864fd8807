package io.netwatch.cli;

import io.netwatch.agent.export.ClientTls;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** TLS towards the aggregator, for the agent and the query commands. */
final class ClientTlsOptions {
    @Option(names = "--tls-ca", description = "PEM CA certificate(s) that verify the aggregator's certificate;"
            + " turns on TLS.")
    Path ca;

    @Option(names = "--tls-cert", description = "This client's PEM certificate, signed by the aggregator's client CA.")
    Path cert;

    @Option(names = "--tls-key", description = "The PKCS#8 PEM private key of --tls-cert.")
    Path key;

    @Option(names = "--tls-server-name", description = "The name the aggregator's certificate must carry, when it is"
            + " not the host of the aggregator address (e.g. connecting by IP or through a port-forward).")
    String serverName;

    boolean any() {
        return ca != null || cert != null || key != null || serverName != null;
    }

    /**
     * Checks every file now.
     *
     * @param requireCertificate the agent always presents one; a query client may use a token
     * @param reload             how often the files are reread; zero for once
     */
    ClientTls tls(boolean requireCertificate, Duration reload) {
        TlsFiles.requireAllOrNone("a client certificate", new String[] {"--tls-cert", "--tls-key"}, cert, key);
        if (requireCertificate) {
            TlsFiles.requireAllOrNone("mutual TLS", new String[] {"--tls-ca", "--tls-cert", "--tls-key"}, ca, cert, key);
        }
        if (serverName != null && (serverName.isBlank() || serverName.contains(":"))) {
            throw new IllegalArgumentException("--tls-server-name must be a host name, got '" + serverName + "'");
        }
        if (requireCertificate && ca == null) {
            throw new IllegalArgumentException("mutual TLS needs --tls-ca, --tls-cert and --tls-key (--tls-server-name"
                    + " alone does not turn it on)");
        }
        if (ca != null) {
            TlsFiles.certificates(ca, "--tls-ca");
        }
        if (cert != null) {
            TlsFiles.requireIdentity(cert, "--tls-cert", key, "--tls-key");
        }
        return new ClientTls(cert, key, ca, serverName, reload);
    }
}
