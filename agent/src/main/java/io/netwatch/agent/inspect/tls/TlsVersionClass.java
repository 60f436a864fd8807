package io.netwatch.agent.inspect.tls;

/**
 * The versions ServerHellos are counted by: the version the server selected
 * ({@link TlsVersions#selected}), TLS 1.0 to 1.3 each, SSL 3.0 and SSL 2.0 together as
 * {@link #SSL}; anything else (a TLS 1.3 draft, a GREASE or unassigned value) is
 * {@link #OTHER}. A fixed set, so that a metric labelled with it keeps its series bounded.
 * Old versions still negotiated on a cluster are a finding of their own: TLS 1.0 and 1.1 are
 * deprecated (RFC 8996), SSL is broken.
 */
public enum TlsVersionClass {
    SSL("ssl"), TLS_1_0("tls1.0"), TLS_1_1("tls1.1"), TLS_1_2("tls1.2"), TLS_1_3("tls1.3"),
    /** A draft, GREASE or unassigned value. */
    OTHER("other");

    private final String label;

    TlsVersionClass(String label) {
        this.label = label;
    }

    /** The metric label: {@code ssl}, {@code tls1.0} to {@code tls1.3}, or {@code other}. */
    public String label() {
        return label;
    }

    /** The class of a selected version ({@link TlsVersions#selected}). */
    public static TlsVersionClass of(int version) {
        return switch (version) {
            case TlsVersions.SSL_2_0, TlsVersions.SSL_3_0 -> SSL;
            case TlsVersions.TLS_1_0 -> TLS_1_0;
            case TlsVersions.TLS_1_1 -> TLS_1_1;
            case TlsVersions.TLS_1_2 -> TLS_1_2;
            case TlsVersions.TLS_1_3 -> TLS_1_3;
            default -> OTHER;
        };
    }
}
