package io.netwatch.agent.inspect.tls;

import java.util.List;

/**
 * A parsed ServerHello or HelloRetryRequest (RFC 8446 4.1.3, RFC 5246 7.4.1.3), or an SSLv2
 * SERVER-HELLO (RFC 6101 appendix E) when {@link #sslv2()}.
 *
 * @param sslv2             an SSLv2 SERVER-HELLO: no cipher suite, compression or extensions; the
 *                          cipher specs the server offers are in {@link #sslv2CipherSpecs()}
 * @param recordVersion     {@code legacy_record_version} of the carrying record; 0x0002 for SSLv2;
 *                          -1 when it came without a record (QUIC)
 * @param legacyVersion     {@code legacy_version} (server_version)
 * @param sessionIdLength   legacy_session_id_echo length, bytes
 * @param cipherSuite       the selected cipher suite; -1 for SSLv2
 * @param compressionMethod the selected compression method; -1 for SSLv2
 * @param extensions        extension types in order, at most {@link TlsHelloParser#MAX_EXTENSIONS}
 * @param selectedVersion   the supported_versions (0x002b) value; -1 when absent
 * @param alpn              the protocol selected by ALPN (0x0010), as sent (one char per byte); null when absent
 * @param helloRetryRequest the random is the RFC 8446 HelloRetryRequest value
 * @param keyShareGroup     the group of key_share (0x0033): the server's share, or the group a
 *                          HelloRetryRequest asks for; -1 when absent
 * @param downgradeSentinel the random ends with the RFC 8446 4.1.3 downgrade sentinel: 1 for
 *                          "DOWNGRD\1" (a TLS 1.3 server negotiating TLS 1.2), 0 for "DOWNGRD\0"
 *                          (TLS 1.1 or below); -1 when absent
 * @param sslv2CipherSpecs  SSLv2 only: the 3-byte cipher specs as 24-bit values, at most
 *                          {@link TlsHelloParser#MAX_CIPHER_SUITES}
 * @param anomalies         recoverable oddities, stable snake_case strings, each once
 */
public record ServerHello(boolean sslv2, int recordVersion, int legacyVersion, int sessionIdLength, int cipherSuite,
                          int compressionMethod, List<Integer> extensions, int selectedVersion, String alpn,
                          boolean helloRetryRequest, int keyShareGroup, int downgradeSentinel,
                          List<Integer> sslv2CipherSpecs, List<String> anomalies) {
    public ServerHello {
        extensions = List.copyOf(extensions);
        sslv2CipherSpecs = List.copyOf(sslv2CipherSpecs);
        anomalies = List.copyOf(anomalies);
    }

    /** The hello carries an extension of this type. */
    public boolean hasExtension(int type) {
        return extensions.contains(type);
    }
}
