package io.netwatch.aggregator.security;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.netwatch.common.tls.CredentialReloader;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregator's TLS: its certificate and key, and the CA whose client certificates it
 * accepts. Kept as files because Kubernetes mounts them from a Secret and cert-manager
 * rotates them in place: with a positive {@code reload} they are reread on that period
 * ({@link CredentialReloader}: only what can be used is put in force), and new connections get
 * the new ones.
 *
 * <p>Client certificates are requested, not required, at the TLS layer: a query client may
 * come with a bearer token instead. A certificate that is presented must verify against
 * {@code clientCa} (else the handshake fails and is counted); the ingest service then
 * refuses any call without one ({@link IngestAuthenticator}).
 *
 * @param certificate PEM certificate chain of the aggregator
 * @param key         PKCS#8 PEM private key of {@code certificate}
 * @param clientCa    PEM CA certificates that sign agent and query client certificates
 * @param reload      how often the files are checked for changes; zero reads them once
 */
public record ServerTls(Path certificate, Path key, Path clientCa, Duration reload) {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

    public ServerTls {
        if (certificate == null || key == null || clientCa == null) {
            throw new IllegalArgumentException("TLS needs the certificate, its key and the client CA, got certificate="
                    + certificate + " key=" + key + " clientCa=" + clientCa);
        }
        if (reload == null || reload.isNegative()) {
            throw new IllegalArgumentException("the TLS reload period must be zero or positive, got " + reload);
        }
    }

    /**
     * The server's credentials, and the check of client certificates at each call against the
     * same client CA in force (a resumed TLS session skips the handshake's).
     */
    public record Credentials(ServerCredentials server, ClientVerifier clients) {
    }

    /**
     * @param reloader runs the periodic rereads; shutting it down stops them
     * @param counters counts client certificates refused during handshakes, and failed rereads
     * @throws IllegalArgumentException naming the file when one cannot be read or used
     */
    public Credentials credentials(ScheduledExecutorService reloader, SecurityCounters counters) {
        AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
        AdvancedTlsX509TrustManager trust;
        try {
            trust = AdvancedTlsX509TrustManager.newBuilder()
                    .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's X.509 trust manager is missing", e);
        }
        CredentialReloader files = new CredentialReloader(certificate, key, keys, clientCa, trust,
                events(counters), InstantSource.system());
        files.load();
        if (!reload.isZero()) {
            reloader.scheduleWithFixedDelay(files, reload.toMillis(), reload.toMillis(), TimeUnit.MILLISECONDS);
        }
        return new Credentials(TlsServerCredentials.newBuilder()
                .keyManager(keys)
                .trustManager(new CountingTrustManager(trust, counters))
                .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
                .build(), new ClientVerifier(trust));
    }

    /** Each failed reread counted; said once while it fails the same way. */
    private static CredentialReloader.Events events(SecurityCounters counters) {
        return CredentialReloader.Events.said(LOG::warn, LOG::info, "the certificate, key and client CA",
                (why, repeated) -> counters.reloadFailed());
    }
}
