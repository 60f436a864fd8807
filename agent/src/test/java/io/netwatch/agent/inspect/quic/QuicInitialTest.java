package io.netwatch.agent.inspect.quic;

import static io.netwatch.agent.inspect.quic.InitialSealer.concat;
import static io.netwatch.agent.inspect.quic.InitialSealer.crypto;
import static io.netwatch.agent.inspect.quic.InitialSealer.padding;
import static io.netwatch.agent.inspect.quic.InitialSealer.seal;
import static io.netwatch.agent.inspect.quic.RfcVectors.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.agent.inspect.quic.InitialSealer.Spec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * QUIC Initial decryption: the RFC 9001 and RFC 9369 example packets, every frame rule behind a
 * valid AEAD tag (packets sealed by {@link InitialSealer}), truncations, wrong versions and keys.
 */
class QuicInitialTest {
    static final byte[] DCID = hex(RfcVectors.DCID);
    static final ConnectionId CLIENT_DCID = ConnectionId.ofHex(RfcVectors.DCID);
    static final byte[] CLIENT_HELLO = Arrays.copyOfRange(hex(RfcVectors.CLIENT_CRYPTO_FRAME), 4,
            hex(RfcVectors.CLIENT_CRYPTO_FRAME).length);
    static final byte[] SERVER_HELLO = Arrays.copyOfRange(hex(RfcVectors.SERVER_PAYLOAD), 9,
            hex(RfcVectors.SERVER_PAYLOAD).length);

    static InitialResult.Ok ok(InitialResult r) {
        return assertInstanceOf(InitialResult.Ok.class, r, () -> "expected Ok, got " + r);
    }

    static void assertMalformed(String reason, InitialResult r) {
        assertEquals(new InitialResult.Malformed(reason), r);
    }

    static InitialResult client(byte[] datagram) {
        return QuicInitial.decryptClientInitials(ByteBuffer.wrap(datagram), 0, datagram.length);
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(b.position(), a);
        return a;
    }

    /** A client Initial payload: {@code frames}, then PADDING to fill a 1200-byte datagram (or more). */
    static byte[] padded(byte[] frames) {
        return concat(frames, padding(Math.max(0, 1182 - frames.length)));
    }

    // --- RFC vectors -----------------------------------------------------------------------------

    @Test
    void initialKeysAreTheRfcs() {
        record Expected(int version, boolean server, String secret, String key, String iv, String hp) {
        }
        for (Expected e : List.of(
                new Expected(QuicInitial.VERSION_1, false, RfcVectors.V1_CLIENT_SECRET, RfcVectors.V1_CLIENT_KEY,
                        RfcVectors.V1_CLIENT_IV, RfcVectors.V1_CLIENT_HP),
                new Expected(QuicInitial.VERSION_1, true, RfcVectors.V1_SERVER_SECRET, RfcVectors.V1_SERVER_KEY,
                        RfcVectors.V1_SERVER_IV, RfcVectors.V1_SERVER_HP),
                new Expected(QuicInitial.VERSION_2, false, RfcVectors.V2_CLIENT_SECRET, RfcVectors.V2_CLIENT_KEY,
                        RfcVectors.V2_CLIENT_IV, RfcVectors.V2_CLIENT_HP),
                new Expected(QuicInitial.VERSION_2, true, RfcVectors.V2_SERVER_SECRET, RfcVectors.V2_SERVER_KEY,
                        RfcVectors.V2_SERVER_IV, RfcVectors.V2_SERVER_HP))) {
            String what = Integer.toHexString(e.version()) + (e.server() ? " server" : " client");
            byte[] secret = InitialKeys.directionSecret(new Hkdf(), e.version(), DCID, e.server());
            assertEquals(e.secret(), HexFormat.of().formatHex(secret), what);
            InitialKeys k = InitialKeys.derive(e.version(), DCID, e.server());
            assertEquals(e.key(), HexFormat.of().formatHex(k.key()), what);
            assertEquals(e.iv(), HexFormat.of().formatHex(k.iv()), what);
            assertEquals(e.hp(), HexFormat.of().formatHex(k.hp()), what);
        }
    }

    @Test
    void hkdfExpandsPastOneBlock() {
        // RFC 5869 A.1 with SHA-256: 42 bytes of OKM need two HMAC blocks.
        byte[] prk = hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
        byte[] info = hex("f0f1f2f3f4f5f6f7f8f9");
        assertEquals("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
                HexFormat.of().formatHex(new Hkdf().expand(prk, info, 42)));
        assertArrayEquals(prk, new Hkdf().extract(hex("000102030405060708090a0b0c"),
                hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b")));
    }

    @Test
    void packetNumbersDecodeAsRfc9000AppendixA3() {
        assertEquals(0xa82f9b32L, QuicInitial.decodePacketNumber(0xa82f30eaL, 0x9b32, 16));
        assertEquals(2, QuicInitial.decodePacketNumber(-1, 2, 32));
        assertEquals(0xff, QuicInitial.decodePacketNumber(-1, 0xff, 8));
        assertEquals(0x100, QuicInitial.decodePacketNumber(0xff, 0x00, 8));
    }

    @Test
    void sealerReproducesTheRfcPacketsByteForByte() {
        byte[] frame = hex(RfcVectors.CLIENT_CRYPTO_FRAME);
        byte[] clientPayload = concat(frame, padding(RfcVectors.CLIENT_PAYLOAD_LENGTH - frame.length));
        assertEquals(RfcVectors.CLIENT_PAYLOAD_LENGTH, clientPayload.length);
        byte[] serverPayload = hex(RfcVectors.SERVER_PAYLOAD);
        byte[] scid = hex(RfcVectors.SERVER_SCID);
        for (int version : new int[] {QuicInitial.VERSION_1, QuicInitial.VERSION_2}) {
            boolean v1 = version == QuicInitial.VERSION_1;
            Spec c = Spec.client(version, DCID, clientPayload).withPn(RfcVectors.CLIENT_PN, 4);
            assertArrayEquals(hex(v1 ? RfcVectors.V1_CLIENT_PROTECTED : RfcVectors.V2_CLIENT_PROTECTED), seal(c));
            Spec s = Spec.client(version, DCID, serverPayload).asServer(scid, new byte[0])
                    .withPn(RfcVectors.SERVER_PN, 2);
            assertArrayEquals(hex(v1 ? RfcVectors.V1_SERVER_PROTECTED : RfcVectors.V2_SERVER_PROTECTED), seal(s));
        }
    }

    @Test
    void decryptsTheRfcClientInitials() {
        for (String packet : List.of(RfcVectors.V1_CLIENT_PROTECTED, RfcVectors.V2_CLIENT_PROTECTED)) {
            byte[] datagram = hex(packet);
            assertEquals(1200, datagram.length);
            assertTrue(QuicInitial.probe(ByteBuffer.wrap(datagram), 0, datagram.length));
            InitialResult.Ok ok = ok(client(datagram));
            assertEquals(packet == RfcVectors.V1_CLIENT_PROTECTED ? QuicInitial.VERSION_1 : QuicInitial.VERSION_2,
                    ok.version());
            assertEquals(CLIENT_DCID, ok.dcid());
            assertEquals(0, ok.scid().length());
            assertEquals(0, ok.tokenLength());
            assertEquals(1, ok.packets());
            assertEquals(List.of(), ok.anomalies());
            assertEquals(1, ok.fragments().size());
            CryptoFragment f = ok.fragments().getFirst();
            assertEquals(0, f.offset());
            assertArrayEquals(CLIENT_HELLO, bytes(f.data()));
            assertEquals(1, f.data().get(0), "a ClientHello");
            assertEquals("example.com", HelloReader.read(f.data()).sni());
            // Keyed explicitly by the same DCID: the same result.
            assertEquals(ok.fragments(), ok(QuicInitial.decryptClientInitials(ByteBuffer.wrap(datagram), 0,
                    datagram.length, CLIENT_DCID)).fragments());
        }
    }

    @Test
    void decryptsTheRfcServerInitials() {
        for (String packet : List.of(RfcVectors.V1_SERVER_PROTECTED, RfcVectors.V2_SERVER_PROTECTED)) {
            byte[] datagram = hex(packet);
            assertTrue(QuicInitial.probe(ByteBuffer.wrap(datagram), 0, datagram.length));
            InitialResult.Ok ok = ok(QuicInitial.decryptServerInitials(ByteBuffer.wrap(datagram), 0, datagram.length,
                    CLIENT_DCID));
            assertEquals(0, ok.dcid().length());
            assertEquals(ConnectionId.ofHex(RfcVectors.SERVER_SCID), ok.scid());
            assertEquals(List.of(), ok.anomalies(), "server datagrams may be short");
            assertEquals(1, ok.fragments().size());
            assertArrayEquals(SERVER_HELLO, bytes(ok.fragments().getFirst().data()));
            HelloReader.Hello hello = HelloReader.read(ok.fragments().getFirst().data());
            assertEquals(0x1301, hello.cipherSuite());
            assertEquals(0x0304, hello.selectedVersion());
            assertEquals("server_hello", hello.handshake());
        }
    }

    @Test
    void theOtherDirectionsKeysDoNotOpenAPacket() {
        byte[] c = hex(RfcVectors.V1_CLIENT_PROTECTED);
        byte[] s = hex(RfcVectors.V1_SERVER_PROTECTED);
        assertMalformed("decrypt_failed", QuicInitial.decryptServerInitials(ByteBuffer.wrap(c), 0, c.length,
                CLIENT_DCID));
        assertMalformed("decrypt_failed", client(s));
        assertMalformed("decrypt_failed", QuicInitial.decryptClientInitials(ByteBuffer.wrap(s), 0, s.length,
                CLIENT_DCID));
        assertMalformed("decrypt_failed", QuicInitial.decryptClientInitials(ByteBuffer.wrap(c), 0, c.length,
                ConnectionId.ofHex("0001020304050607")));
    }

    @Test
    void retryShortHeaderAndOtherPacketsAreNotInitials() {
        for (String packet : List.of(RfcVectors.V1_RETRY, RfcVectors.V2_RETRY, RfcVectors.CHACHA20_SHORT)) {
            byte[] b = hex(packet);
            assertFalse(QuicInitial.probe(ByteBuffer.wrap(b), 0, b.length), packet);
            assertEquals(InitialResult.NotQuic.INSTANCE, client(b));
            assertEquals(InitialResult.NotQuic.INSTANCE,
                    QuicInitial.decryptServerInitials(ByteBuffer.wrap(b), 0, b.length, CLIENT_DCID));
        }
        // A v1 Handshake packet (type 2) and a v2 Handshake packet (type 3).
        byte[] v1 = hex(RfcVectors.V1_CLIENT_PROTECTED);
        v1[0] = (byte) ((v1[0] & 0xcf) | 0x20);
        assertEquals(InitialResult.NotQuic.INSTANCE, client(v1));
        byte[] v2 = hex(RfcVectors.V2_CLIENT_PROTECTED);
        v2[0] = (byte) ((v2[0] & 0xcf) | 0x30);
        assertEquals(InitialResult.NotQuic.INSTANCE, client(v2));
        // Fixed bit clear.
        byte[] noFixed = hex(RfcVectors.V1_CLIENT_PROTECTED);
        noFixed[0] &= (byte) 0xbf;
        assertEquals(InitialResult.NotQuic.INSTANCE, client(noFixed));
        // DNS, empty, one byte.
        assertEquals(InitialResult.NotQuic.INSTANCE, client(hex("12340100000100000000000003777777")));
        assertEquals(InitialResult.NotQuic.INSTANCE, client(new byte[0]));
        assertEquals(InitialResult.NotQuic.INSTANCE, client(new byte[] {(byte) 0xc0}));
    }

    @Test
    void wrongVersionsAreNotOpened() {
        for (int version : new int[] {0, 0xff00001d, 0x51303530, 0x1a2a3a4a, 2}) {
            byte[] b = hex(RfcVectors.V1_CLIENT_PROTECTED);
            ByteBuffer.wrap(b).putInt(1, version);
            assertFalse(QuicInitial.probe(ByteBuffer.wrap(b), 0, b.length));
            assertEquals(InitialResult.NotQuic.INSTANCE, client(b), Integer.toHexString(version));
        }
        // The v1 packet relabelled v2: type bits 00 are a Retry in v2.
        byte[] asV2 = hex(RfcVectors.V1_CLIENT_PROTECTED);
        ByteBuffer.wrap(asV2).putInt(1, QuicInitial.VERSION_2);
        assertEquals(InitialResult.NotQuic.INSTANCE, client(asV2));
        // ... and with v2's Initial type bits: v2 keys, so the tag fails.
        asV2[0] = (byte) ((asV2[0] & 0xcf) | 0x10);
        assertTrue(QuicInitial.probe(ByteBuffer.wrap(asV2), 0, asV2.length));
        assertMalformed("decrypt_failed", client(asV2));
        byte[] asV1 = hex(RfcVectors.V2_CLIENT_PROTECTED);
        ByteBuffer.wrap(asV1).putInt(1, QuicInitial.VERSION_1);
        asV1[0] = (byte) (asV1[0] & 0xcf);
        assertMalformed("decrypt_failed", client(asV1));
    }

    @Test
    void anyChangedByteAfterTheHeaderFailsTheTag() {
        for (String packet : List.of(RfcVectors.V1_CLIENT_PROTECTED, RfcVectors.V2_CLIENT_PROTECTED)) {
            byte[] original = hex(packet);
            // Packet number, sample, ciphertext, tag; and each DCID byte (other keys).
            for (int i = 6; i < original.length; i++) {
                if (i >= 14 && i < 18) {
                    continue; // SCID length, token length, Length: the structure changes, not the keys
                }
                byte[] b = original.clone();
                b[i] ^= 0x01;
                assertMalformed("decrypt_failed", client(b));
            }
            // The protected bits of the first byte (packet number length, reserved bits).
            for (int bit = 0; bit < 4; bit++) {
                byte[] b = original.clone();
                b[0] ^= (byte) (1 << bit);
                assertMalformed("decrypt_failed", client(b));
            }
        }
    }

    @Test
    void truncatedAtEveryLengthNeverOpens() {
        for (String packet : List.of(RfcVectors.V1_CLIENT_PROTECTED, RfcVectors.V2_CLIENT_PROTECTED,
                RfcVectors.V1_SERVER_PROTECTED, RfcVectors.V2_SERVER_PROTECTED)) {
            byte[] full = hex(packet);
            // At an offset of a larger read-only buffer, as a capture source hands it over.
            byte[] big = new byte[full.length + 40];
            System.arraycopy(full, 0, big, 17, full.length);
            for (int len = 0; len < full.length; len++) {
                ByteBuffer buf = ByteBuffer.wrap(big).asReadOnlyBuffer().position(3).limit(17 + len + 5);
                assertFalse(QuicInitial.probe(buf, 17, len), "probe at " + len);
                InitialResult c = QuicInitial.decryptClientInitials(buf, 17, len);
                InitialResult s = QuicInitial.decryptServerInitials(buf, 17, len, CLIENT_DCID);
                assertEquals(3, buf.position());
                assertEquals(17 + len + 5, buf.limit());
                for (InitialResult r : List.of(c, s)) {
                    if (len < 6) {
                        assertEquals(InitialResult.NotQuic.INSTANCE, r, "at " + len);
                    } else {
                        assertInstanceOf(InitialResult.Malformed.class, r, "at " + len);
                    }
                }
            }
            ByteBuffer whole = ByteBuffer.wrap(big).asReadOnlyBuffer();
            assertTrue(QuicInitial.probe(whole, 17, full.length));
        }
        byte[] b = hex(RfcVectors.V1_CLIENT_PROTECTED);
        assertMalformed("truncated_header", client(Arrays.copyOf(b, 6)));
        assertMalformed("length_exceeds_datagram", client(Arrays.copyOf(b, 1199)));
    }

    @Test
    void argumentsOutsideTheBufferAreTheCallersMistake() {
        ByteBuffer buf = ByteBuffer.wrap(new byte[10]);
        assertThrows(IndexOutOfBoundsException.class, () -> QuicInitial.probe(buf, 5, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> QuicInitial.decryptClientInitials(buf, -1, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> QuicInitial.decryptServerInitials(buf, 0, 11, CLIENT_DCID));
    }

    // --- headers ---------------------------------------------------------------------------------

    /** A raw v1 Initial header with the given DCID/SCID lengths, token length and Length, then filler. */
    static byte[] rawHeader(int dcidLen, int scidLen, byte[] tokenLen, byte[] length, int filler) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xc3);
        InitialSealer.writeInt(out, QuicInitial.VERSION_1);
        out.write(dcidLen);
        out.writeBytes(new byte[Math.min(dcidLen, 40)]);
        out.write(scidLen);
        out.writeBytes(new byte[Math.min(scidLen, 40)]);
        out.writeBytes(tokenLen);
        out.writeBytes(length);
        out.writeBytes(new byte[filler]);
        return out.toByteArray();
    }

    @Test
    void headerLimitsAndLengths() {
        assertMalformed("cid_too_long", client(rawHeader(21, 0, hex("00"), hex("4400"), 1200)));
        assertMalformed("cid_too_long", client(rawHeader(8, 21, hex("00"), hex("4400"), 1200)));
        assertMalformed("cid_too_long", client(rawHeader(255, 0, hex("00"), hex("4400"), 1200)));
        // Length 0x4400 = 1024 > what is left; Length 19 < packet number + sample.
        assertMalformed("length_exceeds_datagram", client(rawHeader(8, 0, hex("00"), hex("4400"), 1000)));
        assertMalformed("packet_too_short", client(rawHeader(8, 0, hex("00"), hex("13"), 1200)));
        // Token length beyond the datagram, and an 8-byte varint cut short.
        assertMalformed("length_exceeds_datagram", client(rawHeader(8, 0, hex("c0000000ffffffff"), new byte[0], 50)));
        assertMalformed("varint_truncated", client(rawHeader(8, 0, hex("00"), hex("c000"), 0)));
        assertMalformed("truncated_header", client(rawHeader(8, 0, new byte[0], new byte[0], 0)));
        assertMalformed("truncated_header", client(rawHeader(8, 0, hex("00"), new byte[0], 0)));
        // 20-byte connection IDs are fine, and a token is skipped and reported by length.
        byte[] dcid20 = new byte[20];
        Arrays.fill(dcid20, (byte) 7);
        byte[] token = new byte[70];
        Spec s = Spec.client(QuicInitial.VERSION_1, dcid20, padded(crypto(0, new byte[] {1, 2, 3}))).withToken(token);
        InitialResult.Ok ok = ok(client(seal(s)));
        assertEquals(20, ok.dcid().length());
        assertEquals(70, ok.tokenLength());
        assertEquals(List.of(), ok.anomalies());
    }

    @Test
    void packetNumbersOfEveryLengthOpen() {
        long[][] cases = {{0, 1}, {255, 1}, {0x1234, 2}, {7, 2}, {0xabcdef, 3}, {0x7fffffffL, 4}, {0xfffffffeL, 4}};
        for (long[] c : cases) {
            Spec s = Spec.client(QuicInitial.VERSION_2, DCID, padded(crypto(0, new byte[] {9})))
                    .withPn(c[0], (int) c[1]);
            InitialResult.Ok ok = ok(client(seal(s)));
            assertEquals(1, ok.fragments().size(), () -> "pn " + c[0]);
        }
    }

    @Test
    void aTruncatedPacketNumberDecodesAgainstTheLargestBefore() {
        // Packet 300 sent in one byte (0x2c): right only against an earlier packet near it (RFC 9000 A.3).
        byte[] late = seal(Spec.client(QuicInitial.VERSION_1, DCID, padded(crypto(0, new byte[] {9}))).withPn(300, 1));
        assertMalformed("decrypt_failed", QuicInitial.decryptClientInitials(ByteBuffer.wrap(late), 0, late.length,
                CLIENT_DCID));
        InitialResult.Ok ok = ok(QuicInitial.decryptClientInitials(ByteBuffer.wrap(late), 0, late.length, CLIENT_DCID,
                290));
        assertEquals(1, ok.fragments().size());
        assertEquals(300, ok.largestPacketNumber());
        // An older packet (a retransmission's neighbour) leaves the largest where it was.
        byte[] older = seal(Spec.client(QuicInitial.VERSION_1, DCID, padded(crypto(0, new byte[] {9}))).withPn(280, 2));
        assertEquals(300, ok(QuicInitial.decryptClientInitials(ByteBuffer.wrap(older), 0, older.length, CLIENT_DCID,
                300)).largestPacketNumber());

        // The server numbers its own packets, and its Initials decode against its own largest.
        byte[] server = seal(Spec.client(QuicInitial.VERSION_1, DCID, crypto(0, SERVER_HELLO)).withPn(257, 1)
                .asServer(hex("f067a5502a4262b5"), new byte[0]));
        assertMalformed("decrypt_failed", QuicInitial.decryptServerInitials(ByteBuffer.wrap(server), 0,
                server.length, CLIENT_DCID));
        assertEquals(257, ok(QuicInitial.decryptServerInitials(ByteBuffer.wrap(server), 0, server.length,
                CLIENT_DCID, 256)).largestPacketNumber());
    }

    @Test
    void coalescedInitialsDecodeAgainstTheOnesBefore() {
        // Packet 290 in two bytes, then 291 in one (0x23, which alone reads as 35).
        byte[] first = seal(Spec.client(QuicInitial.VERSION_1, DCID, crypto(0, Arrays.copyOf(CLIENT_HELLO, 150)))
                .withPn(290, 2));
        byte[] second = seal(Spec.client(QuicInitial.VERSION_1, DCID,
                padded(crypto(150, Arrays.copyOfRange(CLIENT_HELLO, 150, CLIENT_HELLO.length)))).withPn(291, 1));
        InitialResult.Ok ok = ok(client(concat(first, second)));
        assertEquals(List.of(), ok.anomalies());
        assertEquals(2, ok.packets());
        assertEquals(291, ok.largestPacketNumber());
    }

    @Test
    void theLargestPacketNumberIsBoundedAndNoDecodeThrows() {
        byte[] p = seal(Spec.client(QuicInitial.VERSION_1, DCID, padded(crypto(0, new byte[] {9}))).withPn(0, 1));
        ByteBuffer b = ByteBuffer.wrap(p);
        assertThrows(IllegalArgumentException.class,
                () -> QuicInitial.decryptClientInitials(b, 0, p.length, CLIENT_DCID, -2));
        assertThrows(IllegalArgumentException.class,
                () -> QuicInitial.decryptServerInitials(b, 0, p.length, CLIENT_DCID, QuicInitial.MAX_VARINT + 1));
        // At the top of the range a one-byte number can decode past 2^62 - 1: no packet carries that.
        byte[] top = seal(Spec.client(QuicInitial.VERSION_1, DCID, padded(crypto(0, new byte[] {9})))
                .withPn(QuicInitial.MAX_VARINT + 6, 1));
        assertMalformed("decrypt_failed", QuicInitial.decryptClientInitials(ByteBuffer.wrap(top), 0, top.length,
                CLIENT_DCID, QuicInitial.MAX_VARINT));
    }

    // --- frames ----------------------------------------------------------------------------------

    static byte[] ack(int ranges, boolean ecn) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ecn ? 0x03 : 0x02);
        InitialSealer.writeVarint(out, 1000); // largest acknowledged
        InitialSealer.writeVarint(out, 25); // delay
        InitialSealer.writeVarint(out, ranges);
        InitialSealer.writeVarint(out, 3); // first range
        for (int i = 0; i < ranges; i++) {
            InitialSealer.writeVarint(out, 1);
            InitialSealer.writeVarint(out, 2);
        }
        if (ecn) {
            InitialSealer.writeVarint(out, 10);
            InitialSealer.writeVarint(out, 20000);
            InitialSealer.writeVarint(out, 1 << 20);
        }
        return out.toByteArray();
    }

    @Test
    void readsCryptoAmongPingAckAndPaddingInAnyOrder() {
        byte[] part1 = Arrays.copyOfRange(CLIENT_HELLO, 0, 100);
        byte[] part2 = Arrays.copyOfRange(CLIENT_HELLO, 100, CLIENT_HELLO.length);
        byte[] frames = concat(new byte[] {0x01}, ack(3, false), crypto(100, part2), padding(10), new byte[] {0x01},
                crypto(0, part1), ack(0, true), new byte[] {0x40, 0x01}); // a PING in a 2-byte varint
        InitialResult.Ok ok = ok(client(seal(Spec.client(QuicInitial.VERSION_1, DCID, padded(frames)))));
        assertEquals(List.of(), ok.anomalies());
        assertEquals(2, ok.fragments().size());
        assertEquals(100, ok.fragments().get(0).offset());
        assertEquals(0, ok.fragments().get(1).offset());
        QuicCryptoAssembler a = new QuicCryptoAssembler();
        a.addAll(ok.fragments());
        assertEquals(CLIENT_HELLO.length, a.firstMessageLength());
        assertEquals("example.com", HelloReader.read(a.contiguous()).sni());
        assertTrue(ok.fragments().getFirst().data().isReadOnly());
    }

    @Test
    void coalescedInitialsAreAllRead() {
        byte[] first = seal(Spec.client(QuicInitial.VERSION_1, DCID, crypto(0, Arrays.copyOf(CLIENT_HELLO, 150))));
        byte[] second = seal(Spec.client(QuicInitial.VERSION_1, DCID,
                padded(crypto(150, Arrays.copyOfRange(CLIENT_HELLO, 150, CLIENT_HELLO.length)))).withPn(1, 1));
        InitialResult.Ok ok = ok(client(concat(first, second)));
        assertEquals(2, ok.packets());
        assertEquals(List.of(0L, 150L), ok.fragments().stream().map(CryptoFragment::offset).toList());
        assertEquals(List.of(), ok.anomalies());
    }

    @Test
    void coalescingStopsAtOtherPacketTypes() {
        byte[] initial = seal(Spec.client(QuicInitial.VERSION_1, DCID, padded(crypto(0, new byte[] {1, 0, 0, 0}))));
        byte[] handshake = hex(RfcVectors.V1_SERVER_PROTECTED);
        handshake[0] = (byte) ((handshake[0] & 0xcf) | 0x20);
        byte[] shortHeader = hex(RfcVectors.CHACHA20_SHORT);
        for (byte[] tail : List.of(handshake, shortHeader, hex(RfcVectors.V1_RETRY))) {
            InitialResult.Ok ok = ok(client(concat(initial, tail)));
            assertEquals(1, ok.packets());
            assertEquals(List.of(), ok.anomalies());
        }
        // Another version's Initial after a v1 one.
        InitialResult.Ok ok = ok(client(concat(initial, hex(RfcVectors.V2_CLIENT_PROTECTED))));
        assertEquals(1, ok.packets());
        // Zeros after the packet are padding some servers add: not flagged. Other garbage is.
        ok = ok(client(concat(initial, padding(30))));
        assertEquals(List.of(), ok.anomalies());
        ok = ok(client(concat(initial, padding(30), new byte[] {0x3f})));
        assertEquals(List.of("trailing_bytes"), ok.anomalies());
        ok = ok(client(concat(initial, new byte[] {0x20}, padding(30))));
        assertEquals(List.of("trailing_bytes"), ok.anomalies());
    }

    @Test
    void laterCoalescedPacketsThatFailAreReportedNotFatal() {
        byte[] initial = seal(Spec.client(QuicInitial.VERSION_1, DCID, crypto(0, new byte[] {1, 0, 0, 0})));
        byte[] otherDcid = seal(Spec.client(QuicInitial.VERSION_1, hex("1111111111111111"), padded(new byte[] {1})));
        InitialResult.Ok ok = ok(client(concat(initial, otherDcid)));
        assertEquals(List.of("coalesced_dcid_mismatch"), ok.anomalies());
        assertEquals(1, ok.fragments().size());

        byte[] damaged = seal(Spec.client(QuicInitial.VERSION_1, DCID, padded(crypto(4, new byte[] {5}))).withPn(1, 1));
        damaged[damaged.length - 1] ^= 1;
        ok = ok(client(concat(initial, damaged)));
        assertEquals(List.of("coalesced_decrypt_failed"), ok.anomalies());
        assertEquals(1, ok.packets());
        assertEquals(1, ok.fragments().size());

        byte[] cut = seal(Spec.client(QuicInitial.VERSION_1, DCID, padded(crypto(4, new byte[] {5}))));
        ok = ok(client(concat(initial, Arrays.copyOf(cut, 40))));
        assertEquals(List.of("coalesced_length_exceeds_datagram", "client_datagram_under_1200"), ok.anomalies());

        byte[] badFrames = seal(Spec.client(QuicInitial.VERSION_1, DCID, concat(crypto(4, new byte[] {5, 6}),
                hex("06057fff"), padding(1200))).withPn(1, 1));
        ok = ok(client(concat(initial, badFrames)));
        assertEquals(List.of("coalesced_frame_truncated"), ok.anomalies());
        assertEquals(1, ok.fragments().size(), "the failed packet's fragments are not kept");
    }

    @Test
    void atMostMaxPacketsPerDatagram() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < QuicInitial.MAX_PACKETS_PER_DATAGRAM + 2; i++) {
            out.writeBytes(seal(Spec.client(QuicInitial.VERSION_1, DCID, crypto(i * 10L, new byte[10]))
                    .withPn(i, 1)));
        }
        out.writeBytes(padding(1200));
        InitialResult.Ok ok = ok(client(out.toByteArray()));
        assertEquals(QuicInitial.MAX_PACKETS_PER_DATAGRAM, ok.packets());
        assertEquals(QuicInitial.MAX_PACKETS_PER_DATAGRAM, ok.fragments().size());
        assertEquals(List.of("too_many_packets"), ok.anomalies());
    }

    @Test
    void frameLimitsEndThePacketWithAnAnomaly() {
        byte[] pings = new byte[QuicInitial.MAX_FRAMES_PER_PACKET];
        Arrays.fill(pings, (byte) 1);
        InitialResult.Ok ok = ok(client(seal(Spec.client(QuicInitial.VERSION_1, DCID,
                padded(concat(crypto(0, new byte[] {1}), pings, crypto(1, new byte[] {2})))))));
        assertEquals(List.of("too_many_frames"), ok.anomalies());
        assertEquals(1, ok.fragments().size());

        // 255 frames then one PADDING run: within the limit, however long the run.
        byte[] almost = Arrays.copyOf(pings, QuicInitial.MAX_FRAMES_PER_PACKET - 2);
        ok = ok(client(seal(Spec.client(QuicInitial.VERSION_1, DCID,
                padded(concat(crypto(0, new byte[] {1}), almost))))));
        assertEquals(List.of(), ok.anomalies());

        ok = ok(client(seal(Spec.client(QuicInitial.VERSION_1, DCID,
                padded(concat(crypto(0, new byte[] {1}), ack(QuicInitial.MAX_ACK_RANGES + 1, false),
                        crypto(1, new byte[] {2})))))));
        assertEquals(List.of("too_many_ack_ranges"), ok.anomalies());
        assertEquals(1, ok.fragments().size());
        ok = ok(client(seal(Spec.client(QuicInitial.VERSION_1, DCID,
                padded(concat(ack(QuicInitial.MAX_ACK_RANGES, true), crypto(1, new byte[] {2})))))));
        assertEquals(List.of(), ok.anomalies());
        assertEquals(1, ok.fragments().size());

        // A huge range count in an 8-byte varint.
        ok = ok(client(seal(Spec.client(QuicInitial.VERSION_1, DCID,
                padded(hex("020000ffffffffffffffff00"))))));
        assertEquals(List.of("too_many_ack_ranges"), ok.anomalies());
    }

    @Test
    void otherFramesEndThePacket() {
        byte[] stream = hex("0800054142434445"); // STREAM: not allowed in Initial
        InitialResult.Ok ok = ok(client(seal(Spec.client(QuicInitial.VERSION_1, DCID,
                padded(concat(crypto(0, new byte[] {1}), stream, crypto(1, new byte[] {2})))))));
        assertEquals(List.of("unexpected_frame_type"), ok.anomalies());
        assertEquals(1, ok.fragments().size());

        byte[] close = hex("1c0a00046f6f7073"); // CONNECTION_CLOSE, error 0x0a, frame 0, "oops"
        byte[] server = seal(Spec.client(QuicInitial.VERSION_1, DCID, concat(close, padding(20)))
                .asServer(new byte[] {5}, new byte[0]));
        ok = ok(QuicInitial.decryptServerInitials(ByteBuffer.wrap(server), 0, server.length, CLIENT_DCID));
        assertEquals(List.of("connection_close"), ok.anomalies());
        assertEquals(List.of(), ok.fragments());
    }

    @Test
    void malformedFramesMakeTheFirstPacketMalformed() {
        for (String frames : List.of("06", "0600", "06004005", "060005414243", "0240", "02000001", "020000010001",
                "0300000000", "4006", "c0")) {
            byte[] payload = hex(frames);
            assertMalformed("frame_truncated", client(seal(Spec.client(QuicInitial.VERSION_1, DCID, payload)
                    .withPn(0, 4))));
        }
        assertMalformed("crypto_offset_overflow", client(seal(Spec.client(QuicInitial.VERSION_1, DCID,
                padded(hex("06ffffffffffffffff0541424344450000"))))));
        // Offset 2^62 - 2, one byte: the last byte a CRYPTO stream can have.
        InitialResult.Ok ok = ok(client(seal(Spec.client(QuicInitial.VERSION_1, DCID,
                padded(hex("06fffffffffffffffe0141"))))));
        assertEquals(QuicInitial.MAX_VARINT - 1, ok.fragments().getFirst().offset());
    }

    @Test
    void recoverableOdditiesAreFlagged() {
        InitialResult.Ok ok = ok(client(seal(Spec.client(QuicInitial.VERSION_1, DCID,
                padded(crypto(0, new byte[] {1}))).withReservedBits(0b10))));
        assertEquals(List.of("reserved_bits_set"), ok.anomalies());

        ok = ok(client(seal(Spec.client(QuicInitial.VERSION_1, DCID, new byte[0]).withPn(0, 4))));
        assertEquals(List.of("no_frames", "client_datagram_under_1200"), ok.anomalies());

        ok = ok(client(seal(Spec.client(QuicInitial.VERSION_1, hex("0102"), concat(new byte[] {1}, padding(1200))))));
        assertEquals(List.of("dcid_under_8_bytes"), ok.anomalies());

        byte[] withToken = seal(Spec.client(QuicInitial.VERSION_1, DCID, new byte[20]).asServer(new byte[] {1},
                new byte[0]).withToken(new byte[] {1, 2, 3}));
        ok = ok(QuicInitial.decryptServerInitials(ByteBuffer.wrap(withToken), 0, withToken.length, CLIENT_DCID));
        assertEquals(List.of("server_token"), ok.anomalies());
    }

    @Test
    void laterClientInitialsNeedTheOriginalDcid() {
        // After the server's first Initial, the client addresses the server's SCID but keeps the
        // keys of its first DCID (RFC 9001 §5.2).
        byte[] later = seal(Spec.client(QuicInitial.VERSION_1, DCID, padded(ack(0, false)))
                .withDcid(hex("f067a5502a4262b5")).withPn(1, 1));
        assertMalformed("decrypt_failed", client(later));
        InitialResult.Ok ok = ok(QuicInitial.decryptClientInitials(ByteBuffer.wrap(later), 0, later.length,
                CLIENT_DCID));
        assertEquals(ConnectionId.ofHex("f067a5502a4262b5"), ok.dcid());
        assertEquals(List.of(), ok.fragments());
        assertEquals(List.of(), ok.anomalies());
    }

    @Test
    void connectionIdsCompareByContentAndCopy() {
        byte[] raw = hex("0102");
        ConnectionId id = new ConnectionId(raw);
        raw[0] = 9;
        assertEquals(ConnectionId.ofHex("0102"), id);
        assertEquals(ConnectionId.ofHex("0102").hashCode(), id.hashCode());
        id.bytes()[0] = 9;
        assertEquals("0102", id.toString());
        assertThrows(IllegalArgumentException.class, () -> new ConnectionId(new byte[21]));
        assertNotNull(ConnectionId.ofHex(""));
    }

    @Test
    void coalescedInitialsOfBothVersionsWithAckFirstAndCryptoOutOfOrder() {
        byte[] head = Arrays.copyOfRange(CLIENT_HELLO, 0, 120);
        byte[] tail = Arrays.copyOfRange(CLIENT_HELLO, 120, CLIENT_HELLO.length);
        for (int version : new int[] {QuicInitial.VERSION_1, QuicInitial.VERSION_2}) {
            // The first packet: an ACK_ECN, then the end of the hello; the second: PING, its start, PADDING.
            byte[] first = seal(Spec.client(version, DCID, concat(ack(1, true), crypto(120, tail))));
            byte[] second = seal(Spec.client(version, DCID, padded(concat(new byte[] {0x01}, crypto(0, head))))
                    .withPn(1, 2));
            byte[] datagram = concat(first, second);
            assertTrue(QuicInitial.probe(ByteBuffer.wrap(datagram), 0, datagram.length));
            InitialResult.Ok ok = ok(client(datagram));
            assertEquals(version, ok.version());
            assertEquals(2, ok.packets());
            assertEquals(List.of(120L, 0L), ok.fragments().stream().map(CryptoFragment::offset).toList());
            QuicCryptoAssembler a = new QuicCryptoAssembler();
            a.addAll(ok.fragments());
            assertEquals(CLIENT_HELLO.length, a.firstMessageLength());
            assertEquals("example.com", HelloReader.read(a.contiguous()).sni());
        }
    }
}
