package io.netwatch.agent.inspect.quic;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opens the Initial packets of QUIC versions 1 (RFC 9000, RFC 9001) and 2 (RFC 9369) in a UDP
 * datagram and returns the CRYPTO frames inside: the start of the TLS handshake, whose
 * ClientHello carries the SNI and whose ServerHello carries the chosen version and cipher suite.
 * Initial keys derive from the Destination Connection ID of the client's first Initial and a
 * published salt, so a passive observer can decrypt what tshark and Suricata decrypt; nothing
 * later in the connection (Handshake, 0-RTT, 1-RTT packets) can be read, and this class does not
 * try.
 *
 * <p>Pure: bytes in, an {@link InitialResult} out. Hostile bytes never throw; every loop over
 * them is bounded by a {@code MAX_} constant. The input buffer is read with absolute gets only
 * (its position and limit never change; it may be a read-only view indexed by file offset). The
 * decrypted payload is the one copy made per packet: CRYPTO fragments are views of it.
 *
 * <p>Cost: {@link #probe} reads a few header bytes. A decrypt derives the keys (five HMAC-SHA256
 * runs; a caller that opens many datagrams of one connection keeps them instead, see
 * {@link KeySource}) and runs AES once per packet for the header and AES-GCM over the payload,
 * so the caller should only decrypt the first datagrams of a UDP flow (those whose payload
 * probes as an Initial) and stop once it has the ClientHello.
 *
 * <p>Anomalies reported on {@link InitialResult.Ok} (stable names):
 * <ul>
 * <li>{@code client_datagram_under_1200}: a client Initial in a datagram shorter than RFC 9000
 *     §14.1's 1200 bytes (servers must drop it)</li>
 * <li>{@code dcid_under_8_bytes}: a client's Initial with a Destination Connection ID shorter
 *     than RFC 9000 §7.2's 8 bytes</li>
 * <li>{@code server_token}: a server Initial with a non-empty Token field</li>
 * <li>{@code reserved_bits_set}: the reserved header bits, under header protection, are not 0</li>
 * <li>{@code no_frames}: a packet whose payload holds no frame</li>
 * <li>{@code connection_close}: a CONNECTION_CLOSE frame; the packet's later frames are not read</li>
 * <li>{@code unexpected_frame_type}: a frame not allowed in Initial packets; the packet's later
 *     frames are not read</li>
 * <li>{@code too_many_frames}, {@code too_many_ack_ranges}, {@code too_many_packets}: a limit was
 *     reached; what lies beyond it is not read</li>
 * <li>{@code coalesced_dcid_mismatch}: a later Initial in the datagram has another Destination
 *     Connection ID (RFC 9000 §12.2: ignored)</li>
 * <li>{@code coalesced_<reason>}: a later Initial in the datagram is malformed for
 *     {@code <reason>} (a {@link InitialResult.Malformed} reason); it and what follows are ignored</li>
 * <li>{@code trailing_bytes}: bytes after the last packet that are no QUIC packet and not all
 *     zero (zeros after the packets are common, Cloudflare pads its server datagrams so, and not
 *     reported)</li>
 * </ul>
 *
 * <p>Malformed reasons: {@code truncated_header}, {@code cid_too_long}, {@code varint_truncated},
 * {@code length_exceeds_datagram}, {@code packet_too_short} (no room for the header-protection
 * sample), {@code decrypt_failed}, {@code frame_truncated}, {@code crypto_offset_overflow}.
 */
public final class QuicInitial {
    /** QUIC version 1, RFC 9000. */
    public static final int VERSION_1 = 0x0000_0001;
    /** QUIC version 2, RFC 9369. */
    public static final int VERSION_2 = 0x6b33_43cf;

    /** Longest connection ID in versions 1 and 2, bytes (RFC 9000 §17.2). */
    public static final int MAX_CONNECTION_ID_LENGTH = 20;
    /**
     * Most QUIC packets read in one UDP datagram, packets. A datagram coalesces at most one packet
     * per packet type in practice (Initial, 0-RTT, Handshake, 1-RTT).
     */
    public static final int MAX_PACKETS_PER_DATAGRAM = 8;
    /**
     * Most frames read in one packet, frames; a run of PADDING bytes counts as one frame. Chrome's
     * "chaos protection" splits a ClientHello into a dozen or more CRYPTO frames mixed with PING
     * and PADDING.
     */
    public static final int MAX_FRAMES_PER_PACKET = 256;
    /** Most ACK Range entries skipped in one ACK frame, ranges. */
    public static final int MAX_ACK_RANGES = 64;
    /** Largest value of a QUIC variable-length integer (RFC 9000 §16): 2^62 - 1. */
    public static final long MAX_VARINT = (1L << 62) - 1;
    /** The largest packet number when none was decrypted yet in a direction's Initial space. */
    public static final long NO_PACKET_NUMBER = -1;
    /** Smallest UDP payload allowed to carry a client's Initial, bytes (RFC 9000 §14.1). */
    public static final int MIN_CLIENT_DATAGRAM = 1200;
    /** Shortest Destination Connection ID of a client's first Initial, bytes (RFC 9000 §7.2). */
    public static final int MIN_CLIENT_DCID_LENGTH = 8;

    /** AEAD tag and header-protection sample, bytes (AES-128-GCM, RFC 9001 §5.4.2). */
    static final int TAG_LENGTH = 16;
    static final int SAMPLE_LENGTH = 16;
    /** The sample starts this far after the packet number's first byte, as if it were 4 bytes long. */
    static final int MAX_PN_LENGTH = 4;
    /** First byte, version, DCID length: the least that says "a long-header packet of version X". */
    private static final int MIN_LONG_HEADER = 6;

    private static final int FRAME_PADDING = 0x00;
    private static final int FRAME_PING = 0x01;
    private static final int FRAME_ACK = 0x02;
    private static final int FRAME_ACK_ECN = 0x03;
    private static final int FRAME_CRYPTO = 0x06;
    private static final int FRAME_CONNECTION_CLOSE = 0x1c;
    private static final int FRAME_CONNECTION_CLOSE_APP = 0x1d;

    private QuicInitial() {
    }

    /**
     * Where a decryption takes one direction's Initial keys from: derived for the one call
     * ({@link #DERIVE}), or kept by a caller that opens many datagrams of one connection, which
     * would otherwise pay a derivation (five HMAC-SHA256 runs) for each of them.
     */
    @FunctionalInterface
    interface KeySource {
        /**
         * The keys of the Initials of {@code version} ({@link #VERSION_1} or {@link #VERSION_2})
         * sent by the server ({@code server}) or the client, on the connection whose client's
         * first DCID is {@code clientDcid}.
         */
        InitialKeys keys(int version, ConnectionId clientDcid, boolean server);
    }

    /** Derives the keys afresh on every call: for callers that keep nothing between datagrams. */
    static final KeySource DERIVE = (version, clientDcid, server) ->
            InitialKeys.derive(version, clientDcid.unsafeBytes(), server);

    /**
     * Cheap check that {@code len} bytes at {@code off} start with a QUIC v1 or v2 Initial packet:
     * long header, fixed bit, version 1 or 2 with that version's Initial type, connection IDs of at
     * most 20 bytes, Token and Length fields inside the datagram, room for the header-protection
     * sample. No cryptography.
     *
     * @throws IndexOutOfBoundsException if {@code [off, off + len)} is not inside {@code buf}'s limit
     *                                   (a caller's mistake, never the bytes')
     */
    public static boolean probe(ByteBuffer buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.limit());
        int end = off + len;
        return startsWithInitial(buf, off, end) && parse(buf, off, end).packet() != null;
    }

    /**
     * Cheaper still than {@link #probe}: true when {@code len} bytes at {@code off} start like a
     * QUIC v1 or v2 Initial packet (long header, fixed bit, version, Initial type), before any
     * length is checked. False for every packet after the handshake's first ones, whose header
     * is short: a caller can tell those apart at the cost of one byte read.
     *
     * @throws IndexOutOfBoundsException if {@code [off, off + len)} is not inside {@code buf}'s limit
     */
    public static boolean startsLikeInitial(ByteBuffer buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.limit());
        return startsWithInitial(buf, off, off + len);
    }

    /**
     * True when the datagram starts with an Initial packet whose Destination Connection ID is
     * {@code id}: its header only is read, no key is derived.
     */
    static boolean addressedTo(ByteBuffer buf, int off, int len, ConnectionId id) {
        int end = off + len;
        if (!startsWithInitial(buf, off, end)) {
            return false;
        }
        int dcidLength = buf.get(off + 5) & 0xff;
        return end - (off + 6) >= dcidLength && id.matches(buf, off + 6, dcidLength);
    }

    /**
     * Decrypts the client Initial packets at the start of a UDP datagram (client to server), with
     * keys derived from the first packet's Destination Connection ID: right for the client's first
     * flight. Later client Initials (after the server answered, or after a Retry) carry another
     * DCID; use {@link #decryptClientInitials(ByteBuffer, int, int, ConnectionId, long)} for them.
     */
    public static InitialResult decryptClientInitials(ByteBuffer udpPayload, int off, int len) {
        return open(udpPayload, off, len, false, null, NO_PACKET_NUMBER, DERIVE);
    }

    /**
     * As {@link #decryptClientInitials(ByteBuffer, int, int, ConnectionId, long)} with no packet
     * decrypted before in this direction.
     */
    public static InitialResult decryptClientInitials(ByteBuffer udpPayload, int off, int len,
                                                      ConnectionId clientDcid) {
        return decryptClientInitials(udpPayload, off, len, clientDcid, NO_PACKET_NUMBER);
    }

    /**
     * Decrypts the client Initial packets at the start of a UDP datagram with the keys of
     * {@code clientDcid}: the Destination Connection ID of the client's first Initial on this
     * connection ({@link InitialResult.Ok#dcid()} of that datagram), or after a Retry the DCID the
     * client's Initials use since (RFC 9001 §5.2).
     *
     * @param largestPacketNumber the largest packet number of this direction's Initial packets
     *                            decrypted so far ({@link InitialResult.Ok#largestPacketNumber()} of
     *                            the last datagram), or {@link #NO_PACKET_NUMBER}: a packet number
     *                            is sent truncated and only reads right against it (RFC 9000 §17.1)
     * @throws IllegalArgumentException if {@code largestPacketNumber} is below -1 or above 2^62 - 1
     */
    public static InitialResult decryptClientInitials(ByteBuffer udpPayload, int off, int len,
                                                      ConnectionId clientDcid, long largestPacketNumber) {
        return open(udpPayload, off, len, false, Objects.requireNonNull(clientDcid, "clientDcid"),
                checkLargest(largestPacketNumber), DERIVE);
    }

    /**
     * As {@link #decryptServerInitials(ByteBuffer, int, int, ConnectionId, long)} with no packet
     * decrypted before in this direction.
     */
    public static InitialResult decryptServerInitials(ByteBuffer udpPayload, int off, int len,
                                                      ConnectionId clientDcid) {
        return decryptServerInitials(udpPayload, off, len, clientDcid, NO_PACKET_NUMBER);
    }

    /**
     * Decrypts the server Initial packets at the start of a UDP datagram (server to client). Their
     * keys derive from the client's DCID, not from anything in the server's packets, so the caller
     * passes {@code clientDcid}, as for {@link #decryptClientInitials(ByteBuffer, int, int, ConnectionId, long)},
     * and the largest packet number of the server's Initials decrypted so far (the server numbers
     * its packets apart from the client's). The server's CRYPTO data starts with its ServerHello
     * (selected version and cipher suite).
     *
     * @throws IllegalArgumentException if {@code largestPacketNumber} is below -1 or above 2^62 - 1
     */
    public static InitialResult decryptServerInitials(ByteBuffer udpPayload, int off, int len,
                                                      ConnectionId clientDcid, long largestPacketNumber) {
        return open(udpPayload, off, len, true, Objects.requireNonNull(clientDcid, "clientDcid"),
                checkLargest(largestPacketNumber), DERIVE);
    }

    /**
     * As {@link #decryptClientInitials(ByteBuffer, int, int, ConnectionId, long)} (or, with a null
     * {@code clientDcid}, as {@link #decryptClientInitials(ByteBuffer, int, int)}: keyed by the
     * datagram's own DCID) and {@link #decryptServerInitials(ByteBuffer, int, int, ConnectionId, long)},
     * with the keys taken from {@code keys}, asked once per datagram.
     */
    static InitialResult decrypt(ByteBuffer udpPayload, int off, int len, boolean fromServer,
                                 ConnectionId clientDcid, long largestPacketNumber, KeySource keys) {
        if (fromServer) {
            Objects.requireNonNull(clientDcid, "clientDcid");
        }
        return open(udpPayload, off, len, fromServer, clientDcid, checkLargest(largestPacketNumber),
                Objects.requireNonNull(keys, "keys"));
    }

    private static long checkLargest(long largest) {
        if (largest < NO_PACKET_NUMBER || largest > MAX_VARINT) {
            throw new IllegalArgumentException("largest packet number " + largest);
        }
        return largest;
    }

    /**
     * The full packet number from its truncated encoding (RFC 9000 §17.1, Appendix A.3).
     *
     * @param largest   largest packet number received so far in this space, or -1 for none
     * @param truncated the packet number as sent
     * @param bits      bits sent: 8, 16, 24 or 32
     */
    static long decodePacketNumber(long largest, long truncated, int bits) {
        long expected = largest + 1;
        long win = 1L << bits;
        long hwin = win / 2;
        long mask = win - 1;
        long candidate = (expected & ~mask) | truncated;
        if (candidate <= expected - hwin && candidate < (1L << 62) - win) {
            return candidate + win;
        }
        if (candidate > expected + hwin && candidate >= win) {
            return candidate - win;
        }
        return candidate;
    }

    // ---------------------------------------------------------------------------------------------

    /** The Initial packet type bits for a version, or -1 for a version this class cannot open. */
    private static int initialType(int version) {
        return switch (version) {
            case VERSION_1 -> 0b00;
            case VERSION_2 -> 0b01;
            default -> -1;
        };
    }

    /** Long header, fixed bit, known version, Initial type. */
    private static boolean startsWithInitial(ByteBuffer buf, int pos, int end) {
        if (end - pos < MIN_LONG_HEADER) {
            return false;
        }
        int b0 = buf.get(pos) & 0xff;
        if ((b0 & 0xc0) != 0xc0) {
            return false;
        }
        int type = initialType(u32(buf, pos + 1));
        return type >= 0 && ((b0 >>> 4) & 0b11) == type;
    }

    /** Where the parts of one long-header Initial packet lie in the buffer (absolute indices). */
    private record Packet(int start, int version, int dcidOffset, int dcidLength, int scidOffset, int scidLength,
                          int tokenLength, int pnOffset, int end) {
    }

    /** A parsed header, or why there is none. */
    private record Parsed(Packet packet, String failure) {
        static Parsed fail(String reason) {
            return new Parsed(null, reason);
        }
    }

    /**
     * Reads the header of the Initial packet at {@code pos}, after {@link #startsWithInitial}.
     * Checks only lengths; the protected parts (first byte's low bits, packet number) stay unread.
     */
    private static Parsed parse(ByteBuffer buf, int pos, int end) {
        int version = u32(buf, pos + 1);
        int p = pos + 5;
        int dcidLength = buf.get(p++) & 0xff;
        if (dcidLength > MAX_CONNECTION_ID_LENGTH) {
            return Parsed.fail("cid_too_long");
        }
        int dcidOffset = p;
        if (end - p < dcidLength + 1) {
            return Parsed.fail("truncated_header");
        }
        p += dcidLength;
        int scidLength = buf.get(p++) & 0xff;
        if (scidLength > MAX_CONNECTION_ID_LENGTH) {
            return Parsed.fail("cid_too_long");
        }
        int scidOffset = p;
        if (end - p < scidLength) {
            return Parsed.fail("truncated_header");
        }
        p += scidLength;
        long tokenLength = readVarint(buf, p, end);
        if (tokenLength < 0) {
            return Parsed.fail(tokenLength == VARINT_TRUNCATED && p >= end ? "truncated_header" : "varint_truncated");
        }
        p += varintLength(buf.get(p));
        if (tokenLength > end - p) {
            return Parsed.fail("length_exceeds_datagram");
        }
        p += (int) tokenLength;
        if (p >= end) {
            return Parsed.fail("truncated_header");
        }
        long length = readVarint(buf, p, end);
        if (length < 0) {
            return Parsed.fail("varint_truncated");
        }
        p += varintLength(buf.get(p));
        if (length > end - p) {
            return Parsed.fail("length_exceeds_datagram");
        }
        if (length < MAX_PN_LENGTH + SAMPLE_LENGTH) {
            return Parsed.fail("packet_too_short");
        }
        return new Parsed(new Packet(pos, version, dcidOffset, dcidLength, scidOffset, scidLength, (int) tokenLength,
                p, p + (int) length), null);
    }

    private static final long VARINT_TRUNCATED = -1;

    /** The big-endian 32-bit value at absolute {@code p}, whatever the buffer's byte order. */
    private static int u32(ByteBuffer buf, int p) {
        return (buf.get(p) & 0xff) << 24 | (buf.get(p + 1) & 0xff) << 16 | (buf.get(p + 2) & 0xff) << 8
                | (buf.get(p + 3) & 0xff);
    }

    /** Length of the varint whose first byte is {@code b}: 1, 2, 4 or 8 bytes. */
    private static int varintLength(byte b) {
        return 1 << ((b & 0xff) >>> 6);
    }

    /** The varint at absolute {@code p}, or {@link #VARINT_TRUNCATED} when it runs past {@code end}. */
    private static long readVarint(ByteBuffer buf, int p, int end) {
        if (p >= end) {
            return VARINT_TRUNCATED;
        }
        int n = varintLength(buf.get(p));
        if (end - p < n) {
            return VARINT_TRUNCATED;
        }
        long v = buf.get(p) & 0x3f;
        for (int i = 1; i < n; i++) {
            v = (v << 8) | (buf.get(p + i) & 0xff);
        }
        return v;
    }

    /** The varint at {@code p} of {@code a}, or {@link #VARINT_TRUNCATED} when it runs past {@code end}. */
    private static long readVarint(byte[] a, int p, int end) {
        if (p >= end) {
            return VARINT_TRUNCATED;
        }
        int n = varintLength(a[p]);
        if (end - p < n) {
            return VARINT_TRUNCATED;
        }
        long v = a[p] & 0x3f;
        for (int i = 1; i < n; i++) {
            v = (v << 8) | (a[p + i] & 0xff);
        }
        return v;
    }

    private static InitialResult open(ByteBuffer buf, int off, int len, boolean fromServer, ConnectionId keyDcid,
                                      long largestBefore, KeySource keys) {
        Objects.checkFromIndexSize(off, len, buf.limit());
        int end = off + len;
        if (!startsWithInitial(buf, off, end)) {
            return InitialResult.NotQuic.INSTANCE;
        }
        int version = u32(buf, off + 1);
        List<CryptoFragment> fragments = new ArrayList<>();
        List<String> anomalies = new ArrayList<>(2);
        ConnectionId dcid = null;
        ConnectionId scid = null;
        int tokenLength = 0;
        PacketOpener opener = null;
        int packets = 0;
        // Each packet's number decodes against the largest before it, coalesced ones included.
        long largest = largestBefore;
        int pos = off;
        while (pos < end) {
            boolean first = packets == 0;
            if (!first && !startsWithInitial(buf, pos, end)) {
                // A Handshake, 0-RTT or 1-RTT packet follows (not readable with Initial keys), or
                // bytes that are no packet: zeros some servers pad datagrams with, or garbage.
                if ((buf.get(pos) & 0xc0) == 0 && !allZero(buf, pos, end)) {
                    anomalies.add("trailing_bytes");
                }
                break;
            }
            if (!first && u32(buf, pos + 1) != version) {
                break;
            }
            if (packets == MAX_PACKETS_PER_DATAGRAM) {
                anomalies.add("too_many_packets");
                break;
            }
            Parsed parsed = parse(buf, pos, end);
            if (parsed.packet() == null) {
                if (first) {
                    return new InitialResult.Malformed(parsed.failure());
                }
                anomalies.add("coalesced_" + parsed.failure());
                break;
            }
            Packet pk = parsed.packet();
            if (first) {
                dcid = ConnectionId.copyOf(buf, pk.dcidOffset(), pk.dcidLength());
                scid = ConnectionId.copyOf(buf, pk.scidOffset(), pk.scidLength());
                tokenLength = pk.tokenLength();
                ConnectionId keysFrom = keyDcid != null ? keyDcid : dcid;
                opener = new PacketOpener(keys.keys(version, keysFrom, fromServer));
            } else if (!dcid.matches(buf, pk.dcidOffset(), pk.dcidLength())) {
                anomalies.add("coalesced_dcid_mismatch");
                break;
            }
            List<CryptoFragment> found = new ArrayList<>();
            String failure = opener.open(buf, pk, largest, found, anomalies);
            if (failure != null) {
                if (first) {
                    return new InitialResult.Malformed(failure);
                }
                anomalies.add("coalesced_" + failure);
                break;
            }
            fragments.addAll(found);
            largest = Math.max(largest, opener.packetNumber());
            packets++;
            pos = pk.end();
        }
        if (fromServer && tokenLength != 0) {
            anomalies.add("server_token");
        }
        if (!fromServer && len < MIN_CLIENT_DATAGRAM) {
            anomalies.add("client_datagram_under_1200");
        }
        if (!fromServer && keyDcid == null && dcid.length() < MIN_CLIENT_DCID_LENGTH) {
            anomalies.add("dcid_under_8_bytes");
        }
        return new InitialResult.Ok(version, dcid, scid, tokenLength, packets, largest, fragments, anomalies);
    }

    /** True when the bytes from {@code pos} to {@code end} are all 0 (at most one datagram's length). */
    private static boolean allZero(ByteBuffer buf, int pos, int end) {
        for (int i = pos; i < end; i++) {
            if (buf.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Removes header protection from and decrypts packets with one direction's Initial keys. Holds
     * two JCE ciphers, so it lives for one {@link #open} call on one thread.
     */
    private static final class PacketOpener {
        private final SecretKeySpec key;
        private final byte[] iv;
        private final Cipher hp;
        private final Cipher aead;
        /** The full number of the packet last opened. */
        private long packetNumber;

        PacketOpener(InitialKeys keys) {
            try {
                key = new SecretKeySpec(keys.key(), "AES");
                iv = keys.iv();
                hp = Cipher.getInstance("AES/ECB/NoPadding");
                hp.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keys.hp(), "AES"));
                aead = Cipher.getInstance("AES/GCM/NoPadding");
            } catch (GeneralSecurityException e) {
                // AES/ECB and AES/GCM are mandatory in every Java platform: a broken JDK, not bad input.
                throw new IllegalStateException("AES unavailable", e);
            }
        }

        /**
         * Opens one packet and reads its frames into {@code fragments}.
         *
         * @param largest the largest packet number decrypted before in this direction, or -1
         * @return null, or the reason the packet cannot be opened or read
         */
        String open(ByteBuffer buf, Packet pk, long largest, List<CryptoFragment> fragments, List<String> anomalies) {
            int pnOffset = pk.pnOffset();
            byte[] sample = new byte[SAMPLE_LENGTH];
            buf.get(pnOffset + MAX_PN_LENGTH, sample);
            byte[] mask;
            try {
                mask = hp.doFinal(sample);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-ECB on one block failed", e);
            }
            int b0 = (buf.get(pk.start()) ^ (mask[0] & 0x0f)) & 0xff;
            int pnLength = (b0 & 0b11) + 1;
            byte[] pnBytes = new byte[pnLength];
            long truncated = 0;
            for (int i = 0; i < pnLength; i++) {
                pnBytes[i] = (byte) (buf.get(pnOffset + i) ^ mask[1 + i]);
                truncated = (truncated << 8) | (pnBytes[i] & 0xff);
            }
            long pn = decodePacketNumber(largest, truncated, 8 * pnLength);
            if (pn > MAX_VARINT) {
                // Only near the top of the range, which no sender reaches: no packet can carry it.
                return "decrypt_failed";
            }
            // A copy: the IV is the caller's kept keys' own array, reused for its later packets.
            byte[] nonce = iv.clone();
            for (int i = 0; i < 8; i++) {
                nonce[nonce.length - 1 - i] ^= (byte) (pn >>> (8 * i));
            }
            int payloadOffset = pnOffset + pnLength;
            int ciphertextLength = pk.end() - payloadOffset;
            byte[] plaintext = new byte[ciphertextLength - TAG_LENGTH];
            try {
                aead.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(8 * TAG_LENGTH, nonce));
                aead.updateAAD(new byte[] {(byte) b0});
                aead.updateAAD(buf.duplicate().limit(pnOffset).position(pk.start() + 1));
                aead.updateAAD(pnBytes);
                aead.doFinal(buf.duplicate().limit(pk.end()).position(payloadOffset), ByteBuffer.wrap(plaintext));
            } catch (GeneralSecurityException e) {
                // AEADBadTagException: wrong keys (another connection's DCID, another version) or damage.
                return "decrypt_failed";
            }
            // Only an opened packet's number counts: a forged one must not move the window.
            packetNumber = pn;
            if ((b0 & 0x0c) != 0) {
                anomalies.add("reserved_bits_set");
            }
            return readFrames(plaintext, fragments, anomalies);
        }

        long packetNumber() {
            return packetNumber;
        }
    }

    /**
     * Reads the frames of a decrypted Initial payload: PADDING, PING and ACK are skipped, CRYPTO
     * data kept (as views of {@code p}), CONNECTION_CLOSE or any other frame ends the packet.
     *
     * @return null, or the reason the payload is malformed
     */
    private static String readFrames(byte[] p, List<CryptoFragment> fragments, List<String> anomalies) {
        int n = p.length;
        if (n == 0) {
            anomalies.add("no_frames");
            return null;
        }
        int i = 0;
        for (int frames = 0; i < n; frames++) {
            if (frames == MAX_FRAMES_PER_PACKET) {
                anomalies.add("too_many_frames");
                return null;
            }
            long type = readVarint(p, i, n);
            if (type < 0) {
                return "frame_truncated";
            }
            i += varintLength(p[i]);
            if (type == FRAME_PADDING) {
                while (i < n && p[i] == 0) {
                    i++;
                }
            } else if (type == FRAME_PING) {
                continue;
            } else if (type == FRAME_ACK || type == FRAME_ACK_ECN) {
                // Largest Acknowledged, ACK Delay, ACK Range Count, First ACK Range.
                long[] fields = new long[4];
                for (int f = 0; f < fields.length; f++) {
                    fields[f] = readVarint(p, i, n);
                    if (fields[f] < 0) {
                        return "frame_truncated";
                    }
                    i += varintLength(p[i]);
                }
                long ranges = fields[2];
                if (ranges > MAX_ACK_RANGES) {
                    anomalies.add("too_many_ack_ranges");
                    return null;
                }
                // Gap and ACK Range Length per range, then three ECN counts for ACK_ECN.
                int more = 2 * (int) ranges + (type == FRAME_ACK_ECN ? 3 : 0);
                for (int f = 0; f < more; f++) {
                    if (readVarint(p, i, n) < 0) {
                        return "frame_truncated";
                    }
                    i += varintLength(p[i]);
                }
            } else if (type == FRAME_CRYPTO) {
                long offset = readVarint(p, i, n);
                if (offset < 0) {
                    return "frame_truncated";
                }
                i += varintLength(p[i]);
                long length = readVarint(p, i, n);
                if (length < 0) {
                    return "frame_truncated";
                }
                i += varintLength(p[i]);
                if (length > n - i) {
                    return "frame_truncated";
                }
                if (offset > MAX_VARINT - length) {
                    return "crypto_offset_overflow";
                }
                ByteBuffer data = ByteBuffer.wrap(p, i, (int) length).slice().asReadOnlyBuffer();
                fragments.add(new CryptoFragment(offset, data));
                i += (int) length;
            } else if (type == FRAME_CONNECTION_CLOSE || type == FRAME_CONNECTION_CLOSE_APP) {
                anomalies.add("connection_close");
                return null;
            } else {
                anomalies.add("unexpected_frame_type");
                return null;
            }
        }
        return null;
    }
}
