package io.netwatch.agent.inspect.quic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for Initial decryption. Random bytes almost never pass the AEAD tag, so one mode
 * seals the fuzzer's bytes as the payload of a valid Initial: the frame reader then sees
 * arbitrary plaintext behind a good tag.
 *
 * <p>Input layout: the first byte picks the mode (low 2 bits: 0 client datagram, 1 server
 * datagram keyed by RFC 9001's DCID, 2 and 3 sealed payload for v1 and v2); the rest is the
 * datagram or the payload. Seeds: {@code QuicInitialFuzzTestInputs/opensAnyDatagram/}.
 */
class QuicInitialFuzzTest {
    static final ConnectionId DCID = ConnectionId.ofHex(RfcVectors.DCID);
    /** Bytes of filler before the datagram in the second run: results must not depend on where it starts. */
    private static final int SHIFT = 11;

    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void opensAnyDatagram(FuzzedDataProvider data) {
        byte[] selector = data.consumeBytes(1);
        int mode = selector.length == 0 ? 0 : selector[0] & 0b11;
        byte[] rest = data.consumeRemainingAsBytes();
        switch (mode) {
            case 0 -> check(rest, false);
            case 1 -> check(rest, true);
            default -> checkSealed(mode == 2 ? QuicInitial.VERSION_1 : QuicInitial.VERSION_2, rest);
        }
    }

    /** DCIDs and SCIDs the sequence target seals its Initials with: few, so that connections repeat. */
    private static final byte[][] IDS = {DCID.bytes(),
            {1, 1, 1, 1, 1, 1, 1, 1}, {2, 2, 2, 2}, {}};

    /**
     * Fuzz target for {@link QuicHandshakes}: a sequence of datagrams, each a control byte, a
     * length byte and that many bytes (cut short at the end). Control bit 0: from the server;
     * bit 1: the bytes are sealed as the payload of a valid Initial (bits 2-3 pick the keys'
     * DCID, bits 4-5 the DCID it is sent to, bits 6-7 the source ID), else they are the
     * datagram. A server's message that starts as a ServerHello is taken for a
     * HelloRetryRequest, as the caller would tell it one ({@link QuicHandshakes#helloRetryRequest()}).
     * An empty raw datagram (bit 1 clear, length 0) with bit 2 or 3 set is a command, not a
     * datagram: bit 2 ends the direction bit 0 names ({@link QuicHandshakes#endSide}, as the
     * caller does at its bound), bit 3 switches the sealed Initials that follow between version 1
     * and version 2, and bits 4-7, when not 0, make the IDs that follow another four ({@link
     * #id}): with four IDs only, every DCID named a connection once four were followed, and a
     * fifth connection (a place full, taken from one read or stalled) could not be sealed.
     * Seeds: {@code QuicInitialFuzzTestInputs/followsAnyDatagramSequence/}.
     */
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void followsAnyDatagramSequence(FuzzedDataProvider data) {
        QuicHandshakes h = new QuicHandshakes();
        // A side's CRYPTO stream and map, and its keys of both versions.
        int perSide = QuicCryptoAssembler.DEFAULT_MAX_BYTES + QuicCryptoAssembler.DEFAULT_MAX_BYTES / 8
                + 2 * InitialKeys.BYTES;
        int clientDatagrams = 0;
        int retried = 0;
        int refused = 0;
        int version = QuicInitial.VERSION_1;
        // Which four IDs the sealed Initials use (see id).
        int family = 0;
        // Each direction ended (endSide) with no connection opened since: it reads nothing more.
        boolean clientEnded = false;
        boolean serverEnded = false;
        // Read in order here: the provider takes single bytes from the input's end.
        byte[] in = data.consumeRemainingAsBytes();
        for (int at = 0; at + 2 <= in.length; ) {
            int control = in[at] & 0xff;
            int length = Math.min(in[at + 1] & 0xff, in.length - at - 2);
            byte[] bytes = Arrays.copyOfRange(in, at + 2, at + 2 + length);
            at += 2 + length;
            boolean server = (control & 1) != 0;
            if ((control & 2) == 0 && length == 0 && (control & 0b1111_1100) != 0) {
                if (control >>> 4 != 0) {
                    family = control >>> 4;
                }
                if ((control & 0b1000) != 0) {
                    version = version == QuicInitial.VERSION_1 ? QuicInitial.VERSION_2 : QuicInitial.VERSION_1;
                }
                if ((control & 0b100) != 0) {
                    int connections = h.connections();
                    h.endSide(!server);
                    clientEnded |= !server;
                    serverEnded |= server;
                    assertEquals(connections, h.connections(), "the connections stay, for the other direction");
                    if (clientEnded && serverEnded) {
                        h.messageRead();
                        assertEquals(0, h.keptBytes(), "both directions ended: nothing kept");
                    }
                }
                continue;
            }
            byte[] datagram = bytes;
            if ((control & 2) != 0) {
                byte[] payload = bytes.length >= 3 ? bytes : Arrays.copyOf(bytes, 3);
                datagram = InitialSealer.seal(new InitialSealer.Spec(version, id(family, (control >>> 2) & 3),
                        server, id(family, (control >>> 4) & 3), id(family, control >>> 6), new byte[0], 0, 1, 0,
                        payload));
            }
            ByteBuffer b = ByteBuffer.wrap(datagram).asReadOnlyBuffer();
            int openedBefore = h.connectionsOpened();
            QuicHandshakes.Step step = server ? h.server(b, 0, datagram.length) : h.client(b, 0, datagram.length);
            clientDatagrams += server ? 0 : 1;
            assertNotNull(step);
            assertEquals(0, b.position());
            if (h.connectionsOpened() > openedBefore) {
                // A new connection's two sides are read whatever ended before.
                clientEnded = false;
                serverEnded = false;
            } else if (server ? serverEnded : clientEnded) {
                QuicHandshakes.Step got = step;
                assertTrue(got == QuicHandshakes.Step.NOT_INITIAL || got == QuicHandshakes.Step.NO_CONNECTION
                        || got == QuicHandshakes.Step.ALREADY_READ || got == QuicHandshakes.Step.TOO_MANY_CONNECTIONS
                        || got == QuicHandshakes.Step.MALFORMED && !server,
                        () -> "an ended direction read on: " + got);
            }
            if (server && step == QuicHandshakes.Step.MESSAGE && h.message().get(0) == 2) {
                QuicHandshakes.Step next = h.helloRetryRequest();
                assertNotNull(next);
                if (next == QuicHandshakes.Step.ALREADY_READ) {
                    assertNotNull(h.message(), "nothing changed: the message is still held");
                } else {
                    retried++;
                    if (next == QuicHandshakes.Step.OPENED) {
                        assertNull(h.message(), "the HelloRetryRequest's arrays went");
                    }
                    step = next;
                }
            }
            assertTrue(h.connections() <= QuicHandshakes.MAX_CONNECTIONS);
            assertTrue(h.connections() <= h.connectionsOpened());
            // A place is taken from a stalled connection only by one opened after it.
            assertTrue(h.stalledConnectionsTaken() <= h.connectionsOpened() - h.connections(),
                    () -> "stalled taken " + h.stalledConnectionsTaken() + " of " + h.connectionsOpened());
            // Every side full, and a message held while its side reads on to the next.
            assertTrue(h.keptBytes() <= (2 * QuicHandshakes.MAX_CONNECTIONS + 1) * perSide,
                    () -> "kept " + h.keptBytes());
            assertTrue(h.connectionsOpened() <= clientDatagrams);
            // At most one per client datagram, and the server's keys once per connection and
            // version, once more after a HelloRetryRequest.
            assertTrue(h.keyDerivations() <= clientDatagrams + 2 * (h.connectionsOpened() + retried),
                    "derivations " + h.keyDerivations());
            if (step == QuicHandshakes.Step.MESSAGE) {
                assertTrue(h.messageLength() >= 4 && h.messageLength() <= h.message().limit());
                assertTrue(h.message().isReadOnly());
                if ((control & 0b100) != 0) {
                    // As the caller does once it parsed the message: its arrays go.
                    int kept = h.keptBytes();
                    h.messageRead();
                    assertNull(h.message());
                    assertTrue(h.keptBytes() <= kept);
                }
            }
            if (step == QuicHandshakes.Step.TOO_MANY_CONNECTIONS) {
                assertEquals(QuicHandshakes.MAX_CONNECTIONS, h.connections());
                refused++;
            }
            assertEquals(refused, h.connectionsRefused(), "every connection refused is counted");
        }
    }

    /**
     * ID {@code i} (0 to 3) of family {@code family} (0 to 15): {@link #IDS} in family 0, else
     * the same IDs with the family in their last byte; the zero-length ID stays as it is.
     */
    private static byte[] id(int family, int i) {
        byte[] id = IDS[i].clone();
        if (family != 0 && id.length > 0) {
            id[id.length - 1] ^= (byte) (family << 4);
        }
        return id;
    }

    /** Decrypts {@code datagram} as client or server Initials and checks the result's invariants. */
    static InitialResult check(byte[] datagram, boolean server) {
        return check(datagram, server, true);
    }

    /**
     * As {@link #check(byte[], boolean)}; {@code shifted} also opens a copy placed inside a larger
     * read-only buffer and wants the same result (twice the cost).
     */
    static InitialResult check(byte[] datagram, boolean server, boolean shifted) {
        InitialResult r = open(ByteBuffer.wrap(datagram), 0, datagram.length, server);
        checkInvariants(r, datagram.length, server);
        boolean probed = QuicInitial.probe(ByteBuffer.wrap(datagram), 0, datagram.length);
        if (probed) {
            assertNotEquals(InitialResult.NotQuic.INSTANCE, r, "probed as an Initial but NotQuic");
        }
        if (r instanceof InitialResult.Ok) {
            assertTrue(probed, "opened but did not probe");
        }
        if (!shifted) {
            return r;
        }
        // Same bytes inside a larger read-only buffer: same result, buffer untouched.
        byte[] larger = new byte[SHIFT + datagram.length + 3];
        System.arraycopy(datagram, 0, larger, SHIFT, datagram.length);
        ByteBuffer view = ByteBuffer.wrap(larger).asReadOnlyBuffer().position(2).limit(larger.length - 1);
        InitialResult again = open(view, SHIFT, datagram.length, server);
        assertEquals(2, view.position());
        assertEquals(larger.length - 1, view.limit());
        assertEquals(summary(r), summary(again));
        return r;
    }

    /** Seals {@code payload} as a client Initial (padded past the sample if needed) and opens it. */
    static InitialResult checkSealed(int version, byte[] payload) {
        return checkSealed(version, payload, true);
    }

    static InitialResult checkSealed(int version, byte[] payload, boolean shifted) {
        byte[] p = payload.length >= 3 ? payload : Arrays.copyOf(payload, 3);
        byte[] datagram = InitialSealer.seal(InitialSealer.Spec.client(version, DCID.bytes(), p));
        InitialResult r = check(datagram, false, shifted);
        if (r instanceof InitialResult.Malformed(String reason)) {
            assertTrue(reason.equals("frame_truncated") || reason.equals("crypto_offset_overflow"),
                    () -> "a sealed packet failed with " + reason);
        } else {
            assertTrue(r instanceof InitialResult.Ok, () -> "a sealed packet gave " + r);
        }
        return r;
    }

    private static InitialResult open(ByteBuffer buf, int off, int len, boolean server) {
        return server ? QuicInitial.decryptServerInitials(buf, off, len, DCID)
                : QuicInitial.decryptClientInitials(buf, off, len);
    }

    static void checkInvariants(InitialResult r, int length, boolean server) {
        assertNotNull(r);
        switch (r) {
            case InitialResult.NotQuic n -> { }
            case InitialResult.Malformed m -> assertTrue(m.reason().matches("[a-z0-9_]+"), m.reason());
            case InitialResult.Ok ok -> {
                assertTrue(ok.packets() >= 1 && ok.packets() <= QuicInitial.MAX_PACKETS_PER_DATAGRAM);
                assertTrue(ok.dcid().length() <= QuicInitial.MAX_CONNECTION_ID_LENGTH);
                assertTrue(ok.scid().length() <= QuicInitial.MAX_CONNECTION_ID_LENGTH);
                assertTrue(ok.tokenLength() >= 0 && ok.tokenLength() < length);
                assertTrue(ok.fragments().size() <= ok.packets() * QuicInitial.MAX_FRAMES_PER_PACKET);
                long cryptoBytes = 0;
                for (CryptoFragment f : ok.fragments()) {
                    assertTrue(f.offset() >= 0 && f.end() <= QuicInitial.MAX_VARINT);
                    assertTrue(f.data().isReadOnly());
                    cryptoBytes += f.length();
                }
                assertTrue(cryptoBytes <= length, "more CRYPTO bytes than the datagram holds");
                ok.anomalies().forEach(a -> assertTrue(a.matches("[a-z0-9_]+"), a));
                assertFalse(server && ok.anomalies().contains("client_datagram_under_1200"));
                QuicCryptoAssembler assembler = new QuicCryptoAssembler(1 + (length & 0x3fff));
                assembler.addAll(ok.fragments());
                assertTrue(assembler.contiguousLength() <= assembler.maxBytes());
            }
        }
    }

    /** What must not depend on the datagram's position in its buffer. */
    private static String summary(InitialResult r) {
        if (r instanceof InitialResult.Ok ok) {
            StringBuilder sb = new StringBuilder("ok ").append(ok.version()).append(' ').append(ok.dcid()).append(' ')
                    .append(ok.scid()).append(' ').append(ok.packets()).append(ok.anomalies());
            for (CryptoFragment f : ok.fragments()) {
                byte[] b = new byte[f.length()];
                f.data().get(0, b);
                sb.append(' ').append(f.offset()).append(':').append(Arrays.hashCode(b));
            }
            return sb.toString();
        }
        return r.toString();
    }
}
