package io.netwatch.aggregator.security;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Verifies a call's client certificate chain again when the call starts, against the client
 * CA in force and the clock now, as the TLS handshake did when the connection was made. Found
 * in review: a connection that resumes a TLS session (the JDK's session tickets live a day) is
 * let in on the certificate verified when the session was first made, so a client whose CA was
 * removed from the client CA file, or whose certificate had expired since, reconnected and was
 * taken for as long as its ticket lived; a connection kept open took new calls on it too.
 * Thread-safe.
 */
public final class ClientVerifier {
    /** The client CA in force now (reread from its file). */
    private final X509TrustManager inForce;
    /** A JDK trust manager over the CA certificates last seen in force, made again when they change. */
    private volatile Check check;

    private record Check(X509Certificate[] cas, X509TrustManager trust) {
    }

    ClientVerifier(X509TrustManager inForce) {
        this.inForce = inForce;
    }

    /**
     * Null when {@code chain} verifies now for a TLS client against the client CA in force;
     * else why not, for the refusal a client reads.
     */
    String refusal(X509Certificate[] chain) {
        X509Certificate leaf = chain[0];
        Instant now = Instant.now();
        if (leaf.getNotAfter().toInstant().isBefore(now)) {
            return "the client certificate " + leaf.getSubjectX500Principal() + " expired on "
                    + leaf.getNotAfter().toInstant() + ": renew it";
        }
        if (leaf.getNotBefore().toInstant().isAfter(now)) {
            return "the client certificate " + leaf.getSubjectX500Principal() + " is not valid before "
                    + leaf.getNotBefore().toInstant() + ": check the clocks";
        }
        try {
            current().checkClientTrusted(chain, leaf.getPublicKey().getAlgorithm());
            return null;
        } catch (CertificateException e) {
            return "the client certificate " + leaf.getSubjectX500Principal() + " no longer verifies against the"
                    + " aggregator's client CA (its CA was taken out of the aggregator's --tls-client-ca file, or a"
                    + " CA certificate of its chain expired): " + e.getMessage();
        }
    }

    private X509TrustManager current() throws CertificateException {
        X509Certificate[] cas = inForce.getAcceptedIssuers();
        Check c = check;
        if (c == null || !Arrays.equals(c.cas(), cas)) {
            c = new Check(cas, trusting(cas));
            check = c;
        }
        return c.trust();
    }

    private static X509TrustManager trusting(X509Certificate[] cas) throws CertificateException {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < cas.length; i++) {
                store.setCertificateEntry("ca-" + i, cas[i]);
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(store);
            for (TrustManager m : f.getTrustManagers()) {
                if (m instanceof X509TrustManager x) {
                    return x;
                }
            }
            throw new CertificateException("the JDK made no X.509 trust manager");
        } catch (GeneralSecurityException | IOException e) {
            throw new CertificateException("cannot verify against the client CA in force: " + e.getMessage(), e);
        }
    }
}
