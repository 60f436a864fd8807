package io.netwatch.agent.inspect.quic;

import java.util.HexFormat;

/**
 * The keys that protect one direction's Initial packets (RFC 9001 §5.2, RFC 9369 §3.3): derived
 * from the Destination Connection ID of the client's first Initial and a per-version salt, so an
 * observer can compute them too. They give privacy from nobody; they only keep middleboxes from
 * depending on the contents.
 *
 * @param key AEAD_AES_128_GCM key, 16 bytes
 * @param iv  AEAD IV, 12 bytes (XORed with the packet number to make the nonce)
 * @param hp  header protection key (AES-128-ECB), 16 bytes
 */
record InitialKeys(byte[] key, byte[] iv, byte[] hp) {
    /** RFC 9001 §5.2. */
    static final byte[] SALT_V1 = HexFormat.of().parseHex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
    /** RFC 9369 §3.3.1. */
    static final byte[] SALT_V2 = HexFormat.of().parseHex("0dede3def700a6db819381be6e269dcbf9bd2ed9");
    static final int KEY_LENGTH = 16;
    static final int IV_LENGTH = 12;
    /** Bytes of the three arrays: what a caller that keeps the keys accounts for, bytes. */
    static final int BYTES = 2 * KEY_LENGTH + IV_LENGTH;

    /**
     * The Initial keys of one direction.
     *
     * @param version    {@link QuicInitial#VERSION_1} or {@link QuicInitial#VERSION_2}
     * @param clientDcid Destination Connection ID of the client's first Initial packet
     * @param server     true for the keys of the server's Initials ("server in"), false for the client's
     */
    static InitialKeys derive(int version, byte[] clientDcid, boolean server) {
        Hkdf hkdf = new Hkdf();
        byte[] secret = directionSecret(hkdf, version, clientDcid, server);
        boolean v2 = version == QuicInitial.VERSION_2;
        return new InitialKeys(
                hkdf.expandLabel(secret, v2 ? "quicv2 key" : "quic key", KEY_LENGTH),
                hkdf.expandLabel(secret, v2 ? "quicv2 iv" : "quic iv", IV_LENGTH),
                hkdf.expandLabel(secret, v2 ? "quicv2 hp" : "quic hp", KEY_LENGTH));
    }

    /** client_initial_secret or server_initial_secret: the same labels in both versions. */
    static byte[] directionSecret(Hkdf hkdf, int version, byte[] clientDcid, boolean server) {
        byte[] salt = switch (version) {
            case QuicInitial.VERSION_1 -> SALT_V1;
            case QuicInitial.VERSION_2 -> SALT_V2;
            default -> throw new IllegalArgumentException(
                    "no Initial salt for version 0x" + Integer.toHexString(version));
        };
        byte[] initialSecret = hkdf.extract(salt, clientDcid);
        return hkdf.expandLabel(initialSecret, server ? "server in" : "client in", Hkdf.HASH_LENGTH);
    }
}
