package io.netwatch.cli;

import io.netwatch.agent.export.ClientTls;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * TLS towards the aggregator, for the agent and the query commands. Their help names no
 * configuration key, which the query commands do not read; the agent's adds each one's
 * ({@link AgentCommand.SharedOptionKeys}).
 */
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

    // How messages name each value: by its option, or by its key once the configuration gave it.
    TlsFiles.Setting caSetting = TlsFiles.Setting.option("--tls-ca", "tls.ca");
    TlsFiles.Setting certSetting = TlsFiles.Setting.option("--tls-cert", "tls.cert");
    TlsFiles.Setting keySetting = TlsFiles.Setting.option("--tls-key", "tls.key");
    TlsFiles.Setting serverNameSetting = TlsFiles.Setting.option("--tls-server-name", "tls.server_name");

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
        TlsFiles.requireAllOrNone("a client certificate", new TlsFiles.Setting[] {certSetting, keySetting}, cert, key);
        if (requireCertificate) {
            TlsFiles.requireAllOrNone("mutual TLS", new TlsFiles.Setting[] {caSetting, certSetting, keySetting},
                    ca, cert, key);
        }
        if (serverName != null && (serverName.isBlank() || serverName.contains(":"))) {
            throw new IllegalArgumentException(serverNameSetting.given() + " must be a host name, got '" + serverName
                    + "'");
        }
        if (requireCertificate && ca == null) {
            TlsFiles.Setting by = serverNameSetting;
            throw new IllegalArgumentException("mutual TLS needs " + caSetting.nameLike(by) + ", "
                    + certSetting.nameLike(by) + " and " + keySetting.nameLike(by) + " (" + by.given()
                    + " alone does not turn it on)");
        }
        if (ca != null) {
            TlsFiles.caCertificates(ca, caSetting.given());
        }
        if (cert != null) {
            TlsFiles.requireIdentity(cert, certSetting.given(), key, keySetting.given());
        }
        return new ClientTls(cert, key, ca, serverName, reload);
    }
}
