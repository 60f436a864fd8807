package io.netwatch.agent.inspect.tls;

import static io.netwatch.agent.inspect.tls.TlsRecordReader.u16;
import static io.netwatch.agent.inspect.tls.TlsRecordReader.u8;

import io.netwatch.agent.inspect.TextCache;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Parses ClientHello and ServerHello / HelloRetryRequest bodies, in the TLS layout (RFC 8446
 * 4.1.2 and 4.1.3, RFC 5246 7.4.1) and the SSLv2 layout (RFC 6101 appendix E).
 *
 * <p>A body is the message as {@link TlsRecordReader} cut it (after the 4-byte handshake header,
 * or after the SSLv2 message-type byte), so its length is known and a field that runs past it
 * makes the body {@code Malformed}. Damage inside one extension's data does not: the extension
 * boundaries still hold, so the hello stays usable and the damage becomes an anomaly (e.g.
 * {@code sni_malformed}). Only values are kept: numbers for the lists, and the SNI and ALPN
 * strings, each capped. Pure; never throws on any bytes.
 */
public final class TlsHelloParser {
    /** Most cipher suites (or SSLv2 cipher specs) kept per hello; real clients send under 100. */
    public static final int MAX_CIPHER_SUITES = 512;
    /** Most compression methods kept. */
    public static final int MAX_COMPRESSION_METHODS = 16;
    /** Most extensions read per hello (each at least 4 bytes); real clients send under 30. Past it, none is read. */
    public static final int MAX_EXTENSIONS = 128;
    /** Most values kept per list: supported_versions, supported_groups, ec_point_formats, signature_algorithms. */
    public static final int MAX_LIST_VALUES = 128;
    /** Most server_name entries looked at (only the first host_name is kept). */
    public static final int MAX_SERVER_NAMES = 8;
    /** Longest SNI kept, bytes (a DNS name is at most 253); longer names are cut and flagged. */
    public static final int MAX_SNI_LENGTH = 255;
    /** Most ALPN protocols kept; each is at most 255 bytes by its 1-byte length. */
    public static final int MAX_ALPN_PROTOCOLS = 16;

    /** legacy_version and random; bytes. */
    private static final int VERSION_RANDOM = 2 + 32;
    /** Longest legacy_session_id allowed by RFC 8446, bytes. */
    private static final int MAX_SESSION_ID = 32;
    /** RFC 8446 4.1.3: the random of a HelloRetryRequest, SHA-256("HelloRetryRequest"). */
    private static final byte[] HRR_RANDOM = {
        (byte) 0xCF, 0x21, (byte) 0xAD, 0x74, (byte) 0xE5, (byte) 0x9A, 0x61, 0x11,
        (byte) 0xBE, 0x1D, (byte) 0x8C, 0x02, 0x1E, 0x65, (byte) 0xB8, (byte) 0x91,
        (byte) 0xC2, (byte) 0xA2, 0x11, 0x16, 0x7A, (byte) 0xBB, (byte) 0x8C, 0x5E,
        0x07, (byte) 0x9E, 0x09, (byte) 0xE2, (byte) 0xC8, (byte) 0xA8, 0x33, (byte) 0x9C};
    /** RFC 8446 4.1.3: "DOWNGRD", the first 7 of the last 8 bytes of a downgraded server's random. */
    private static final byte[] DOWNGRADE = {0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44};

    private TlsHelloParser() {
    }

    /** Parses a ClientHello the record reader found, in whichever layout its record had. */
    public static ClientHelloResult parseClientHello(HandshakeMessage message) {
        if (!message.isClientHello()) {
            return new ClientHelloResult.Malformed("not_client_hello");
        }
        return message.sslv2()
                ? parseSslv2ClientHello(message.buffer(), message.offset(), message.length())
                : parseClientHello(message.buffer(), message.offset(), message.length(), message.recordVersion());
    }

    /** Parses a ServerHello (or HelloRetryRequest, or SSLv2 SERVER-HELLO) the record reader found. */
    public static ServerHelloResult parseServerHello(HandshakeMessage message) {
        if (!message.isServerHello()) {
            return new ServerHelloResult.Malformed("not_server_hello");
        }
        return message.sslv2()
                ? parseSslv2ServerHello(message.buffer(), message.offset(), message.length())
                : parseServerHello(message.buffer(), message.offset(), message.length(), message.recordVersion());
    }

    /**
     * Parses a TLS-layout ClientHello body: {@code buffer[offset, offset + length)} is what follows
     * the handshake header (from legacy_version on). Also for hellos that came without a record,
     * such as QUIC CRYPTO data.
     *
     * @param recordVersion the carrying record's version, or -1 when there was no record
     * @throws IndexOutOfBoundsException if the range is not within {@code [0, buffer.limit())}
     */
    public static ClientHelloResult parseClientHello(ByteBuffer buffer, int offset, int length, int recordVersion) {
        Objects.requireNonNull(buffer, "buffer");
        Objects.checkFromIndexSize(offset, length, buffer.limit());
        Fields f = new Fields(buffer, offset + length);
        int p = offset;
        if (length < VERSION_RANDOM + 1) {
            return new ClientHelloResult.Malformed("body_too_short");
        }
        int legacyVersion = u16(buffer, p);
        p += VERSION_RANDOM;
        int sessionIdLength = u8(buffer, p++);
        if (sessionIdLength > f.end - p) {
            return new ClientHelloResult.Malformed("session_id_overruns");
        }
        if (sessionIdLength > MAX_SESSION_ID) {
            f.anomaly("session_id_too_long");
        }
        p += sessionIdLength;
        if (f.end - p < 2) {
            return new ClientHelloResult.Malformed("cipher_suites_overrun");
        }
        int suitesLength = u16(buffer, p);
        p += 2;
        if (suitesLength > f.end - p) {
            return new ClientHelloResult.Malformed("cipher_suites_overrun");
        }
        if ((suitesLength & 1) != 0) {
            return new ClientHelloResult.Malformed("cipher_suites_odd_length");
        }
        int suiteCount = suitesLength / 2;
        List<Integer> suites = f.u16s(p, suiteCount, MAX_CIPHER_SUITES, "cipher_suites_capped");
        if (suiteCount == 0) {
            f.anomaly("no_cipher_suites");
        }
        p += suitesLength;
        if (f.end - p < 1) {
            return new ClientHelloResult.Malformed("compression_methods_overrun");
        }
        int compressionLength = u8(buffer, p++);
        if (compressionLength > f.end - p) {
            return new ClientHelloResult.Malformed("compression_methods_overrun");
        }
        List<Integer> compression = f.u8s(p, compressionLength, MAX_COMPRESSION_METHODS, "compression_methods_capped");
        if (compressionLength == 0) {
            f.anomaly("no_compression_methods");
        }
        p += compressionLength;
        String failure = f.extensions(p, true);
        if (failure != null) {
            return new ClientHelloResult.Malformed(failure);
        }
        return new ClientHelloResult.Ok(new ClientHello(false, recordVersion, legacyVersion, sessionIdLength, 0,
                suites, suiteCount, compression, f.extensionTypes, f.sni, f.alpn, orEmpty(f.supportedVersions),
                orEmpty(f.supportedGroups), orEmpty(f.ecPointFormats), orEmpty(f.signatureAlgorithms),
                f.extensionTypes.contains(ClientHello.EXT_ENCRYPTED_CLIENT_HELLO), f.anomalies));
    }

    /**
     * Parses an SSLv2 CLIENT-HELLO body (after the message-type byte): version, cipher-specs
     * length, session-id length, challenge length, then the three fields. Also the
     * SSLv2-compatible hello of SSL 3.0 and TLS clients, whose version is 3.x.
     *
     * @throws IndexOutOfBoundsException if the range is not within {@code [0, buffer.limit())}
     */
    public static ClientHelloResult parseSslv2ClientHello(ByteBuffer buffer, int offset, int length) {
        Objects.requireNonNull(buffer, "buffer");
        Objects.checkFromIndexSize(offset, length, buffer.limit());
        Fields f = new Fields(buffer, offset + length);
        if (length < 8) {
            return new ClientHelloResult.Malformed("body_too_short");
        }
        int version = u16(buffer, offset);
        int specsLength = u16(buffer, offset + 2);
        int sessionIdLength = u16(buffer, offset + 4);
        int challengeLength = u16(buffer, offset + 6);
        int p = offset + 8;
        if ((long) specsLength + sessionIdLength + challengeLength > f.end - p) {
            return new ClientHelloResult.Malformed("sslv2_lengths_overrun");
        }
        if (specsLength % 3 != 0) {
            return new ClientHelloResult.Malformed("cipher_specs_bad_length");
        }
        int specCount = specsLength / 3;
        List<Integer> specs = f.u24s(p, specCount, MAX_CIPHER_SUITES, "cipher_suites_capped");
        if (specCount == 0) {
            f.anomaly("no_cipher_suites");
        }
        if (sessionIdLength != 0 && sessionIdLength != 16) {
            f.anomaly("sslv2_session_id_bad_length");
        }
        if (challengeLength < 16 || challengeLength > 32) {
            f.anomaly("sslv2_challenge_bad_length");
        }
        if (specsLength + sessionIdLength + challengeLength < f.end - p) {
            f.anomaly("trailing_bytes");
        }
        return new ClientHelloResult.Ok(new ClientHello(true, HandshakeMessage.SSLV2_RECORD_VERSION, version,
                sessionIdLength, challengeLength, specs, specCount, List.of(), List.of(), null, List.of(), List.of(),
                List.of(), List.of(), List.of(), false, f.anomalies));
    }

    /**
     * Parses a TLS-layout ServerHello or HelloRetryRequest body (after the handshake header).
     *
     * @param recordVersion the carrying record's version, or -1 when there was no record
     * @throws IndexOutOfBoundsException if the range is not within {@code [0, buffer.limit())}
     */
    public static ServerHelloResult parseServerHello(ByteBuffer buffer, int offset, int length, int recordVersion) {
        Objects.requireNonNull(buffer, "buffer");
        Objects.checkFromIndexSize(offset, length, buffer.limit());
        Fields f = new Fields(buffer, offset + length);
        int p = offset;
        if (length < VERSION_RANDOM + 1) {
            return new ServerHelloResult.Malformed("body_too_short");
        }
        int legacyVersion = u16(buffer, p);
        boolean hrr = equalsAt(buffer, p + 2, HRR_RANDOM);
        int downgrade = equalsAt(buffer, p + 2 + 24, DOWNGRADE) && u8(buffer, p + 2 + 31) <= 1
                ? u8(buffer, p + 2 + 31) : -1;
        p += VERSION_RANDOM;
        int sessionIdLength = u8(buffer, p++);
        if (sessionIdLength > f.end - p) {
            return new ServerHelloResult.Malformed("session_id_overruns");
        }
        if (sessionIdLength > MAX_SESSION_ID) {
            f.anomaly("session_id_too_long");
        }
        p += sessionIdLength;
        if (f.end - p < 3) {
            return new ServerHelloResult.Malformed("cipher_suite_overruns");
        }
        int cipherSuite = u16(buffer, p);
        int compression = u8(buffer, p + 2);
        p += 3;
        String failure = f.extensions(p, false);
        if (failure != null) {
            return new ServerHelloResult.Malformed(failure);
        }
        if (TlsGrease.is(cipherSuite)) {
            f.anomaly("grease_cipher_suite_selected");
        }
        return new ServerHelloResult.Ok(new ServerHello(false, recordVersion, legacyVersion, sessionIdLength,
                cipherSuite, compression, f.extensionTypes, f.selectedVersion,
                f.alpn.isEmpty() ? null : f.alpn.getFirst(), hrr, f.keyShareGroup, downgrade, List.of(), f.anomalies));
    }

    /**
     * Parses an SSLv2 SERVER-HELLO body (after the message-type byte): session-id hit, certificate
     * type, version, certificate length, cipher-specs length, connection-id length, then the fields.
     *
     * @throws IndexOutOfBoundsException if the range is not within {@code [0, buffer.limit())}
     */
    public static ServerHelloResult parseSslv2ServerHello(ByteBuffer buffer, int offset, int length) {
        Objects.requireNonNull(buffer, "buffer");
        Objects.checkFromIndexSize(offset, length, buffer.limit());
        Fields f = new Fields(buffer, offset + length);
        if (length < 10) {
            return new ServerHelloResult.Malformed("body_too_short");
        }
        int version = u16(buffer, offset + 2);
        int certificateLength = u16(buffer, offset + 4);
        int specsLength = u16(buffer, offset + 6);
        int connectionIdLength = u16(buffer, offset + 8);
        int p = offset + 10;
        if ((long) certificateLength + specsLength + connectionIdLength > f.end - p) {
            return new ServerHelloResult.Malformed("sslv2_lengths_overrun");
        }
        if (specsLength % 3 != 0) {
            return new ServerHelloResult.Malformed("cipher_specs_bad_length");
        }
        List<Integer> specs = f.u24s(p + certificateLength, specsLength / 3, MAX_CIPHER_SUITES,
                "cipher_suites_capped");
        if (connectionIdLength < 16 || connectionIdLength > 32) {
            f.anomaly("sslv2_connection_id_bad_length");
        }
        if (certificateLength + specsLength + connectionIdLength < f.end - p) {
            f.anomaly("trailing_bytes");
        }
        return new ServerHelloResult.Ok(new ServerHello(true, HandshakeMessage.SSLV2_RECORD_VERSION, version, 0,
                -1, -1, List.of(), -1, null, false, -1, -1, specs, f.anomalies));
    }

    private static boolean equalsAt(ByteBuffer b, int at, byte[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (b.get(at + i) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private static List<Integer> orEmpty(List<Integer> list) {
        return list == null ? List.of() : list;
    }

    /**
     * What one parse collects. Lives for one call only; the records it fills are immutable.
     * {@code end} is the absolute end of the body.
     */
    private static final class Fields {
        private final ByteBuffer b;
        private final int end;
        final List<String> anomalies = new ArrayList<>(0);
        final List<Integer> extensionTypes = new ArrayList<>();
        String sni;
        final List<String> alpn = new ArrayList<>(0);
        List<Integer> supportedVersions;
        List<Integer> supportedGroups;
        List<Integer> ecPointFormats;
        List<Integer> signatureAlgorithms;
        int selectedVersion = -1;
        int keyShareGroup = -1;
        private boolean sniSeen;
        private boolean alpnSeen;
        private boolean keyShareSeen;

        Fields(ByteBuffer b, int end) {
            this.b = b;
            this.end = end;
        }

        void anomaly(String reason) {
            if (!anomalies.contains(reason)) {
                anomalies.add(reason);
            }
        }

        /**
         * The extensions block from {@code p} to the end of the body, which it may be missing
         * from entirely (hellos before TLS 1.2 may end after the compression methods).
         *
         * @return a Malformed reason when the block's framing is broken, else null
         */
        String extensions(int p, boolean client) {
            if (p == end) {
                return null;
            }
            if (end - p < 2) {
                return "extensions_length_truncated";
            }
            int blockLength = u16(b, p);
            p += 2;
            if (blockLength > end - p) {
                return "extensions_overrun";
            }
            int blockEnd = p + blockLength;
            if (blockEnd < end) {
                anomaly("trailing_bytes");
            }
            for (int n = 0; p < blockEnd; n++) {
                if (n == MAX_EXTENSIONS) {
                    anomaly("extensions_capped");
                    break;
                }
                if (blockEnd - p < 4) {
                    return "extension_header_truncated";
                }
                int type = u16(b, p);
                int length = u16(b, p + 2);
                p += 4;
                if (length > blockEnd - p) {
                    return "extension_overruns";
                }
                if (extensionTypes.contains(type)) {
                    anomaly("duplicate_extension");
                }
                extensionTypes.add(type);
                if (client) {
                    clientExtension(type, p, p + length);
                } else {
                    serverExtension(type, p, p + length);
                }
                p += length;
            }
            return null;
        }

        private void clientExtension(int type, int p, int extEnd) {
            switch (type) {
                case ClientHello.EXT_SERVER_NAME -> {
                    if (!sniSeen) {
                        sniSeen = true;
                        serverName(p, extEnd);
                    }
                }
                case ClientHello.EXT_ALPN -> {
                    if (!alpnSeen) {
                        alpnSeen = true;
                        alpnList(p, extEnd);
                    }
                }
                case ClientHello.EXT_SUPPORTED_VERSIONS -> {
                    if (supportedVersions == null) {
                        supportedVersions = u16List(p, extEnd, 1, "supported_versions_malformed");
                    }
                }
                case ClientHello.EXT_SUPPORTED_GROUPS -> {
                    if (supportedGroups == null) {
                        supportedGroups = u16List(p, extEnd, 2, "supported_groups_malformed");
                    }
                }
                case ClientHello.EXT_SIGNATURE_ALGORITHMS -> {
                    if (signatureAlgorithms == null) {
                        signatureAlgorithms = u16List(p, extEnd, 2, "signature_algorithms_malformed");
                    }
                }
                case ClientHello.EXT_EC_POINT_FORMATS -> {
                    if (ecPointFormats == null) {
                        ecPointFormats = u8List(p, extEnd, "ec_point_formats_malformed");
                    }
                }
                default -> {
                }
            }
        }

        private void serverExtension(int type, int p, int extEnd) {
            switch (type) {
                case ClientHello.EXT_SUPPORTED_VERSIONS -> {
                    if (selectedVersion < 0 && extEnd - p == 2) {
                        selectedVersion = u16(b, p);
                    } else if (extEnd - p != 2) {
                        anomaly("supported_versions_malformed");
                    }
                }
                case ClientHello.EXT_ALPN -> {
                    if (!alpnSeen) {
                        alpnSeen = true;
                        alpnList(p, extEnd);
                        if (alpn.size() != 1) {
                            anomaly("alpn_not_one_protocol");
                        }
                    }
                }
                case ClientHello.EXT_KEY_SHARE -> {
                    if (!keyShareSeen && extEnd - p >= 2) {
                        keyShareSeen = true;
                        keyShareGroup = u16(b, p);
                    } else if (extEnd - p < 2) {
                        anomaly("key_share_malformed");
                    }
                }
                default -> {
                }
            }
        }

        /** server_name: a 16-bit list length, then entries of type (1), 16-bit length, name. */
        private void serverName(int p, int extEnd) {
            if (extEnd - p < 2 || u16(b, p) != extEnd - p - 2) {
                anomaly("sni_malformed");
                return;
            }
            p += 2;
            for (int n = 0; p < extEnd; n++) {
                if (n == MAX_SERVER_NAMES) {
                    anomaly("server_names_capped");
                    return;
                }
                if (extEnd - p < 3) {
                    anomaly("sni_malformed");
                    return;
                }
                int nameType = u8(b, p);
                int length = u16(b, p + 1);
                p += 3;
                if (length > extEnd - p) {
                    anomaly("sni_malformed");
                    return;
                }
                if (nameType == 0 && sni == null) {
                    if (length == 0) {
                        anomaly("sni_empty");
                    }
                    if (length > MAX_SNI_LENGTH) {
                        anomaly("sni_truncated");
                    }
                    sni = latin1(p, Math.min(length, MAX_SNI_LENGTH));
                    if (!hostname(sni)) {
                        anomaly("sni_not_hostname");
                    }
                }
                p += length;
            }
        }

        /** ALPN: a 16-bit list length, then protocols of a 1-byte length and bytes. */
        private void alpnList(int p, int extEnd) {
            if (extEnd - p < 2 || u16(b, p) != extEnd - p - 2) {
                anomaly("alpn_malformed");
                return;
            }
            p += 2;
            while (p < extEnd) {
                if (alpn.size() == MAX_ALPN_PROTOCOLS) {
                    anomaly("alpn_capped");
                    return;
                }
                int length = u8(b, p++);
                if (length > extEnd - p) {
                    anomaly("alpn_malformed");
                    return;
                }
                if (length == 0) {
                    anomaly("alpn_empty_protocol");
                }
                alpn.add(latin1(p, length));
                p += length;
            }
        }

        /**
         * A list of 16-bit values behind a length of {@code lengthBytes} (1 or 2) that must fill
         * the extension exactly; otherwise the anomaly, and what could be read is kept.
         */
        private List<Integer> u16List(int p, int extEnd, int lengthBytes, String malformed) {
            if (extEnd - p < lengthBytes) {
                anomaly(malformed);
                return List.of();
            }
            int length = lengthBytes == 1 ? u8(b, p) : u16(b, p);
            p += lengthBytes;
            if (length != extEnd - p || (length & 1) != 0) {
                anomaly(malformed);
                length = Math.min(length, extEnd - p) & ~1;
            }
            return u16s(p, length / 2, MAX_LIST_VALUES, "list_capped");
        }

        /** A list of 8-bit values behind a 1-byte length that must fill the extension exactly. */
        private List<Integer> u8List(int p, int extEnd, String malformed) {
            if (extEnd - p < 1) {
                anomaly(malformed);
                return List.of();
            }
            int length = u8(b, p++);
            if (length != extEnd - p) {
                anomaly(malformed);
                length = Math.min(length, extEnd - p);
            }
            return u8s(p, length, MAX_LIST_VALUES, "list_capped");
        }

        List<Integer> u16s(int p, int count, int cap, String capped) {
            if (count > cap) {
                anomaly(capped);
            }
            int n = Math.min(count, cap);
            List<Integer> values = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                values.add(u16(b, p + 2 * i));
            }
            return values;
        }

        List<Integer> u24s(int p, int count, int cap, String capped) {
            if (count > cap) {
                anomaly(capped);
            }
            int n = Math.min(count, cap);
            List<Integer> values = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                values.add(TlsRecordReader.u24(b, p + 3 * i));
            }
            return values;
        }

        List<Integer> u8s(int p, int count, int cap, String capped) {
            if (count > cap) {
                anomaly(capped);
            }
            int n = Math.min(count, cap);
            List<Integer> values = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                values.add(u8(b, p + i));
            }
            return values;
        }

        private String latin1(int p, int length) {
            // Server names and ALPN ids repeat from hello to hello: the same strings.
            return TextCache.forThisThread().latin1(b, p, length);
        }

        /** Letters, digits, '-', '_', '.' only: what a DNS host name (or a lenient one) is made of. */
        private static boolean hostname(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                        || c == '-' || c == '_' || c == '.';
                if (!ok) {
                    return false;
                }
            }
            return true;
        }
    }
}
