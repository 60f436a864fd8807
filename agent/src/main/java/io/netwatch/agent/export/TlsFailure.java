package io.netwatch.agent.export;

import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import javax.net.ssl.SSLException;

/**
 * Why a TLS handshake with the aggregator failed, as this client saw it, read from the cause
 * of gRPC's failure: the agent and the query commands tell the user which setting to fix
 * instead of "io exception". Found in review: an aggregator certificate that had expired was
 * reported as "not signed by a CA this client trusts (--tls-ca)", since the JDK words both as
 * a PKIX failure.
 *
 * @param kind   what went wrong
 * @param detail the JDK's own words (the expiry date for {@link Kind#EXPIRED})
 */
public record TlsFailure(Kind kind, String detail) {
    /** How deep a cause chain is followed: one that loops would otherwise never end. */
    private static final int MAX_CAUSES = 16;

    public enum Kind {
        /** The aggregator's certificate, or one of its chain, has expired. */
        EXPIRED,
        /** The aggregator's certificate is not valid yet: a clock is wrong, or it was issued for later. */
        NOT_YET_VALID,
        /** No CA this client trusts signed the aggregator's certificate. */
        UNTRUSTED,
        /** The aggregator's certificate does not carry the name this client asked for. */
        WRONG_NAME,
        /** The aggregator ended the handshake: it refused this client's certificate, or wanted one. */
        REFUSED_BY_AGGREGATOR,
        /** What answered is not TLS: an aggregator without TLS. */
        NOT_TLS,
        /** Any other handshake failure. */
        OTHER
    }

    /** How the settings a user fixes are named: by option, or by option and configuration key. */
    public record Settings(String ca, String serverName, String certificate) {
        /** The agent's: options and the agent.yaml keys. */
        public static final Settings AGENT = new Settings("--tls-ca, tls.ca", "--tls-server-name, tls.server_name",
                "--tls-cert and --tls-key, tls.cert and tls.key");
    }

    /** The TLS failure behind {@code t}, or null when no handshake failed. */
    public static TlsFailure of(Throwable t) {
        SSLException ssl = null;
        Throwable c = t;
        for (int depth = 0; c != null && depth < MAX_CAUSES; depth++, c = c.getCause()) {
            if (c instanceof CertificateExpiredException) {
                return new TlsFailure(Kind.EXPIRED, String.valueOf(c.getMessage()));
            }
            if (c instanceof CertificateNotYetValidException) {
                return new TlsFailure(Kind.NOT_YET_VALID, String.valueOf(c.getMessage()));
            }
            if (ssl == null && c instanceof SSLException s) {
                ssl = s;
            }
        }
        if (ssl == null) {
            return null;
        }
        String m = String.valueOf(ssl.getMessage());
        Kind kind;
        if (m.contains("PKIX path building") || m.contains("unable to find valid certification path")) {
            kind = Kind.UNTRUSTED;
        } else if (m.contains("subject alternative") || m.contains("No name matching")) {
            kind = Kind.WRONG_NAME;
        } else if (m.contains("not an SSL/TLS record")) {
            kind = Kind.NOT_TLS;
        } else if (m.contains("Received fatal alert")) {
            kind = Kind.REFUSED_BY_AGGREGATOR;
        } else {
            kind = Kind.OTHER;
        }
        return new TlsFailure(kind, m);
    }

    /**
     * What failed and what to fix, naming {@code settings}, with the JDK's words after it.
     *
     * @param aggregator the address or name this client connected to
     */
    public String explain(String aggregator, Settings settings) {
        String what = switch (kind) {
            case EXPIRED -> "its certificate, or a CA certificate of its chain, has expired: renew it where the"
                    + " aggregator reads it (cert-manager renews it in place, and the aggregator takes it without a"
                    + " restart)";
            case NOT_YET_VALID -> "its certificate is not valid yet: check this machine's clock and the aggregator's";
            case UNTRUSTED -> "its certificate is not signed by a CA this client trusts (" + settings.ca() + ")";
            case WRONG_NAME -> "its certificate does not name " + aggregator + " (" + settings.serverName()
                    + ", or netwatch certs --san)";
            case REFUSED_BY_AGGREGATOR -> "it refused this client's certificate (signed by another CA, expired, or"
                    + " none where one is needed: " + settings.certificate() + ")";
            case NOT_TLS -> "it does not speak TLS (is it running without --tls-cert? then drop the TLS options)";
            case OTHER -> "check " + settings.ca() + ", " + settings.certificate();
        };
        return what + " (" + detail + ")";
    }
}
