package io.netwatch.agent.inspect;

import static io.netwatch.agent.Frames.ethernet;
import static io.netwatch.agent.Frames.ipv4;
import static io.netwatch.agent.Frames.ipv4Packet;
import static io.netwatch.agent.Frames.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.decode.DecodedPacket;
import io.netwatch.agent.decode.IpLayer;
import io.netwatch.agent.decode.PacketDecoder;
import io.netwatch.agent.inspect.quic.InitialSealer;
import io.netwatch.agent.inspect.quic.QuicCryptoAssembler;
import io.netwatch.agent.inspect.quic.QuicHandshakes;
import io.netwatch.agent.inspect.quic.QuicInitial;
import io.netwatch.agent.inspect.quic.RfcVectors;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.InspectionLimit;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for QUIC inspection at the flow level: the datagrams of one UDP flow, both ways,
 * through {@link Inspector#onPacket} as the flow table hands them over (a direction for which it
 * answered false gets nothing more), then the flow's record. It reaches what {@code
 * QuicInitialFuzzTest} does not: {@link FlowInspection}'s bound on each direction ({@link
 * FlowInspection#MAX_QUIC_INITIALS}), the hellos
 * parsed as TLS, HelloRetryRequests told by the parser, the inspection budget, and the counters.
 *
 * <p>What must hold after every datagram: nothing throws; the connections followed are at most
 * {@link QuicHandshakes#MAX_CONNECTIONS}, their CRYPTO streams and keys at most {@link #QUIC_BOUND}
 * bytes, no message held once the datagram is handled; the bytes the budget holds for the flow
 * cover what its QUIC state keeps and stay within the budget; the places taken from stalled
 * connections are those counted ({@link Inspector#quicStalledConnections()}), a refused
 * connection gives its direction up, the directions given up are those counted ({@link
 * Inspector#quicDirectionsGivenUp()}), and a direction that stops reading was given up, stopped
 * for memory, or never named QUIC (see {@link #checkStopped}).
 *
 * <p>After the fuzzer's datagrams, a valid ClientHello on a fresh connection (its own IDs, its server
 * name the fuzzer's hellos do not carry), cut in pieces the input chooses, must be reported
 * unless its direction stopped reading or a piece found every place held ({@link
 * QuicHandshakes#connectionsRefused()}); in that case it is sent again, whole, after {@link
 * QuicHandshakes#STALL_INITIALS} client Initials that open nothing, which stall every connection
 * unread: then it must be reported unless the direction stopped. The server's ServerHello for it
 * must then be reported too unless its direction stopped. The record names the flow QUIC when a
 * direction was given up, and says when memory stopped it; once it is out, nothing is held.
 *
 * <p>Input layout: a setup byte, then records. Setup: bit 0, the server's port is 4433 instead of
 * 443 (QUIC named by its datagrams' look only); bit 1, an inspection budget of {@link
 * #SMALL_BUDGET} bytes; bit 2, no rules instead of the bundled ones; bits 3-4, the probe's
 * ClientHello in 1 to 4 pieces; bit 5, the pieces sent last first. A record: a kind byte, an ID
 * byte, a length (2 bytes, big-endian, at most {@link #MAX_RECORD}, cut short at the input's end)
 * and that many bytes. Kind bit 0: from the server; bits 1-2, the mode: 0 the bytes are the
 * datagram; 1 they are the payload (frames) of a sealed Initial; 2 a sealed Initial carrying a
 * slice of a template handshake stream as a CRYPTO frame at its offset ({@link #slice}), the
 * bytes after the slice's 4 appended as more frames; 3 an interim record of the flow is built
 * (the bytes are ignored). Kind bit 3: sealed as QUIC version 2; bits 4-7: the family of the IDs
 * (see {@link #id}). ID byte: bits 0-1 the ID whose keys seal it, bits 2-3 the ID it is sent to,
 * bits 4-5 its source ID, bits 6-7 the template of mode 2 ({@link #CLIENT_TEMPLATES}, {@link
 * #SERVER_TEMPLATES}). Sealed packet numbers count up per direction, 2 bytes on the wire. Seeds:
 * {@code QuicFlowFuzzTestInputs/followsAnyQuicFlow/}, written by {@link QuicFlowSeedWriter}.
 */
class QuicFlowFuzzTest {
    private static final int SLOT = 0;
    private static final long FLOW_ID = 1;
    private static final byte[] CLIENT = ipv4(10, 0, 0, 1);
    private static final byte[] SERVER = ipv4(10, 0, 0, 2);
    private static final int CLIENT_PORT = 50000;
    /** Longest record, bytes: past a datagram's usual size, short of a 2-byte length's reach. */
    static final int MAX_RECORD = 4096;
    /** The small inspection budget of setup bit 1, bytes: less than one side's CRYPTO stream may keep. */
    static final int SMALL_BUDGET = 8192;
    /** One side of one connection at most: its CRYPTO stream, the stream's bitmap, its keys of both versions. */
    static final int PER_SIDE = QuicCryptoAssembler.DEFAULT_MAX_BYTES + QuicCryptoAssembler.DEFAULT_MAX_BYTES / 8
            + 2 * InitialSealer.KEY_BYTES;
    /** What a flow's QUIC connections keep at most once a datagram is handled (no message held). */
    static final int QUIC_BOUND = 2 * QuicHandshakes.MAX_CONNECTIONS * PER_SIDE;

    /** RFC 9001's ClientHello (example.com) and ServerHello. */
    static final byte[] CLIENT_HELLO = Arrays.copyOfRange(RfcVectors.hex(RfcVectors.CLIENT_CRYPTO_FRAME), 4,
            RfcVectors.hex(RfcVectors.CLIENT_CRYPTO_FRAME).length);
    static final byte[] SERVER_HELLO = Arrays.copyOfRange(RfcVectors.hex(RfcVectors.SERVER_PAYLOAD), 9,
            RfcVectors.hex(RfcVectors.SERVER_PAYLOAD).length);
    /** A HelloRetryRequest (a ServerHello with RFC 8446's special random) asking for an x25519 share. */
    static final byte[] HELLO_RETRY_REQUEST = handshake(2, InitialSealer.concat(new byte[] {3, 3},
            RfcVectors.hex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"),
            new byte[] {0, 0x13, 0x01, 0, 0, 12, 0, 0x33, 0, 2, 0, 0x1d, 0, 0x2b, 0, 2, 3, 4}));
    /**
     * Mode 2's client streams: a ClientHello; two (the second after a HelloRetryRequest); one
     * padded to 2,500 bytes (a post-quantum key share's size: it spans datagrams); a handshake
     * message announced at 20,000 bytes, past what a stream keeps.
     */
    static final byte[][] CLIENT_TEMPLATES = {CLIENT_HELLO, InitialSealer.concat(CLIENT_HELLO, CLIENT_HELLO),
            padded(CLIENT_HELLO, 2500), InitialSealer.concat(new byte[] {1, 0, 0x4e, 0x20}, new byte[600])};
    /**
     * Mode 2's server streams: a ServerHello; a HelloRetryRequest; one then the ServerHello;
     * two HelloRetryRequests (a client aborts at the second).
     */
    static final byte[][] SERVER_TEMPLATES = {SERVER_HELLO, HELLO_RETRY_REQUEST,
            InitialSealer.concat(HELLO_RETRY_REQUEST, SERVER_HELLO),
            InitialSealer.concat(HELLO_RETRY_REQUEST, HELLO_RETRY_REQUEST)};
    /** The IDs the records seal with: few, so that connections repeat (as in {@code QuicInitialFuzzTest}). */
    private static final byte[][] IDS = {RfcVectors.hex("8394c8f03e515708"), {1, 1, 1, 1, 1, 1, 1, 1},
            {2, 2, 2, 2}, {}};
    /** The probe's IDs and server name: none of the records' (their IDs are the families of {@link #IDS}). */
    private static final byte[] PROBE_DCID = filled(20, 0x7e);
    private static final byte[] PROBE_CLIENT_SCID = filled(8, 0x6d);
    private static final byte[] PROBE_SERVER_SCID = filled(8, 0x5c);
    private static final String PROBE_NAME = "probe.quicx";
    private static final byte[] PROBE_HELLO = helloFor(PROBE_NAME);

    private final PacketDecoder decoder = new PacketDecoder();
    private final List<InspectionEvent.Tls> hellos = new ArrayList<>();
    private Inspector inspector;
    private int serverPort;
    private long budget;
    private long now = 1_700_000_000_000_000_000L;
    /** Each direction answered false once: the flow table hands it nothing more. */
    private boolean clientDone;
    private boolean serverDone;
    /** Sealed packet numbers, per direction. */
    private long clientPn;
    private long serverPn;
    /** The flow's QUIC connections and directions, held once seen: they outlive the flow's references. */
    private QuicHandshakes handshakes;
    private FlowInspection.Direction clientDirection;
    private FlowInspection.Direction serverDirection;

    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest
    void followsAnyQuicFlow(FuzzedDataProvider data) {
        // Read in order here: the provider takes single bytes from the input's end.
        new QuicFlowFuzzTest().run(data.consumeRemainingAsBytes());
    }

    /** The bounds one input reached, counted on its flow: to tell that the seeds reach each. */
    record Reached(int refused, long stalled, long givenUp, long memoryStops, int probes) {
    }

    /** What {@link #followsAnyQuicFlow} does with {@code in}, on this (fresh) instance. */
    Reached run(byte[] in) {
        int setup = in.length == 0 ? 0 : in[0] & 0xff;
        serverPort = (setup & 1) != 0 ? 4433 : FlowInspection.QUIC_PORT;
        InspectionConfig defaults = InspectionConfig.defaults();
        budget = (setup & 2) != 0 ? SMALL_BUDGET : defaults.budgetBytes();
        InspectionConfig config = new InspectionConfig(defaults.depthBytes(), 1024, budget,
                defaults.maxInspectedFlows());
        inspector = new Inspector(config, (setup & 4) != 0 ? Signatures.none() : Signatures.bundled(), e -> {
            if (e instanceof InspectionEvent.Tls t) {
                assertEquals(FLOW_ID, t.flowId());
                assertEquals("quic", t.endpoints().transport());
                hellos.add(t);
            }
        });
        int pieces = 1 + (setup >>> 3 & 3);
        boolean lastFirst = (setup & 0x20) != 0;

        for (int at = 1; at + 4 <= in.length; ) {
            int kind = in[at] & 0xff;
            int ids = in[at + 1] & 0xff;
            int length = Math.min(Math.min((in[at + 2] & 0xff) << 8 | in[at + 3] & 0xff, MAX_RECORD),
                    in.length - at - 4);
            byte[] bytes = Arrays.copyOfRange(in, at + 4, at + 4 + length);
            at += 4 + length;
            boolean server = (kind & 1) != 0;
            int mode = kind >>> 1 & 3;
            if (mode == 3) {
                if (inspector.inspection(SLOT) != null) {
                    inspector.onRecord(SLOT, Flow.newBuilder(), false);
                }
                continue;
            }
            int version = (kind & 8) != 0 ? QuicInitial.VERSION_2 : QuicInitial.VERSION_1;
            int family = kind >>> 4;
            byte[] datagram = bytes;
            if (mode != 0) {
                byte[] payload = mode == 1 ? bytes : slice(server ? SERVER_TEMPLATES : CLIENT_TEMPLATES, ids >>> 6,
                        bytes);
                datagram = seal(version, id(family, ids & 3), server, id(family, ids >>> 2 & 3),
                        id(family, ids >>> 4 & 3), payload);
            }
            if (datagram.length > 0) {
                deliver(!server, datagram);
            }
        }
        probe(pieces, lastFirst);

        Flow.Builder record = Flow.newBuilder();
        if (inspector.inspection(SLOT) != null) {
            inspector.onRecord(SLOT, record, true);
        }
        assertNull(inspector.inspection(SLOT), "the slot is free for the next flow");
        assertEquals(0, inspector.heldBytes(), "nothing held once the flow is out");
        if (inspector.quicDirectionsGivenUp() > 0) {
            assertEquals("quic", record.getAppProto(), "a direction given up names the flow");
        }
        assertEquals(inspector.memoryStops() > 0, record.getInspectionLimit() == InspectionLimit.INSPECTION_LIMIT_MEMORY,
                "the record says memory stopped it when it did");
        return new Reached(handshakes == null ? 0 : handshakes.connectionsRefused(),
                inspector.quicStalledConnections(), inspector.quicDirectionsGivenUp(), inspector.memoryStops(),
                (int) reported(PROBE_NAME));
    }

    /**
     * The seeds reach every bound the target checks (a layout change that lost one would leave
     * the fuzzer to find it again, and TOO_MANY_CONNECTIONS needs two HelloRetryRequests among
     * four connections: see {@link QuicHandshakes#connectionsRefused()}).
     */
    @Test
    void theSeedsReachEveryBound() throws Exception {
        Path dir = Path.of(QuicFlowFuzzTest.class.getResource("QuicFlowFuzzTestInputs/followsAnyQuicFlow").toURI());
        List<Reached> reached = new ArrayList<>();
        try (Stream<Path> seeds = Files.list(dir)) {
            for (Path seed : seeds.sorted().toList()) {
                reached.add(new QuicFlowFuzzTest().run(Files.readAllBytes(seed)));
            }
        }
        assertTrue(reached.size() >= 8, () -> "seeds: " + reached);
        assertTrue(reached.stream().anyMatch(r -> r.refused() > 0), () -> "no connection refused: " + reached);
        assertTrue(reached.stream().anyMatch(r -> r.stalled() > 0), () -> "no stalled place taken: " + reached);
        assertTrue(reached.stream().anyMatch(r -> r.givenUp() > 0), () -> "no direction given up: " + reached);
        assertTrue(reached.stream().anyMatch(r -> r.memoryStops() > 0), () -> "no memory stop: " + reached);
        assertTrue(reached.stream().anyMatch(r -> r.probes() == 1), () -> "no probe read: " + reached);
        assertTrue(reached.stream().anyMatch(r -> r.probes() == 0), () -> "every probe read: " + reached);
    }

    /**
     * A valid ClientHello on a fresh connection, then the server's ServerHello for it: reported
     * unless a counted bound says otherwise (see the class comment).
     */
    private void probe(int pieces, boolean lastFirst) {
        long found = reported(PROBE_NAME);
        int refused = handshakes == null ? 0 : handshakes.connectionsRefused();
        byte[][] cut = cut(PROBE_HELLO, pieces);
        for (int i = 0; i < cut.length; i++) {
            deliver(true, probeInitial(cut[lastFirst ? cut.length - 1 - i : i]));
        }
        if (reported(PROBE_NAME) == found) {
            if (handshakes != null && handshakes.connectionsRefused() > refused) {
                assertTrue(clientDirection.quicGaveUp(), "a connection refused gives its direction up");
                // Every place was held by a connection neither read nor stalled: after these,
                // each one unread is stalled, and the hello takes one's place.
                for (int i = 0; i < QuicHandshakes.STALL_INITIALS; i++) {
                    byte[] junk = probeInitial(cut(PROBE_HELLO, 1)[0]);
                    junk[junk.length - 1] ^= 1; // its AEAD tag no longer matches: opens nothing
                    deliver(true, junk);
                }
                deliver(true, probeInitial(cut(PROBE_HELLO, 1)[0]));
                if (reported(PROBE_NAME) == found) {
                    assertStopped(clientDirection, "a valid ClientHello after stalled connections went unread");
                    return;
                }
            } else {
                assertStopped(clientDirection, "a valid ClientHello with a place free went unread");
                return;
            }
        }
        long serverHellos = hellos.stream().filter(t -> t.handshake().equals("server_hello")).count();
        deliver(false, seal(QuicInitial.VERSION_1, PROBE_DCID, true, PROBE_CLIENT_SCID, PROBE_SERVER_SCID,
                InitialSealer.crypto(0, SERVER_HELLO)));
        if (hellos.stream().filter(t -> t.handshake().equals("server_hello")).count() == serverHellos) {
            assertStopped(serverDirection, "the ServerHello of a connection read went unread");
        }
    }

    /** A direction that read nothing of a hello owes it to a bound that was counted. */
    private void assertStopped(FlowInspection.Direction d, String what) {
        assertTrue(d == null || !d.reading(), () -> what + ", its direction reading on");
        checkStopped(d);
    }

    private long reported(String name) {
        return hellos.stream().filter(t -> t.client() != null && name.equals(t.client().sni())).count();
    }

    /** One datagram of the flow, as the flow table hands it over; then what must hold. */
    private void deliver(boolean fromClient, byte[] payload) {
        if (fromClient ? clientDone : serverDone) {
            return;
        }
        byte[] l4 = fromClient ? udp(CLIENT_PORT, serverPort, payload.length) : udp(serverPort, CLIENT_PORT,
                payload.length);
        System.arraycopy(payload, 0, l4, 8, payload.length);
        byte[] frame = ethernet(0x0800, fromClient ? ipv4Packet(CLIENT, SERVER, 17, l4)
                : ipv4Packet(SERVER, CLIENT, 17, l4));
        ByteBuffer buf = ByteBuffer.wrap(frame).asReadOnlyBuffer();
        DecodedPacket p = decoder.decode(buf, LinkType.ETHERNET);
        assertTrue(p.ok());
        IpLayer l = p.outer();
        boolean more = inspector.onPacket(SLOT, FLOW_ID, fromClient, l, buf, now += 1_000);
        if (!more) {
            if (fromClient) {
                clientDone = true;
            } else {
                serverDone = true;
            }
        }
        check();
    }

    private void check() {
        FlowInspection f = inspector.inspection(SLOT);
        assertNotNull(f, "the flow's state stays until its last record");
        if (clientDirection == null && f.direction(true) != null) {
            clientDirection = f.direction(true);
            serverDirection = f.direction(false);
        }
        QuicHandshakes h = f.quicHandshakes();
        if (h != null) {
            if (handshakes == null) {
                handshakes = h;
            }
            assertSame(handshakes, h, "a flow's connections are made once");
        }
        long held = inspector.heldBytes();
        assertTrue(held <= budget, () -> "held " + held + " past the budget");
        if (h != null) {
            assertTrue(h.connections() <= QuicHandshakes.MAX_CONNECTIONS);
            assertNull(h.message(), "a message read lets its arrays go at once");
            int kept = h.keptBytes();
            assertTrue(kept <= QUIC_BOUND, () -> "QUIC keeps " + kept);
            assertTrue(held >= kept, () -> "QUIC keeps " + kept + ", the budget counts " + held);
        }
        if (!f.holdsPlace()) {
            assertNull(h, "a flow done with lets its connections go");
            assertEquals(0, held, "a flow done with holds nothing");
        }
        if (handshakes != null) {
            assertEquals(handshakes.stalledConnectionsTaken(), inspector.quicStalledConnections(),
                    "every place taken from a stalled connection is counted");
            if (handshakes.connectionsRefused() > 0) {
                assertTrue(clientDirection.quicGaveUp(), "a connection refused gives its direction up");
            }
        }
        int gaveUp = 0;
        for (FlowInspection.Direction d : new FlowInspection.Direction[] {clientDirection, serverDirection}) {
            if (d == null) {
                continue;
            }
            gaveUp += d.quicGaveUp() ? 1 : 0;
            assertTrue(d.quicTries() < FlowInspection.MAX_QUIC_INITIALS || !d.reading(),
                    () -> d.quicTries() + " Initials in a row without a message, and reading on");
            if (!d.reading()) {
                checkStopped(d);
            }
        }
        assertEquals(gaveUp, inspector.quicDirectionsGivenUp(), "each direction given up is counted once");
    }

    /**
     * A direction that stopped reading: given up, stopped for memory, or, on a port other than
     * QUIC's (where a direction is watched for Initials as long as the flow lasts), never named
     * QUIC: a datagram that is no Initial before one opened.
     */
    private void checkStopped(FlowInspection.Direction d) {
        if (d == null) {
            return;
        }
        assertTrue(d.quicGaveUp() || inspector.memoryStops() > 0 || !d.namedQuic()
                        && serverPort != FlowInspection.QUIC_PORT,
                "a direction stopped reading for no bound counted");
    }

    /** A sealed client Initial of the probe's connection carrying {@code hello} bytes at their offset. */
    private byte[] probeInitial(byte[] frames) {
        return seal(QuicInitial.VERSION_1, PROBE_DCID, false, PROBE_DCID, PROBE_CLIENT_SCID, padded(frames));
    }

    /** The probe's CRYPTO frames: its hello cut into {@code n} pieces at their offsets. */
    private static byte[][] cut(byte[] hello, int n) {
        byte[][] out = new byte[n][];
        for (int i = 0; i < n; i++) {
            int from = hello.length * i / n;
            int to = hello.length * (i + 1) / n;
            out[i] = InitialSealer.crypto(from, Arrays.copyOfRange(hello, from, to));
        }
        return out;
    }

    private byte[] seal(int version, byte[] keyDcid, boolean server, byte[] dcid, byte[] scid, byte[] payload) {
        byte[] p = payload.length >= 3 ? payload : Arrays.copyOf(payload, 3);
        long pn = server ? serverPn++ : clientPn++;
        return InitialSealer.seal(new InitialSealer.Spec(version, keyDcid, server, dcid, scid, new byte[0],
                pn & 0xffff, 2, 0, p));
    }

    /**
     * Mode 2's payload: template {@code t} of {@code templates}, from the offset in the bytes'
     * first two (modulo its length plus one) for the length in the next two (cut at its end), as
     * a CRYPTO frame at that offset; the bytes after those four follow as more frames.
     */
    static byte[] slice(byte[][] templates, int t, byte[] bytes) {
        byte[] template = templates[t];
        int from = bytes.length >= 2 ? ((bytes[0] & 0xff) << 8 | bytes[1] & 0xff) % (template.length + 1) : 0;
        int n = bytes.length >= 4 ? (bytes[2] & 0xff) << 8 | bytes[3] & 0xff : template.length;
        int to = Math.min(template.length, from + n);
        byte[] rest = bytes.length > 4 ? Arrays.copyOfRange(bytes, 4, bytes.length) : new byte[0];
        return InitialSealer.concat(InitialSealer.crypto(from, Arrays.copyOfRange(template, from, to)), rest);
    }

    /**
     * ID {@code i} (0 to 3) of family {@code family} (0 to 15): {@link #IDS} in family 0, else
     * the same IDs with the family in their last byte; the zero-length ID stays as it is.
     */
    static byte[] id(int family, int i) {
        byte[] id = IDS[i].clone();
        if (family != 0 && id.length > 0) {
            id[id.length - 1] ^= (byte) (family << 4);
        }
        return id;
    }

    /** {@code frames} then PADDING to a client's 1200-byte datagram (RFC 9000 §14.1). */
    static byte[] padded(byte[] frames) {
        return InitialSealer.concat(frames, new byte[Math.max(0, 1162 - frames.length)]);
    }

    /** The ClientHello {@code hello} grown to {@code length} bytes by a padding extension (RFC 7685) at its end. */
    static byte[] padded(byte[] hello, int length) {
        int extension = length - hello.length;
        int body = 4;
        int p = body + 2 + 32;
        p += 1 + (hello[p] & 0xff);
        p += 2 + ((hello[p] & 0xff) << 8 | hello[p + 1] & 0xff);
        p += 1 + (hello[p] & 0xff);
        int extensions = (hello[p] & 0xff) << 8 | hello[p + 1] & 0xff;
        byte[] out = Arrays.copyOf(hello, length);
        int handshake = length - 4;
        out[1] = (byte) (handshake >>> 16);
        out[2] = (byte) (handshake >>> 8);
        out[3] = (byte) handshake;
        extensions += extension;
        out[p] = (byte) (extensions >>> 8);
        out[p + 1] = (byte) extensions;
        int e = hello.length;
        out[e] = 0;
        out[e + 1] = 0x15;
        out[e + 2] = (byte) ((extension - 4) >>> 8);
        out[e + 3] = (byte) (extension - 4);
        return out;
    }

    /** RFC 9001's ClientHello with another 11-byte server name in place of example.com. */
    static byte[] helloFor(String name) {
        byte[] hello = CLIENT_HELLO.clone();
        byte[] from = "example.com".getBytes(StandardCharsets.US_ASCII);
        byte[] to = name.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + from.length <= hello.length; i++) {
            if (Arrays.equals(hello, i, i + from.length, from, 0, from.length)) {
                System.arraycopy(to, 0, hello, i, to.length);
                return hello;
            }
        }
        throw new AssertionError("no example.com in the hello");
    }

    /** A handshake message: its type, its 3-byte length, its body. */
    private static byte[] handshake(int type, byte[] body) {
        return InitialSealer.concat(new byte[] {(byte) type, (byte) (body.length >>> 16), (byte) (body.length >>> 8),
                (byte) body.length}, body);
    }

    private static byte[] filled(int n, int b) {
        byte[] out = new byte[n];
        Arrays.fill(out, (byte) b);
        return out;
    }
}
