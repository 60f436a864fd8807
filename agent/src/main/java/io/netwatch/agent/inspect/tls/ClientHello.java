package io.netwatch.agent.inspect.tls;

import java.util.List;

/**
 * A parsed ClientHello (RFC 8446 4.1.2, RFC 5246 7.4.1.2), or an SSLv2 / SSLv2-compatible
 * CLIENT-HELLO (RFC 6101 appendix E.1) when {@link #sslv2()}.
 *
 * <p>Lists keep the values in the order sent, GREASE values included ({@link TlsGrease#is}
 * tells them apart; fingerprints drop them). Lists are capped (see {@link TlsHelloParser}'s
 * {@code MAX_...} constants; a cap reached adds an anomaly). Strings are the bytes as sent,
 * one char per byte (ISO-8859-1), so nothing is lost and nothing is decoded.
 *
 * @param sslv2               the hello came in an SSLv2 record: no extensions, {@link #cipherSuites()}
 *                            holds the 3-byte SSLv2 cipher specs as 24-bit values (a TLS suite is
 *                            {@code 0x00XXXX}), and {@link #challengeLength()} replaces the random
 * @param recordVersion       {@code legacy_record_version} of the record that carried it; 0x0002 for an
 *                            SSLv2 record; -1 when it came without a record (QUIC CRYPTO frames)
 * @param legacyVersion       {@code legacy_version} (client_version); for SSLv2 the CLIENT-HELLO version
 * @param sessionIdLength     legacy_session_id length, bytes (the id itself is not kept)
 * @param challengeLength     SSLv2 challenge length, bytes; 0 for TLS hellos
 * @param cipherSuites        cipher suites in order, GREASE kept, at most {@link TlsHelloParser#MAX_CIPHER_SUITES}
 * @param cipherSuiteCount    cipher suites the hello declared (can exceed the list when capped)
 * @param compressionMethods  compression methods in order (empty for SSLv2)
 * @param extensions          extension types in order, GREASE kept, at most {@link TlsHelloParser#MAX_EXTENSIONS}
 * @param sni                 the first host_name of server_name (0x0000), at most
 *                            {@link TlsHelloParser#MAX_SNI_LENGTH} bytes; null when absent or unreadable.
 *                            With ECH this is the outer (public) name
 * @param alpn                application_layer_protocol_negotiation (0x0010) protocols in order, at most
 *                            {@link TlsHelloParser#MAX_ALPN_PROTOCOLS}
 * @param supportedVersions   supported_versions (0x002b) in order, GREASE kept
 * @param supportedGroups     supported_groups (0x000a) in order, GREASE kept
 * @param ecPointFormats      ec_point_formats (0x000b) in order
 * @param signatureAlgorithms signature_algorithms (0x000d) in order, GREASE kept
 * @param echPresent          an encrypted_client_hello extension (0xfe0d) is present
 * @param anomalies           recoverable oddities, stable snake_case strings, each once
 */
public record ClientHello(boolean sslv2, int recordVersion, int legacyVersion, int sessionIdLength,
                          int challengeLength, List<Integer> cipherSuites, int cipherSuiteCount,
                          List<Integer> compressionMethods, List<Integer> extensions, String sni, List<String> alpn,
                          List<Integer> supportedVersions, List<Integer> supportedGroups, List<Integer> ecPointFormats,
                          List<Integer> signatureAlgorithms, boolean echPresent, List<String> anomalies) {
    public static final int EXT_SERVER_NAME = 0x0000;
    public static final int EXT_SUPPORTED_GROUPS = 0x000A;
    public static final int EXT_EC_POINT_FORMATS = 0x000B;
    public static final int EXT_SIGNATURE_ALGORITHMS = 0x000D;
    public static final int EXT_ALPN = 0x0010;
    public static final int EXT_SUPPORTED_VERSIONS = 0x002B;
    public static final int EXT_KEY_SHARE = 0x0033;
    public static final int EXT_QUIC_TRANSPORT_PARAMETERS = 0x0039;
    public static final int EXT_ENCRYPTED_CLIENT_HELLO = 0xFE0D;

    public ClientHello {
        cipherSuites = List.copyOf(cipherSuites);
        compressionMethods = List.copyOf(compressionMethods);
        extensions = List.copyOf(extensions);
        alpn = List.copyOf(alpn);
        supportedVersions = List.copyOf(supportedVersions);
        supportedGroups = List.copyOf(supportedGroups);
        ecPointFormats = List.copyOf(ecPointFormats);
        signatureAlgorithms = List.copyOf(signatureAlgorithms);
        anomalies = List.copyOf(anomalies);
        if (cipherSuiteCount < cipherSuites.size()) {
            throw new IllegalArgumentException("cipherSuiteCount " + cipherSuiteCount + " < " + cipherSuites.size()
                    + " cipher suites kept");
        }
    }

    /** The hello carries an extension of this type. */
    public boolean hasExtension(int type) {
        return extensions.contains(type);
    }

    /** A GREASE value appears among the cipher suites, extensions, versions, groups or signature algorithms. */
    public boolean grease() {
        return anyGrease(cipherSuites) || anyGrease(extensions) || anyGrease(supportedVersions)
                || anyGrease(supportedGroups) || anyGrease(signatureAlgorithms);
    }

    private static boolean anyGrease(List<Integer> values) {
        for (int v : values) {
            if (TlsGrease.is(v)) {
                return true;
            }
        }
        return false;
    }
}
