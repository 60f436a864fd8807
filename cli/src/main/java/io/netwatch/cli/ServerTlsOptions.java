package io.netwatch.cli;

import io.netwatch.aggregator.security.ServerSecurity;
import io.netwatch.aggregator.security.ServerTls;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The aggregator's TLS and query authentication options. */
final class ServerTlsOptions {
    @Option(names = "--tls-cert", description = "The aggregator's PEM certificate (chain). With --tls-key and"
            + " --tls-client-ca turns on TLS: agents must present a client certificate, query clients a client"
            + " certificate or the --query-token-file token. Without them everything is plaintext.")
    Path cert;

    @Option(names = "--tls-key", description = "The PKCS#8 PEM private key of --tls-cert.")
    Path key;

    @Option(names = "--tls-client-ca", description = "PEM CA certificate(s) that sign the agents' and query clients'"
            + " certificates; a client certificate it does not verify fails the handshake.")
    Path clientCa;

    @Option(names = "--query-token-file", description = "File holding the query API's bearer token (reread when it"
            + " changes); needs TLS. Query clients then need this token or a client certificate.")
    Path tokenFile;

    @Option(names = "--tls-reload", description = "How often the certificate, key, CA and token files are checked"
            + " for changes (cert-manager rotation); 0s reads them once (default 1m). (tls.reload)")
    String reload;

    /** The reread period, from --tls-reload or tls.reload. */
    Duration every = Duration.ofMinutes(1);

    /** Checks every file now, so a mistake is one line naming the option and the file. */
    ServerSecurity security() {
        TlsFiles.requireAllOrNone("TLS", new String[] {"--tls-cert", "--tls-key", "--tls-client-ca"}, cert, key, clientCa);
        if (cert == null) {
            if (tokenFile != null) {
                throw new IllegalArgumentException("--query-token-file needs TLS (--tls-cert, --tls-key, --tls-client-ca):"
                        + " a bearer token must not travel in plaintext");
            }
            return ServerSecurity.PLAINTEXT;
        }
        if (every.isNegative()) {
            throw new IllegalArgumentException("--tls-reload must be zero or positive, got " + every);
        }
        TlsFiles.requireIdentity(cert, "--tls-cert", key, "--tls-key");
        TlsFiles.certificates(clientCa, "--tls-client-ca");
        try {
            return new ServerSecurity(new ServerTls(cert, key, clientCa, every), tokenFile);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--query-token-file: " + e.getMessage());
        }
    }
}
