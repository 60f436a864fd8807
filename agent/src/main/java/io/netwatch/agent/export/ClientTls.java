package io.netwatch.agent.export;

import io.grpc.ChannelCredentials;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettySslContextChannelCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.netwatch.common.TextFiles;
import io.netwatch.common.tls.CredentialReloader;
import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Enumeration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS towards the aggregator: the CA that must have signed the aggregator's certificate,
 * and this side's client certificate for mutual TLS. Files, not bytes, because Kubernetes
 * mounts them from a Secret and cert-manager rotates them in place: with a positive
 * {@code reload} they are reread on that period ({@link CredentialReloader}: only what can be
 * used is put in force), and new connections use the new ones.
 *
 * @param certificate PEM certificate chain presented to the aggregator, or null for none
 *                    (a query client with a bearer token)
 * @param key         PKCS#8 PEM private key of {@code certificate}; set exactly when it is
 * @param ca          PEM CA certificates that verify the aggregator, or null for the JDK's
 *                    default trust store
 * @param serverName  the name expected in the aggregator's certificate (and sent as SNI)
 *                    instead of the host of the target, or null
 * @param reload      how often the files are checked for changes; zero reads them once
 */
public record ClientTls(Path certificate, Path key, Path ca, String serverName, Duration reload, Path nodeTokenFile) {
    /** Largest token file read: a service-account JWT is a few KiB. */
    private static final long MAX_TOKEN_BYTES = 64 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(ClientTls.class);

    public ClientTls(Path certificate, Path key, Path ca, String serverName, Duration reload) {
        this(certificate, key, ca, serverName, reload, null);
    }

    /** The same, sending the pod's service-account token in this file with each stream (see {@link #nodeToken}). */
    public ClientTls withNodeTokenFile(Path file) {
        return new ClientTls(certificate, key, ca, serverName, reload, file);
    }

    /**
     * The token in {@link #nodeTokenFile}, read now (the kubelet rotates it), or null without one
     * or when it cannot be read: the aggregator that checks nodes then refuses the stream and
     * says why. The aggregator asks the API server whose token it is, to check that the node the
     * hello names is the one this agent runs on.
     */
    public String nodeToken() {
        if (nodeTokenFile == null) {
            return null;
        }
        try {
            TextFiles.requireSmall(nodeTokenFile, MAX_TOKEN_BYTES);
            String token = Files.readString(nodeTokenFile, StandardCharsets.US_ASCII).strip();
            if (!TextFiles.isToken(token)) {
                // The aggregator's refusal asks for the token, which the agent was given: say what is wrong with it.
                LOG.warn("export: the node token file {} holds no token (one line of printable ASCII, as the kubelet"
                        + " writes a projected service-account token): check tls.node_token_file", nodeTokenFile);
                return null;
            }
            return token;
        } catch (IOException e) {
            // Said at each new stream: the aggregator that checks nodes refuses it, and says so too.
            LOG.warn("export: cannot read the node token {}: {}", nodeTokenFile, e.getMessage());
            return null;
        }
    }

    public ClientTls {
        if ((certificate == null) != (key == null)) {
            throw new IllegalArgumentException("a client certificate and its key go together: got "
                    + (certificate == null ? "a key without a certificate" : "a certificate without a key"));
        }
        if (serverName != null && serverName.isBlank()) {
            throw new IllegalArgumentException("the TLS server name must not be empty");
        }
        if (reload == null || reload.isNegative()) {
            throw new IllegalArgumentException("the TLS reload period must be zero or positive, got " + reload);
        }
    }

    /**
     * A channel builder for {@code target} over TLS, its rereads logged (see {@link #channelBuilder(String,
     * ScheduledExecutorService, CredentialReloader.Events)}).
     */
    public NettyChannelBuilder channelBuilder(String target, ScheduledExecutorService reloader) {
        return channelBuilder(target, reloader, logged(CredentialReloader.Events.NONE));
    }

    /**
     * A channel builder for {@code target} over TLS.
     *
     * @param reloader runs the periodic rereads; shutting it down stops them; unused when {@code reload} is zero
     * @param events   told of each reread that fails or takes new files
     * @throws IllegalArgumentException naming the file when one cannot be read or used
     */
    public NettyChannelBuilder channelBuilder(String target, ScheduledExecutorService reloader,
                                              CredentialReloader.Events events) {
        NettyChannelBuilder b = NettyChannelBuilder.forTarget(target, credentials(reloader, events));
        if (serverName != null) {
            b.overrideAuthority(serverName);
        }
        return b;
    }

    ChannelCredentials credentials(ScheduledExecutorService reloader, CredentialReloader.Events events) {
        SslContextBuilder b = GrpcSslContexts.forClient();
        AdvancedTlsX509TrustManager trust;
        try {
            trust = AdvancedTlsX509TrustManager.newBuilder()
                    .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION)
                    .build();
            if (ca == null) {
                trust.useSystemDefaultTrustCerts();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's X.509 trust manager is missing", e);
        }
        b.trustManager(trust);
        AdvancedTlsX509KeyManager keys = certificate == null ? null : new AdvancedTlsX509KeyManager();
        if (keys != null) {
            b.keyManager(keys);
        }
        // The same checks at the first read as at each reread: a certificate that is not its key's,
        // expired, or an empty CA file is refused naming the file (gRPC's own refresh took them).
        CredentialReloader files = new CredentialReloader(certificate, key, keys, ca, ca == null ? null : trust, events,
                InstantSource.system());
        files.load();
        if (!reload.isZero()) {
            reloader.scheduleWithFixedDelay(files, reload.toMillis(), reload.toMillis(), TimeUnit.MILLISECONDS);
        }
        try {
            return NettySslContextChannelCredentials.create(new FullHandshakes(b.build()));
        } catch (SSLException e) {
            throw new IllegalStateException("the JDK's TLS cannot make a client context", e);
        }
    }

    /**
     * Each new connection makes a whole handshake, in which the aggregator's certificate is
     * verified against the CA in force now: the sessions made before are forgotten first. Found
     * in review: a connection that resumed a TLS session (the JDK keeps a client's for a day)
     * has no certificate to verify, so after this side's CA file rotated away from the
     * aggregator's CA, or the aggregator's certificate expired, a reconnection was still taken,
     * for as long as the session lived (the aggregator verifies clients again at each call for
     * the same reason). A reconnection is rare (one stream per agent, kept open), and a whole
     * handshake costs it only the certificates' checks and signatures more than a resumption.
     */
    private static final class FullHandshakes extends DelegatingSslContext {
        FullHandshakes(SslContext context) {
            super(context);
        }

        @Override
        protected void initEngine(SSLEngine engine) {
            // An invalidated session is never resumed (SSLSession#invalidate); open connections keep theirs.
            SSLSessionContext sessions = sessionContext();
            for (Enumeration<byte[]> ids = sessions.getIds(); ids.hasMoreElements(); ) {
                SSLSession s = sessions.getSession(ids.nextElement());
                if (s != null) {
                    s.invalidate();
                }
            }
        }
    }

    /** {@code events} with each failure, reread and expiry logged; a failure said once while it repeats. */
    public static CredentialReloader.Events logged(CredentialReloader.Events events) {
        return CredentialReloader.Events.said(LOG::warn, LOG::info, "the certificate, key and CA", events);
    }
}
