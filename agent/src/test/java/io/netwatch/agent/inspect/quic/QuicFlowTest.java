package io.netwatch.agent.inspect.quic;

import static io.netwatch.agent.Frames.ethernet;
import static io.netwatch.agent.Frames.ipv4;
import static io.netwatch.agent.Frames.ipv4Packet;
import static io.netwatch.agent.Frames.udp;
import static io.netwatch.agent.inspect.quic.InitialSealer.crypto;
import static io.netwatch.agent.inspect.quic.InitialSealer.seal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.InspectionEvent;
import io.netwatch.agent.inspect.Inspector;
import io.netwatch.agent.inspect.MessageKind;
import io.netwatch.agent.inspect.quic.InitialSealer.Spec;
import io.netwatch.agent.inspect.tls.TlsVersionClass;
import io.netwatch.agent.inspect.signature.RuleVariables;
import io.netwatch.agent.inspect.signature.RulesConfig;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.flow.v1.Flow;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** QUIC Initials through the pipeline: what the flow state carries from one datagram to the next. */
class QuicFlowTest {
    private static final byte[] CLIENT = ipv4(10, 0, 0, 1);
    private static final byte[] SERVER = ipv4(10, 0, 0, 2);

    private final List<Flow> flows = new ArrayList<>();
    private final List<InspectionEvent> events = new ArrayList<>();
    private Pipeline pipeline = Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(),
            DetectionConfig.defaults(), flows::add, AnomalySink.NONE);
    private long t = 1_700_000_000_000_000_000L;
    @TempDir
    Path dir;

    private void datagram(byte[] payload) {
        datagram(50000, payload);
    }

    private void datagram(int clientPort, byte[] payload) {
        byte[] l4 = udp(clientPort, 443, payload.length);
        System.arraycopy(payload, 0, l4, 8, payload.length);
        byte[] f = ethernet(0x0800, ipv4Packet(CLIENT, SERVER, 17, l4));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }

    /** A datagram from the server back to the client's port 50000. */
    private void fromServer(byte[] payload) {
        byte[] l4 = udp(443, 50000, payload.length);
        System.arraycopy(payload, 0, l4, 8, payload.length);
        byte[] f = ethernet(0x0800, ipv4Packet(SERVER, CLIENT, 17, l4));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }

    /** The pipeline with these rules, its inspection events kept. */
    private void withRules(String text) throws Exception {
        withRules(text, InspectionConfig.defaults());
    }

    private void withRules(String text, InspectionConfig config) throws Exception {
        Path f = dir.resolve("test.rules");
        Files.writeString(f, text);
        Signatures s = new RulesConfig(List.of(f), false, Duration.ZERO, Signatures.DEFAULT_PAYLOAD_DEPTH,
                RuleVariables.defaults()).load();
        assertEquals(List.of(), s.lastLoad().errors());
        pipeline = Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(), DetectionConfig.defaults(),
                config, s, flows::add, AnomalySink.NONE, events::add);
    }

    /** A datagram between any two of the test's ports, {@code fromClient} saying which way. */
    private void datagram(boolean fromClient, int clientPort, int serverPort, byte[] payload) {
        byte[] l4 = fromClient ? udp(clientPort, serverPort, payload.length)
                : udp(serverPort, clientPort, payload.length);
        System.arraycopy(payload, 0, l4, 8, payload.length);
        byte[] ip = fromClient ? ipv4Packet(CLIENT, SERVER, 17, l4) : ipv4Packet(SERVER, CLIENT, 17, l4);
        byte[] f = ethernet(0x0800, ip);
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }

    private static byte[] id(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    /** A client Initial of connection {@code keyDcid}, sent to {@code dcid}, from the client's {@code scid}. */
    private static byte[] clientInitial(byte[] keyDcid, byte[] dcid, byte[] scid, long pn, byte[] frames) {
        return seal(new Spec(QuicInitial.VERSION_1, keyDcid, false, dcid, scid, new byte[0], pn, 1, 0,
                QuicInitialTest.padded(frames)));
    }

    /** A server Initial of connection {@code keyDcid}, sent to the client's {@code clientScid}. */
    private static byte[] serverInitial(byte[] keyDcid, byte[] clientScid, byte[] serverScid, long pn, byte[] frames) {
        return seal(new Spec(QuicInitial.VERSION_1, keyDcid, true, clientScid, serverScid, new byte[0], pn, 1, 0,
                frames));
    }

    /** RFC 9001's ClientHello with another 11-byte server name in place of example.com. */
    private static byte[] helloFor(String name) {
        byte[] hello = QuicInitialTest.CLIENT_HELLO.clone();
        byte[] from = "example.com".getBytes(StandardCharsets.US_ASCII);
        byte[] to = name.getBytes(StandardCharsets.US_ASCII);
        assertEquals(from.length, to.length);
        for (int i = 0; i + from.length <= hello.length; i++) {
            if (Arrays.equals(hello, i, i + from.length, from, 0, from.length)) {
                System.arraycopy(to, 0, hello, i, to.length);
                return hello;
            }
        }
        throw new AssertionError("no example.com in the hello");
    }

    private List<String> hellos(String handshake) {
        return events.stream().filter(e -> e instanceof InspectionEvent.Tls t && t.handshake().equals(handshake))
                .map(e -> {
                    InspectionEvent.Tls t = (InspectionEvent.Tls) e;
                    return t.client() == null ? "" : t.client().sni();
                }).toList();
    }

    private static final byte[] PING = {0x01};
    /** Initials in a row without a message after which a direction ends (FlowInspection.MAX_QUIC_INITIALS). */
    private static final int MAX_QUIC_INITIALS = 16;

    @Test
    void aLaterInitialsTruncatedPacketNumberDecodesAgainstTheLargestSoFar() {
        // A ClientHello over two datagrams. The first Initial is packet 290 (2-byte encoding); the
        // second is packet 291 sent in one byte, 0x23: a receiver that has seen 290 reads 291
        // (RFC 9000 A.3), one that assumes no earlier packet reads 35, derives the wrong nonce
        // and cannot open it. Packet numbers need not start low: a sender may skip them.
        byte[] hello = QuicInitialTest.CLIENT_HELLO;
        int cut = 150;
        datagram(seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(crypto(0, Arrays.copyOf(hello, cut)))).withPn(290, 2)));
        datagram(seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(crypto(cut, Arrays.copyOfRange(hello, cut, hello.length)))).withPn(291, 1)));
        pipeline.finish();
        assertEquals(1, flows.size());
        Flow f = flows.getFirst();
        assertEquals("quic", f.getAppProto());
        assertEquals("example.com", f.getTls().getSni());
    }

    /** A client Initial that cannot be opened: its AEAD tag does not match (one ciphertext byte flipped). */
    private static byte[] undecryptable() {
        byte[] p = hello();
        p[p.length - 40] ^= 1;
        return p;
    }

    private static byte[] hello() {
        return seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(crypto(0, QuicInitialTest.CLIENT_HELLO))));
    }

    private Flow flowFrom(int clientPort) {
        return flows.stream().filter(f -> f.getSource().getPort() == clientPort).findFirst().orElseThrow();
    }

    @Test
    void initialsThatHideTheHelloPastTheBoundAreCountedAndTheFlowIsNamed() {
        // Anyone on the flow's 5-tuple can send Initials first that the server drops unopened;
        // the bound on those looked at stays (each costs a key derivation and an AEAD), so the
        // real hello behind them goes unread, but not silently.
        for (int i = 0; i < 16; i++) {
            datagram(50000, undecryptable());
        }
        datagram(50000, hello());
        // One short of the bound: the hello is read, nothing given up.
        for (int i = 0; i < 15; i++) {
            datagram(50001, undecryptable());
        }
        datagram(50001, hello());
        // Another protocol on 443 (a VPN, DTLS): no Initial ever came, so no QUIC hello was missed.
        for (int i = 0; i < 20; i++) {
            byte[] p = new byte[1200];
            p[0] = 0x17;
            datagram(50002, p);
        }
        pipeline.finish();
        Inspector i = pipeline.inspector();
        assertEquals(31, i.malformedMessages(MessageKind.QUIC));
        assertEquals(1, i.quicDirectionsGivenUp());
        Flow hidden = flowFrom(50000);
        assertFalse(hidden.hasTls());
        assertEquals("quic", hidden.getAppProto(), "its datagrams were QUIC Initials");
        assertEquals("example.com", flowFrom(50001).getTls().getSni());
        assertEquals("", flowFrom(50002).getAppProto());
    }

    @Test
    void initialsOpenedWithoutAHelloCountTowardTheBoundAlikeAndSoDoesTheCryptoCap() {
        // Opened, carrying no CRYPTO data (a PING and padding): as cheap to send as the junk above.
        for (int i = 0; i < 16; i++) {
            datagram(50000, seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                    QuicInitialTest.padded(new byte[] {0x01})).withPn(i, 1)));
        }
        datagram(50000, seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(crypto(0, QuicInitialTest.CLIENT_HELLO))).withPn(16, 1)));
        // A first message announced longer than the 16 KiB of CRYPTO data kept can never be read.
        datagram(50001, seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(crypto(0, new byte[] {1, 1, 0, 0, 3, 3})))));
        pipeline.finish();
        assertEquals(2, pipeline.inspector().quicDirectionsGivenUp());
        assertFalse(flowFrom(50000).hasTls());
        assertEquals("quic", flowFrom(50001).getAppProto());
    }

    @Test
    void cryptoDataPastWhatIsKeptDoesNotEndTheSearch() {
        // Bytes past the 16 KiB kept are dropped, not stored: they cannot stand in the way of a
        // hello from offset 0, and one such Initial sent first used to end the search.
        datagram(seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(crypto(20_000, new byte[] {1, 2, 3}))).withPn(0, 1)));
        datagram(seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(crypto(0, QuicInitialTest.CLIENT_HELLO))).withPn(1, 1)));
        pipeline.finish();
        assertEquals("example.com", flows.getFirst().getTls().getSni());
        assertEquals(0, pipeline.inspector().quicDirectionsGivenUp());
    }

    @Test
    void aClientsFirstMessageThatIsNoHelloIsCountedMalformed() {
        // A whole handshake message of another type (a Finished, 20) where the ClientHello must be:
        // no hello will follow it on this stream, so the direction is done, not silently.
        datagram(seal(Spec.client(QuicInitial.VERSION_1, QuicInitialTest.DCID,
                QuicInitialTest.padded(crypto(0, new byte[] {20, 0, 0, 2, 0, 0})))));
        pipeline.finish();
        assertEquals(1, pipeline.inspector().malformedMessages(MessageKind.QUIC));
        assertFalse(flows.getFirst().hasTls());
    }

    @Test
    void aDecoyConnectionsHelloAheadOfTheRealOneHidesNeither() throws Exception {
        // A sender's first Initial is a connection of its own, its hello naming a harmless host;
        // the real connection follows on the same 5-tuple with another DCID. Keys locked to the
        // first DCID, and the direction ended at the first hello, left the real SNI unread.
        withRules("alert tls any any -> any any (msg:\"sni\"; tls.sni; content:\"example.com\"; sid:1;)\n");
        byte[] decoy = id("1111111111111111");
        byte[] real = id("2222222222222222");
        byte[] decoyScid = id("a1a1a1a1");
        byte[] realScid = id("b2b2b2b2");
        byte[] serverScid = id("c3c3c3c3c3c3c3c3");
        datagram(clientInitial(decoy, decoy, decoyScid, 0, crypto(0, helloFor("benign.test"))));
        datagram(clientInitial(real, real, realScid, 0, crypto(0, QuicInitialTest.CLIENT_HELLO)));
        // The server answers the real connection, keyed by its DCID, sent to its client's ID.
        fromServer(serverInitial(real, realScid, serverScid, 0, crypto(0, QuicInitialTest.SERVER_HELLO)));
        // The client's acknowledgement goes to the server's ID now, under the same keys: it is
        // the real connection's, not a third one that cannot be opened.
        datagram(clientInitial(real, serverScid, realScid, 1, PING));
        pipeline.finish();
        assertEquals(List.of("benign.test", "example.com"), hellos("client_hello"));
        assertEquals(1, hellos("server_hello").size());
        assertEquals(1, events.stream().filter(e -> e instanceof InspectionEvent.Alert a && a.rule().sid() == 1)
                .count(), "the rule on tls.sni saw the real hello");
        Flow f = flows.getFirst();
        assertEquals("example.com", f.getTls().getSni(), "the record keeps the last hello, as over TCP");
        assertEquals("0x1301", f.getTls().getCipherSuite());
        Inspector i = pipeline.inspector();
        assertEquals(0, i.malformedMessages(MessageKind.QUIC));
        assertEquals(0, i.quicDirectionsGivenUp());
    }

    @Test
    void aDecoyInitialWithoutAHelloDoesNotLockTheKeys() {
        // The decoy opens fine and carries no CRYPTO data at all.
        byte[] decoy = id("1111111111111111");
        datagram(clientInitial(decoy, decoy, new byte[0], 0, PING));
        datagram(hello());
        pipeline.finish();
        assertEquals("example.com", flows.getFirst().getTls().getSni());
        assertEquals(0, pipeline.inspector().malformedMessages(MessageKind.QUIC));
    }

    @Test
    void aDecoysFirstMessageTooLongToReadIsCountedAndTheRealHelloStillRead() {
        // The decoy's first message announces more than the 16 KiB of CRYPTO data kept: its own
        // hello can never be read (counted), which ended the direction, the real hello unread.
        byte[] decoy = id("1111111111111111");
        datagram(clientInitial(decoy, decoy, new byte[0], 0, crypto(0, new byte[] {1, 1, 0, 0, 3, 3})));
        datagram(hello());
        pipeline.finish();
        assertEquals("example.com", flows.getFirst().getTls().getSni());
        assertEquals(1, pipeline.inspector().quicDirectionsGivenUp());
    }

    @Test
    void fourDecoyConnectionsWithoutCryptoDataMakeWayForTheRealOne() throws Exception {
        // Each decoy opens fine and carries no CRYPTO data: they held the four places for good,
        // the real connection's Initial not opened. A connection whose client's stream has not
        // grown over the flow's last four client Initials is stalled, and the next one takes its
        // place (counted).
        withRules("");
        for (int c = 1; c <= QuicHandshakes.MAX_CONNECTIONS; c++) {
            byte[] decoy = id(("0" + c).repeat(8));
            datagram(clientInitial(decoy, decoy, new byte[0], 0, PING));
        }
        datagram(hello());
        // The server answers the real connection, the newest of those sent to the client's (empty) ID.
        fromServer(serverInitial(QuicInitialTest.DCID, new byte[0], id("c3c3c3c3"), 0,
                crypto(0, QuicInitialTest.SERVER_HELLO)));
        pipeline.finish();
        Flow f = flows.getFirst();
        assertEquals("example.com", f.getTls().getSni());
        assertEquals("0x1301", f.getTls().getCipherSuite());
        Inspector i = pipeline.inspector();
        assertEquals(1, i.quicStalledConnections(), "the oldest decoy's place was taken");
        assertEquals(0, i.quicDirectionsGivenUp());
        assertEquals(0, i.malformedMessages(MessageKind.QUIC));
    }

    @Test
    void aConnectionStillGrowingKeepsItsPlaceAndAStalledOneMakesWay() throws Exception {
        // The real hello comes in three datagrams, with decoys between them: the real connection
        // is the oldest, but its stream grew since the first decoy opened, so the place that is
        // taken is that decoy's, which stalled, and the real hello is still read whole.
        withRules("");
        byte[] hello = QuicInitialTest.CLIENT_HELLO;
        int[] cuts = {0, 100, 200, hello.length};
        byte[] real = QuicInitialTest.DCID;
        datagram(clientInitial(real, real, new byte[0], 0, crypto(0, Arrays.copyOf(hello, cuts[1]))));
        for (int c = 1; c < QuicHandshakes.MAX_CONNECTIONS; c++) {
            byte[] decoy = id(("0" + c).repeat(8));
            datagram(clientInitial(decoy, decoy, new byte[0], 0,
                    crypto(0, Arrays.copyOf(helloFor("decoy.tests"), 10))));
        }
        datagram(clientInitial(real, real, new byte[0], 1,
                crypto(cuts[1], Arrays.copyOfRange(hello, cuts[1], cuts[2]))));
        byte[] fourth = id("0404040404040404");
        datagram(clientInitial(fourth, fourth, new byte[0], 0, PING));
        datagram(clientInitial(real, real, new byte[0], 2,
                crypto(cuts[2], Arrays.copyOfRange(hello, cuts[2], cuts[3]))));
        pipeline.finish();
        assertEquals(List.of("example.com"), hellos("client_hello"));
        Inspector i = pipeline.inspector();
        assertEquals(1, i.quicStalledConnections(), "the first decoy, stalled after its ten bytes");
        assertEquals(0, i.quicDirectionsGivenUp());
    }

    @Test
    void aFreshConnectionWhileFourAreReadingTheirSecondHelloIsCountedNotOpened() throws Exception {
        // Four connections, each answered by a HelloRetryRequest: each reads its second hello now,
        // its stream counted as grown at that moment. None is read or stalled when a fifth comes.
        withRules("");
        for (int c = 1; c <= QuicHandshakes.MAX_CONNECTIONS; c++) {
            byte[] dcid = id(("0" + c).repeat(8));
            datagram(clientInitial(dcid, dcid, id(("a" + c).repeat(4)), 0, crypto(0, QuicInitialTest.CLIENT_HELLO)));
        }
        for (int c = 1; c <= QuicHandshakes.MAX_CONNECTIONS; c++) {
            fromServer(serverInitial(id(("0" + c).repeat(8)), id(("a" + c).repeat(4)), id(("c" + c).repeat(4)), 0,
                    crypto(0, helloRetryRequest())));
        }
        datagram(clientInitial(id("0505050505050505"), id("0505050505050505"), new byte[0], 0,
                crypto(0, helloFor("fifth.tests"))));
        pipeline.finish();
        assertEquals(QuicHandshakes.MAX_CONNECTIONS, hellos("client_hello").size(), "the fifth one not opened");
        Inspector i = pipeline.inspector();
        assertEquals(1, i.quicDirectionsGivenUp());
        assertEquals(0, i.quicStalledConnections());
        assertEquals(0, i.malformedMessages(MessageKind.QUIC));
    }

    /** A short-header (1-RTT) packet: what a QUIC connection's datagrams are after its handshake. */
    private static byte[] shortHeader() {
        byte[] p = new byte[1200];
        p[0] = 0x41;
        return p;
    }

    @Test
    void connectionsOneAfterAnotherOnALongLivedSocketAreEachRead() throws Exception {
        // One UDP socket (a client's shared QUIC transport, or a NAT mapping kept) carries its
        // connections one after another on the same 5-tuple. The first 16 datagrams of each
        // direction were all that was looked at, and four connections all that were followed:
        // the second connection's hello went unread, and nothing counted it.
        withRules("");
        List<String> names = new ArrayList<>();
        for (int c = 1; c <= 6; c++) {
            String name = "conn-0" + c + ".org";
            names.add(name);
            byte[] dcid = id(("0" + c).repeat(8));
            byte[] clientScid = id(("a" + c).repeat(4));
            byte[] serverScid = id(("c" + c).repeat(8));
            datagram(clientInitial(dcid, dcid, clientScid, 0, crypto(0, helloFor(name))));
            fromServer(serverInitial(dcid, clientScid, serverScid, 0, crypto(0, QuicInitialTest.SERVER_HELLO)));
            datagram(clientInitial(dcid, serverScid, clientScid, 1, PING));
            for (int n = 0; n < 20; n++) {
                datagram(shortHeader());
                fromServer(shortHeader());
            }
        }
        pipeline.finish();
        assertEquals(names, hellos("client_hello"));
        assertEquals(6, hellos("server_hello").size());
        Flow f = flows.getFirst();
        assertEquals("conn-06.org", f.getTls().getSni(), "the record keeps the last hello");
        Inspector i = pipeline.inspector();
        assertEquals(0, i.quicDirectionsGivenUp());
        assertEquals(0, i.quicStalledConnections(), "a connection read makes way without loss");
        assertEquals(0, i.malformedMessages(MessageKind.QUIC));
    }

    @Test
    void datagramsThatAreNoInitialSentAheadOfTheFirstOneOnPort443HideNoHello() throws Exception {
        // A QUIC server drops datagrams it cannot read, so a client may send any number ahead
        // of its first Initial. Only the first 16 of a direction were looked at for one: with
        // none among them the direction was no QUIC, its hello unread and nothing counted, so
        // 16 bytes of junk first hid the SNI. Both ways, the server's Initials too.
        withRules("");
        for (int n = 0; n < 40; n++) {
            datagram(new byte[] {(byte) n});
            datagram(shortHeader());
            fromServer(shortHeader());
        }
        byte[] dcid = id("0".repeat(16));
        byte[] clientScid = id("a1".repeat(4));
        byte[] serverScid = id("c1".repeat(8));
        datagram(clientInitial(dcid, dcid, clientScid, 0, crypto(0, helloFor("hidden1.org"))));
        fromServer(serverInitial(dcid, clientScid, serverScid, 0, crypto(0, QuicInitialTest.SERVER_HELLO)));
        pipeline.finish();
        assertEquals(List.of("hidden1.org"), hellos("client_hello"));
        assertEquals(1, hellos("server_hello").size());
        Flow f = flows.getFirst();
        assertEquals("quic", f.getAppProto());
        assertEquals("hidden1.org", f.getTls().getSni());
    }

    @Test
    void aClientOnSourcePort53ToPort443IsReadAsQuic() throws Exception {
        // Either port 53 made a UDP flow DNS, read without directions when no payload rule
        // reads UDP: a QUIC client bound to source port 53 (any pod may bind it) had its
        // Initials parsed as DNS (malformed), and its hello and SNI were never read, where
        // with payload rules they were.
        withRules("");
        byte[] dcid = id("0".repeat(16));
        byte[] clientScid = id("a1".repeat(4));
        byte[] serverScid = id("c1".repeat(8));
        datagram(true, 53, 443, clientInitial(dcid, dcid, clientScid, 0, crypto(0, helloFor("hidden2.org"))));
        datagram(false, 53, 443, serverInitial(dcid, clientScid, serverScid, 0, crypto(0, QuicInitialTest.SERVER_HELLO)));
        pipeline.finish();
        assertEquals(List.of("hidden2.org"), hellos("client_hello"));
        assertEquals(1, hellos("server_hello").size());
        Flow f = flows.getFirst();
        assertEquals("quic", f.getAppProto());
        assertEquals("hidden2.org", f.getTls().getSni());
        assertEquals(0, pipeline.inspector().malformedMessages(MessageKind.DNS));
    }

    @Test
    void aDirectionOnAnotherPortNotNamedQuicStillEndsAtItsFirstDatagramThatIsNoInitial() throws Exception {
        // Off port 443 a direction is read as QUIC only while its datagrams say so: one that
        // cannot be opened names nothing, and the next that is no Initial ends the direction, as
        // before. Passing over a QUIC direction's datagrams must not keep it read (and its
        // flow's place held) for good. One place: a flow that kept it makes the next evict it.
        InspectionConfig d = InspectionConfig.defaults();
        withRules("", new InspectionConfig(d.depthBytes(), d.maxPendingBytes(), d.budgetBytes(), 1));
        datagram(true, 50000, 8443, undecryptable());
        datagram(false, 50000, 8443, shortHeader());
        datagram(true, 50000, 8443, shortHeader());
        datagram(true, 50001, 443, hello());
        pipeline.finish();
        Inspector i = pipeline.inspector();
        assertEquals(0, i.evictedFlows(), "the first flow gave its place back");
        assertEquals("example.com", flowFrom(50001).getTls().getSni());
    }

    @Test
    void eachMessageReadStartsTheCountOfInitialsWithoutOneAgain() {
        // A decoy's hello, 15 Initials that cannot be opened, and the real hello: read. The 17th
        // datagram was past the bound before, its hello unread. Then 16 in a row with no message
        // (sent to a DCID of their own: those to a connection read are not opened): the
        // direction ends, counted (a hello could hide behind them, a message read or not).
        byte[] decoy = id("1111111111111111");
        datagram(clientInitial(decoy, decoy, new byte[0], 0, crypto(0, helloFor("benign.test"))));
        for (int n = 0; n < MAX_QUIC_INITIALS - 1; n++) {
            datagram(undecryptable());
        }
        datagram(hello());
        byte[] junk = clientInitial(id("4444444444444444"), id("4444444444444444"), new byte[0], 0, PING);
        junk[junk.length - 40] ^= 1;
        for (int n = 0; n < MAX_QUIC_INITIALS; n++) {
            datagram(junk);
        }
        byte[] late = id("3333333333333333");
        datagram(clientInitial(late, late, new byte[0], 0, crypto(0, helloFor("late.tests0"))));
        pipeline.finish();
        assertEquals("example.com", flows.getFirst().getTls().getSni());
        Inspector i = pipeline.inspector();
        assertEquals(1, i.quicDirectionsGivenUp());
        assertEquals(2 * MAX_QUIC_INITIALS - 1, i.malformedMessages(MessageKind.QUIC));
    }

    /**
     * RFC 9001's ServerHello made a HelloRetryRequest (RFC 8446 §4.1.4): the random RFC 8446
     * §4.1.3 gives, TLS_AES_128_GCM_SHA256, and a key_share naming x25519 alone.
     */
    static byte[] helloRetryRequest() {
        byte[] body = InitialSealer.concat(new byte[] {3, 3},
                HexFormat.of().parseHex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"),
                new byte[] {0, 0x13, 0x01, 0, 0, 12, 0, 0x33, 0, 2, 0, 0x1d, 0, 0x2b, 0, 2, 3, 4});
        return InitialSealer.concat(new byte[] {2, 0, 0, (byte) body.length}, body);
    }

    private List<String> handshakes() {
        return events.stream().filter(e -> e instanceof InspectionEvent.Tls).map(e -> {
            InspectionEvent.Tls t = (InspectionEvent.Tls) e;
            assertEquals("quic", t.endpoints().transport());
            return t.handshake();
        }).toList();
    }

    @Test
    void afterAHelloRetryRequestTheSecondClientHelloAndTheServerHelloAreReadAsOverTcp() throws Exception {
        // The server asks for another key share: the client sends a second ClientHello on the same
        // connection, its CRYPTO stream going on after the first, to the server's ID and under
        // the same Initial keys (they derive from the client's first DCID, RFC 9001 §5.2); the
        // server's ServerHello follows its HelloRetryRequest on its stream. Only each side's
        // first message was read: the second ClientHello and the ServerHello went unread, and
        // uncounted, where over TCP both are reported.
        withRules("");
        byte[] dcid = id("1111111111111111");
        byte[] clientScid = id("a1a1a1a1");
        byte[] serverScid = id("c3c3c3c3c3c3c3c3");
        byte[] first = QuicInitialTest.CLIENT_HELLO;
        byte[] second = helloFor("retried.org");
        byte[] hrr = helloRetryRequest();
        datagram(clientInitial(dcid, dcid, clientScid, 0, crypto(0, first)));
        fromServer(serverInitial(dcid, clientScid, serverScid, 0, crypto(0, hrr)));
        int cut = 100;
        datagram(clientInitial(dcid, serverScid, clientScid, 1, crypto(first.length, Arrays.copyOf(second, cut))));
        datagram(clientInitial(dcid, serverScid, clientScid, 2,
                crypto(first.length + cut, Arrays.copyOfRange(second, cut, second.length))));
        fromServer(serverInitial(dcid, clientScid, serverScid, 1, crypto(hrr.length, QuicInitialTest.SERVER_HELLO)));
        // The client's acknowledgement: nothing more to read.
        datagram(clientInitial(dcid, serverScid, clientScid, 3, PING));
        pipeline.finish();
        assertEquals(List.of("client_hello", "hello_retry_request", "client_hello", "server_hello"), handshakes());
        assertEquals(List.of("example.com", "retried.org"), hellos("client_hello"));
        Flow f = flows.getFirst();
        assertEquals("retried.org", f.getTls().getSni(), "the record keeps the last hello, as over TCP");
        assertEquals("0x1301", f.getTls().getCipherSuite());
        Inspector i = pipeline.inspector();
        assertEquals(4, i.events(MessageKind.QUIC));
        assertEquals(1, i.serverHellos(MessageKind.QUIC, TlsVersionClass.TLS_1_3),
                "the ServerHello, not the HelloRetryRequest");
        assertEquals(0, i.malformedMessages(MessageKind.QUIC));
        assertEquals(0, i.quicDirectionsGivenUp());
    }

    @Test
    void aServerHelloAlreadyHeldPastTheHelloRetryRequestIsRead() throws Exception {
        // Bytes after the HelloRetryRequest that came with it are the ServerHello's: kept, not lost.
        withRules("");
        byte[] hrr = helloRetryRequest();
        datagram(hello());
        fromServer(serverInitial(QuicInitialTest.DCID, new byte[0], id("c3c3c3c3"), 0,
                InitialSealer.concat(crypto(0, hrr), crypto(hrr.length, QuicInitialTest.SERVER_HELLO))));
        pipeline.finish();
        assertEquals(List.of("client_hello", "hello_retry_request", "server_hello"), handshakes());
        assertEquals(1, pipeline.inspector().serverHellos(MessageKind.QUIC, TlsVersionClass.TLS_1_3));
    }

    @Test
    void aSecondHelloRetryRequestReadsNothingMore() throws Exception {
        // A client aborts at a second HelloRetryRequest (RFC 8446 §4.1.4): it is reported, as
        // over TCP, and nothing after it is read, in either direction.
        withRules("");
        byte[] hrr = helloRetryRequest();
        byte[] first = QuicInitialTest.CLIENT_HELLO;
        byte[] second = helloFor("retried.org");
        byte[] serverScid = id("c3c3c3c3");
        datagram(hello());
        fromServer(serverInitial(QuicInitialTest.DCID, new byte[0], serverScid, 0, crypto(0, hrr)));
        datagram(clientInitial(QuicInitialTest.DCID, serverScid, new byte[0], 1, crypto(first.length, second)));
        fromServer(serverInitial(QuicInitialTest.DCID, new byte[0], serverScid, 1, crypto(hrr.length, hrr)));
        datagram(clientInitial(QuicInitialTest.DCID, serverScid, new byte[0], 2,
                crypto(first.length + second.length, helloFor("third.tests"))));
        fromServer(serverInitial(QuicInitialTest.DCID, new byte[0], serverScid, 2,
                crypto(2L * hrr.length, QuicInitialTest.SERVER_HELLO)));
        pipeline.finish();
        assertEquals(List.of("client_hello", "hello_retry_request", "client_hello", "hello_retry_request"),
                handshakes());
        Inspector i = pipeline.inspector();
        assertEquals(0, i.serverHellos(MessageKind.QUIC, TlsVersionClass.TLS_1_3));
        assertEquals(0, i.malformedMessages(MessageKind.QUIC));
    }

    @Test
    void aClientStartingAgainAfterARetryIsReadAndTheServersAnswerOpenedWithTheNewKeys() throws Exception {
        // After a Retry (not an Initial: nothing to open), the client sends its hello again to the
        // DCID the Retry gave, with new keys from it (RFC 9001 §5.2), keeping its own ID; the
        // server answers under those keys. Both Initials were refused under the first DCID's keys.
        withRules("");
        byte[] first = id("1111111111111111");
        byte[] retried = id("3333333333333333");
        byte[] clientScid = id("a1a1a1a1");
        datagram(clientInitial(first, first, clientScid, 0, crypto(0, QuicInitialTest.CLIENT_HELLO)));
        datagram(seal(new Spec(QuicInitial.VERSION_1, retried, false, retried, clientScid, id("feedface"), 1, 1, 0,
                QuicInitialTest.padded(crypto(0, QuicInitialTest.CLIENT_HELLO)))));
        fromServer(serverInitial(retried, clientScid, id("c3c3c3c3"), 0, crypto(0, QuicInitialTest.SERVER_HELLO)));
        pipeline.finish();
        assertEquals(List.of("example.com", "example.com"), hellos("client_hello"));
        assertEquals(1, hellos("server_hello").size());
        assertEquals("0x1301", flows.getFirst().getTls().getCipherSuite());
        assertEquals(0, pipeline.inspector().malformedMessages(MessageKind.QUIC));
    }
}
