package io.netwatch.agent.inspect.quic;

import static io.netwatch.agent.inspect.quic.InitialSealer.concat;
import static io.netwatch.agent.inspect.quic.InitialSealer.crypto;
import static io.netwatch.agent.inspect.quic.InitialSealer.padding;
import static io.netwatch.agent.inspect.quic.InitialSealer.seal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netwatch.agent.inspect.quic.InitialSealer.Spec;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The QUIC connections of one flow, read apart: what each datagram gives and what is kept. */
class QuicHandshakesTest {
    @Test
    void aMessageReadKeepsNothingAndOneNotYetReadIsCounted() {
        // A hello at offset 0, and one byte near the 16 KiB kept: the stream's arrays grow to
        // the cap. Once the hello is read they must go, or at least be counted while held: the
        // message handed over is a view of them, and was kept until the flow's next datagram,
        // which an idle (or hostile) client never sends, while keptBytes() said 0.
        byte[] frames = concat(crypto(0, QuicInitialTest.CLIENT_HELLO),
                crypto(QuicCryptoAssembler.DEFAULT_MAX_BYTES - 1, new byte[] {1}));
        ByteBuffer datagram = ByteBuffer.wrap(seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(frames))));
        QuicHandshakes h = new QuicHandshakes();

        assertEquals(QuicHandshakes.Step.MESSAGE, h.client(datagram, 0, datagram.limit()));
        assertEquals(QuicInitialTest.CLIENT_HELLO.length, h.messageLength());
        assertEquals(QuicCryptoAssembler.DEFAULT_MAX_BYTES + QuicCryptoAssembler.DEFAULT_MAX_BYTES / 8,
                h.keptBytes(), "the message's stream, 16 KiB and its map, counted while it is held");

        h.messageRead();
        assertNull(h.message());
        assertEquals(0, h.keptBytes());
    }

    /** A PING and PADDING: opens, and leaves the connection's first message still to come. */
    private static final byte[] PING = concat(new byte[] {1}, padding(40));

    private static ByteBuffer clientInitial(int version, byte[] dcid, long pn) {
        return ByteBuffer.wrap(seal(Spec.client(version, dcid, QuicInitialTest.padded(PING)).withPn(pn, 1)));
    }

    private static ByteBuffer serverInitial(int version, byte[] keyDcid, byte[] clientScid, long pn) {
        return ByteBuffer.wrap(seal(new Spec(version, keyDcid, true, clientScid, new byte[] {9, 9, 9, 9},
                new byte[0], pn, 1, 0, PING)));
    }

    @Test
    void decoyConnectionsSharingAClientIdDeriveEachDirectionsKeysOnce() {
        // Four connections whose clients all chose a zero-length Source Connection ID: a server
        // datagram sent to it is tried under each one's keys, newest first, and the oldest's
        // opens. Derived per datagram, that was four derivations each, on top of one per client
        // datagram.
        QuicHandshakes h = new QuicHandshakes();
        byte[][] dcids = new byte[QuicHandshakes.MAX_CONNECTIONS][];
        for (int i = 0; i < dcids.length; i++) {
            dcids[i] = new byte[] {(byte) i, 1, 2, 3, 4, 5, 6, 7};
            ByteBuffer first = clientInitial(QuicInitial.VERSION_1, dcids[i], 0);
            assertEquals(QuicHandshakes.Step.OPENED, h.client(first, 0, first.limit()));
            ByteBuffer again = clientInitial(QuicInitial.VERSION_1, dcids[i], 1);
            assertEquals(QuicHandshakes.Step.OPENED, h.client(again, 0, again.limit()));
        }
        assertEquals(QuicHandshakes.MAX_CONNECTIONS, h.connections());
        for (int pn = 0; pn < 12; pn++) {
            ByteBuffer d = serverInitial(QuicInitial.VERSION_1, dcids[0], new byte[0], pn);
            assertEquals(QuicHandshakes.Step.OPENED, h.server(d, 0, d.limit()), "server datagram " + pn);
        }

        assertEquals(2 * QuicHandshakes.MAX_CONNECTIONS, h.keyDerivations(),
                "one derivation per connection and direction");
    }

    @Test
    void keysKeptAreCountedAndGoWithTheirDirection() {
        QuicHandshakes h = new QuicHandshakes();
        ByteBuffer first = clientInitial(QuicInitial.VERSION_1, QuicInitialTest.DCID, 0);
        assertEquals(QuicHandshakes.Step.OPENED, h.client(first, 0, first.limit()));
        assertEquals(InitialKeys.BYTES, h.keptBytes(), "the client's keys");

        ByteBuffer server = serverInitial(QuicInitial.VERSION_1, QuicInitialTest.DCID, new byte[0], 0);
        assertEquals(QuicHandshakes.Step.OPENED, h.server(server, 0, server.limit()));
        assertEquals(2 * InitialKeys.BYTES, h.keptBytes(), "both directions' keys");

        h.endSide(true);
        assertEquals(InitialKeys.BYTES, h.keptBytes(), "the server's keys only");
        h.endSide(false);
        assertEquals(0, h.keptBytes());
    }

    @Test
    void aSenderAlternatingVersionsDerivesEachVersionsKeysOnce() {
        // Keys depend on the version (salt and labels): one kept per version, or every switch
        // would derive again.
        QuicHandshakes h = new QuicHandshakes();
        for (int pn = 0; pn < 8; pn++) {
            int version = pn % 2 == 0 ? QuicInitial.VERSION_1 : QuicInitial.VERSION_2;
            ByteBuffer d = clientInitial(version, QuicInitialTest.DCID, pn);
            assertEquals(QuicHandshakes.Step.OPENED, h.client(d, 0, d.limit()), "client datagram " + pn);
        }
        assertEquals(1, h.connections());
        assertEquals(2, h.keyDerivations());
        assertEquals(2 * InitialKeys.BYTES, h.keptBytes());
    }

    @Test
    void aHelloRetryRequestOpensBothSidesAgainFromWhereTheirFirstMessageEnded() {
        // The Initial keys stay the connection's (a HelloRetryRequest changes no key); the client's,
        // let go with its first hello, are derived again once, and go with its second.
        QuicHandshakes h = new QuicHandshakes();
        byte[] first = QuicInitialTest.CLIENT_HELLO;
        byte[] hrr = QuicFlowTest.helloRetryRequest();
        byte[] serverScid = {9, 9, 9, 9};
        ByteBuffer c0 = ByteBuffer.wrap(seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(crypto(0, first)))));
        assertEquals(QuicHandshakes.Step.MESSAGE, h.client(c0, 0, c0.limit()));
        h.messageRead();
        ByteBuffer s0 = ByteBuffer.wrap(seal(new Spec(QuicInitial.VERSION_1, QuicInitialTest.DCID, true, new byte[0],
                serverScid, new byte[0], 0, 1, 0, crypto(0, hrr))));
        assertEquals(QuicHandshakes.Step.MESSAGE, h.server(s0, 0, s0.limit()));
        assertEquals(hrr.length, h.messageLength());
        assertEquals(QuicHandshakes.Step.OPENED, h.helloRetryRequest(), "nothing past it yet");
        assertNull(h.message(), "the HelloRetryRequest's arrays go");
        assertEquals(QuicHandshakes.Step.ALREADY_READ, h.helloRetryRequest(), "once per connection");
        assertEquals(2, h.keyDerivations());
        assertEquals(0, h.keptBytes(), "both sides reopened, nothing kept until their next datagram");

        byte[] second = QuicInitialTest.CLIENT_HELLO.clone();
        ByteBuffer c1 = ByteBuffer.wrap(seal(new Spec(QuicInitial.VERSION_1, QuicInitialTest.DCID, false, serverScid,
                new byte[0], new byte[0], 1, 1, 0, QuicInitialTest.padded(crypto(first.length, second)))));
        assertEquals(QuicHandshakes.Step.MESSAGE, h.client(c1, 0, c1.limit()));
        assertEquals(second.length, h.messageLength());
        assertEquals(1, h.message().get(0), "a ClientHello at the message's start");
        h.messageRead();
        assertEquals(3, h.keyDerivations(), "the client's keys once more");
        assertEquals(0, h.keptBytes());
        assertEquals(QuicHandshakes.Step.ALREADY_READ, h.client(c1, 0, c1.limit()), "its two hellos read");

        ByteBuffer s1 = ByteBuffer.wrap(seal(new Spec(QuicInitial.VERSION_1, QuicInitialTest.DCID, true, new byte[0],
                serverScid, new byte[0], 1, 1, 0, crypto(hrr.length, QuicInitialTest.SERVER_HELLO))));
        assertEquals(QuicHandshakes.Step.MESSAGE, h.server(s1, 0, s1.limit()));
        assertEquals(QuicInitialTest.SERVER_HELLO.length, h.messageLength());
        assertEquals(QuicHandshakes.Step.ALREADY_READ, h.helloRetryRequest(), "a second reads nothing more");
        h.messageRead();
        assertEquals(4, h.keyDerivations(), "the server's keys once more");
        assertEquals(0, h.keptBytes());
    }

    @Test
    void aConnectionStalledOverStallInitialsClientInitialsMakesWayForANewOne() {
        QuicHandshakes h = new QuicHandshakes();
        for (int i = 0; i < QuicHandshakes.MAX_CONNECTIONS; i++) {
            ByteBuffer d = clientInitial(QuicInitial.VERSION_1, new byte[] {(byte) i, 1, 2, 3, 4, 5, 6, 7}, 0);
            assertEquals(QuicHandshakes.Step.OPENED, h.client(d, 0, d.limit()));
        }
        // Junk sent to a fresh DCID makes no connection leave: only one that opens takes a place.
        byte[] junk = seal(Spec.client(QuicInitial.VERSION_1, new byte[] {7, 7, 7, 7, 7, 7, 7, 7},
                QuicInitialTest.padded(PING)));
        junk[junk.length - 20] ^= 1;
        assertEquals(QuicHandshakes.Step.MALFORMED, h.client(ByteBuffer.wrap(junk), 0, junk.length));
        assertEquals(0, h.stalledConnectionsTaken());
        assertEquals(QuicHandshakes.MAX_CONNECTIONS, h.connections());

        ByteBuffer fresh = clientInitial(QuicInitial.VERSION_1, new byte[] {8, 8, 8, 8, 8, 8, 8, 8}, 0);
        assertEquals(QuicHandshakes.Step.OPENED, h.client(fresh, 0, fresh.limit()));
        assertEquals(1, h.stalledConnectionsTaken());
        assertEquals(QuicHandshakes.MAX_CONNECTIONS, h.connections());
        // The first connection's place went: its Initial is a new connection now, taking the
        // place of the next stalled one.
        ByteBuffer again = clientInitial(QuicInitial.VERSION_1, new byte[] {0, 1, 2, 3, 4, 5, 6, 7}, 1);
        assertEquals(QuicHandshakes.Step.OPENED, h.client(again, 0, again.limit()));
        assertEquals(2, h.stalledConnectionsTaken());
    }

    /** A client Initial of connection {@code dcid}, from the client's ID {@code scid}, carrying {@code frames}. */
    private static ByteBuffer clientInitial(byte[] dcid, byte[] scid, long pn, byte[] frames) {
        return ByteBuffer.wrap(seal(new Spec(QuicInitial.VERSION_1, dcid, false, dcid, scid, new byte[0], pn, 1, 0,
                QuicInitialTest.padded(frames))));
    }

    @Test
    void aFreshConnectionIsRefusedWhileEveryPlaceIsHeldByOneNeitherReadNorStalled() {
        // Two connections whose hellos were read and then answered by a HelloRetryRequest (each
        // reads one message more, its client's clock set again by the server's datagram), two
        // whose hellos are growing: none yields its place, and a fifth is not opened, counted.
        // Each client datagram grows one connection at most, so without the HelloRetryRequests
        // the oldest of four would always be stalled by the fifth's arrival.
        QuicHandshakes h = new QuicHandshakes();
        byte[][] dcids = new byte[5][];
        byte[][] scids = new byte[5][];
        for (int i = 0; i < dcids.length; i++) {
            dcids[i] = new byte[] {(byte) i, 1, 2, 3, 4, 5, 6, 7};
            scids[i] = new byte[] {(byte) i, 9, 9, 9};
        }
        for (int i = 0; i < 2; i++) {
            ByteBuffer d = clientInitial(dcids[i], scids[i], 0, crypto(0, QuicInitialTest.CLIENT_HELLO));
            assertEquals(QuicHandshakes.Step.MESSAGE, h.client(d, 0, d.limit()));
            h.messageRead();
        }
        for (int i = 2; i < 4; i++) {
            ByteBuffer d = clientInitial(dcids[i], scids[i], 0,
                    crypto(0, Arrays.copyOf(QuicInitialTest.CLIENT_HELLO, 100)));
            assertEquals(QuicHandshakes.Step.OPENED, h.client(d, 0, d.limit()));
        }
        byte[] hrr = QuicFlowTest.helloRetryRequest();
        for (int i = 0; i < 2; i++) {
            ByteBuffer s = ByteBuffer.wrap(seal(new Spec(QuicInitial.VERSION_1, dcids[i], true, scids[i],
                    new byte[] {8, 8, 8, 8}, new byte[0], 0, 1, 0, crypto(0, hrr))));
            assertEquals(QuicHandshakes.Step.MESSAGE, h.server(s, 0, s.limit()));
            assertEquals(QuicHandshakes.Step.OPENED, h.helloRetryRequest());
        }
        ByteBuffer fifth = clientInitial(dcids[4], scids[4], 0, crypto(0, QuicInitialTest.CLIENT_HELLO));
        assertEquals(QuicHandshakes.Step.TOO_MANY_CONNECTIONS, h.client(fifth, 0, fifth.limit()));
        assertEquals(1, h.connectionsRefused());
        assertEquals(QuicHandshakes.MAX_CONNECTIONS, h.connections());
        assertEquals(0, h.stalledConnectionsTaken());

        // Sent again, it finds the third connection's hello grown three client Initials ago:
        // refused again. Once more, and that hello has not grown over STALL_INITIALS of them:
        // the fifth takes its place.
        assertEquals(QuicHandshakes.Step.TOO_MANY_CONNECTIONS, h.client(fifth, 0, fifth.limit()));
        assertEquals(2, h.connectionsRefused());
        assertEquals(QuicHandshakes.Step.MESSAGE, h.client(fifth, 0, fifth.limit()));
        assertEquals(2, h.connectionsRefused());
        assertEquals(1, h.stalledConnectionsTaken());
    }
}
