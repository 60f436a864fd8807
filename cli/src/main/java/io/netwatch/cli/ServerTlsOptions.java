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
            + " certificate or the --query-token-file token. Without them everything is plaintext. (tls.cert)")
    Path cert;

    @Option(names = "--tls-key", description = "The PKCS#8 PEM private key of --tls-cert. (tls.key)")
    Path key;

    @Option(names = "--tls-client-ca", description = "PEM CA certificate(s) that sign the agents' and query clients'"
            + " certificates; a client certificate it does not verify fails the handshake. (tls.client_ca)")
    Path clientCa;

    @Option(names = "--query-token-file", description = "File holding the query API's bearer token (reread when it"
            + " changes); needs TLS. Query clients then need this token or a client certificate."
            + " (query.token_file)")
    Path tokenFile;

    @Option(names = "--tls-reload", description = "How often the certificate, key, CA and token files are checked"
            + " for changes (cert-manager rotation); 0s reads them once (default: 1m). (tls.reload)")
    String reload;

    // How messages name each file: by its option, or by its key once the configuration gave it.
    TlsFiles.Setting certSetting = TlsFiles.Setting.option("--tls-cert", "tls.cert");
    TlsFiles.Setting keySetting = TlsFiles.Setting.option("--tls-key", "tls.key");
    TlsFiles.Setting clientCaSetting = TlsFiles.Setting.option("--tls-client-ca", "tls.client_ca");
    TlsFiles.Setting tokenFileSetting = TlsFiles.Setting.option("--query-token-file", "query.token_file");

    /** The reread period, from --tls-reload or tls.reload. */
    Duration every = Duration.ofMinutes(1);

    /** Checks every file now, so a mistake is one line naming the option and the file. */
    ServerSecurity security() {
        TlsFiles.Setting[] tls = {certSetting, keySetting, clientCaSetting};
        TlsFiles.requireAllOrNone("TLS", tls, cert, key, clientCa);
        if (cert == null) {
            if (tokenFile != null) {
                throw new IllegalArgumentException(tokenFileSetting.given() + " needs TLS ("
                        + String.join(", ", java.util.Arrays.stream(tls).map(s -> s.nameLike(tokenFileSetting))
                        .toList()) + "): a bearer token must not travel in plaintext");
            }
            return ServerSecurity.PLAINTEXT;
        }
        if (every.isNegative()) {
            throw new IllegalArgumentException("--tls-reload must be zero or positive, got " + every);
        }
        TlsFiles.requireIdentity(cert, certSetting.given(), key, keySetting.given());
        TlsFiles.caCertificates(clientCa, clientCaSetting.given());
        try {
            return new ServerSecurity(new ServerTls(cert, key, clientCa, every), tokenFile);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(tokenFileSetting.given() + ": " + e.getMessage());
        }
    }
}
