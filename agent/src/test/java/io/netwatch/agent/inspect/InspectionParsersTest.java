package io.netwatch.agent.inspect;

import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.Frames;
import io.netwatch.agent.decode.IpLayer;
import io.netwatch.agent.decode.PacketDecoder;
import io.netwatch.agent.flow.FlowObserver;
import io.netwatch.agent.flow.FlowTable;
import io.netwatch.agent.inspect.signature.RuleVariables;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.io.TempDir;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.signature.Buffer;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.flow.v1.Flow;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * A parser left out of {@link InspectionConfig#parsers} costs its protocol's messages and
 * record fields, and nothing else: the flows are still named, and every other parser finds
 * what it found with all of them on. Real captures: the bundled demo (DNS, HTTP, TLS) and the
 * shared corpus's SSH and QUIC ones.
 */
class InspectionParsersTest {
    private static final Path REPO = Path.of(System.getProperty("netwatch.repo.root", ".."));

    private record Run(List<Flow> flows, Inspector inspector) {
    }

    private static Run run(Path capture, Set<MessageKind> parsers) throws Exception {
        List<Flow> flows = new ArrayList<>();
        Pipeline pipeline;
        try (PcapFileSource source = PcapFileSource.open(capture)) {
            pipeline = Pipeline.create("n", source.interfaceNames(), FlowTableConfig.defaults(),
                    DetectionConfig.defaults(), InspectionConfig.defaults().withParsers(parsers), Signatures.bundled(),
                    flows::add, AnomalySink.NONE, InspectionSink.NONE);
            source.run(pipeline);
        }
        pipeline.finish();
        return new Run(flows, pipeline.inspector());
    }

    private static Path capture(String name) {
        return name.equals("demo") ? REPO.resolve("samples/demo.pcap") : REPO.resolve("../shared/pcaps").resolve(name);
    }

    /** The record as it would be had {@code kind}'s parser not read the flow: its L7 field gone. */
    private static Flow without(Flow f, MessageKind kind) {
        Flow.Builder b = f.toBuilder().setFlowId(0);
        switch (kind) {
            case DNS -> b.clearDns();
            case HTTP -> b.clearHttp();
            case TLS -> b.clearTls();
            case QUIC -> {
                if (f.getAppProto().equals("quic")) {
                    b.clearTls();
                }
            }
            case SSH -> b.clearSsh();
        }
        return b.build();
    }

    private static boolean has(Flow f, MessageKind kind) {
        return switch (kind) {
            case DNS -> f.hasDns();
            case HTTP -> f.hasHttp();
            case TLS -> f.hasTls();
            // A QUIC hello fills the TLS field too; the capture has TLS over TCP as well.
            case QUIC -> f.hasTls() && f.getAppProto().equals("quic");
            case SSH -> f.hasSsh();
        };
    }

    @ParameterizedTest(name = "{0} off, on {1}")
    @CsvSource({"DNS, demo", "HTTP, demo", "TLS, demo", "SSH, zeek-ssh-sshguess.pcap", "QUIC, sv-ja4-tls-quic.pcap"})
    void aParserLeftOutReadsNothingButItsFlowsAreStillNamedAndTheOthersFindTheSame(MessageKind off, String name)
            throws Exception {
        Path capture = capture(name);
        Run all = run(capture, EnumSet.allOf(MessageKind.class));
        Set<MessageKind> rest = EnumSet.complementOf(EnumSet.of(off));
        Run without = run(capture, rest);

        assertTrue(all.inspector().events(off) > 0, "the capture has " + off + " messages");
        assertEquals(0, without.inspector().events(off), off + " messages with its parser off");
        for (MessageKind k : rest) {
            assertEquals(all.inspector().events(k), without.inspector().events(k), k + " messages");
        }
        String named = off.label();
        long namedFlows = all.flows().stream().filter(f -> f.getAppProto().equals(named)).count();
        assertTrue(namedFlows > 0, "flows named " + named);
        assertEquals(all.flows().size(), without.flows().size());
        int lost = 0;
        for (int i = 0; i < all.flows().size(); i++) {
            Flow a = all.flows().get(i);
            Flow w = without.flows().get(i);
            // Named as before, and the same record once the parser's field is taken away.
            assertEquals(a.getAppProto(), w.getAppProto(), "flow " + i);
            assertEquals(without(a, off), without(w, off), "flow " + i);
            assertFalse(has(w, off), "flow " + i + " has a field of " + off);
            if (has(a, off)) {
                lost++;
            }
        }
        assertTrue(lost > 0, "some record had a field of " + off);
    }

    /**
     * A flow table whose packets and records go through {@code inspector}, its records into
     * {@code flows}; {@code seen} is told of each packet first.
     */
    private static FlowTable inspectedBy(Inspector inspector, List<Flow> flows,
                                         java.util.function.BiConsumer<Boolean, IpLayer> seen) {
        return new FlowTable(FlowTableConfig.defaults(), flows::add, "n", List.of("eth0"), 0)
                .observe(new FlowObserver() {
                    @Override
                    public boolean onPacket(int slot, long flowId, boolean fromInitiator, IpLayer layer,
                                            ByteBuffer frame, long nowNanos) {
                        seen.accept(fromInitiator, layer);
                        return inspector.onPacket(slot, flowId, fromInitiator, layer, frame, nowNanos);
                    }

                    @Override
                    public void onRecord(int slot, Flow.Builder record, boolean last) {
                        inspector.onRecord(slot, record, last);
                    }
                });
    }

    @Test
    void noParserAtAllStillNamesEveryProtocolTheDemoSpeaks() throws Exception {
        Run none = run(capture("demo"), Set.of());
        assertEquals(0, none.inspector().events());
        Set<String> named = new java.util.TreeSet<>();
        none.flows().forEach(f -> named.add(f.getAppProto()));
        assertEquals(Set.of("", "dns", "http", "tls"), named);
        assertTrue(none.flows().stream().noneMatch(f -> f.hasDns() || f.hasHttp() || f.hasTls() || f.hasSsh()));
    }

    @Test
    void rulesOnTheFieldsOfAParserLeftOutAreNamedAsUnableToFire() {
        var rules = Signatures.bundled().current();
        assertEquals(List.of(), InspectionConfig.defaults().rulesThatCannotFire(rules));
        List<String> httpOff = InspectionConfig.defaults()
                .withParsers(EnumSet.complementOf(EnumSet.of(MessageKind.HTTP))).rulesThatCannotFire(rules);
        long httpRules = rules.rules().stream().filter(r -> r.group().isHttp()).count();
        assertTrue(httpRules > 10, "the bundled rules read http fields: " + httpRules);
        assertEquals(List.of(httpRules + " rules read http fields, but inspection.parsers leaves http out: they "
                + "cannot fire"), httpOff);
        // TLS fields come from TLS over TCP and from QUIC: one of the two parsers is enough.
        assertEquals(List.of(), InspectionConfig.defaults()
                .withParsers(EnumSet.complementOf(EnumSet.of(MessageKind.TLS))).rulesThatCannotFire(rules));
    }

    /** A TCP segment with {@code data} from {@code src:sport}, as a frame. */
    private static byte[] segment(byte[] src, int sport, byte[] dst, int dport, int flags, int seq, byte[] data) {
        byte[] tcp = Frames.tcp(sport, dport, flags, seq, data.length);
        System.arraycopy(data, 0, tcp, 20, data.length);
        return Frames.ethernet(0x0800, Frames.ipv4Packet(src, dst, 6, tcp));
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void withoutTheHttpParserAPeerWaitingForHttpToNameItIsNamedAndLetGo() {
        // An odd, short first line on port 80 waits for the peer: HTTP would make it a request.
        // With the HTTP parser off, the server's status line names it HTTP and ends it, so its
        // later segments are not handed to inspection any more.
        Inspector inspector = new Inspector(InspectionConfig.defaults().withParsers(
                EnumSet.complementOf(EnumSet.of(MessageKind.HTTP))), Signatures.none(), InspectionSink.NONE);
        int[] clientCalls = new int[1];
        List<Flow> flows = new ArrayList<>();
        FlowTable table = inspectedBy(inspector, flows, (fromInitiator, layer) -> {
            if (fromInitiator && layer.payloadLength > 0) {
                clientCalls[0]++;
            }
        });
        PacketDecoder decoder = new PacketDecoder();
        byte[] c = Frames.ipv4(10, 0, 0, 1);
        byte[] s = Frames.ipv4(10, 0, 0, 2);
        long[] t = {1_700_000_000_000_000_000L};
        java.util.function.Consumer<byte[]> send = f -> table.update(decoder.decode(ByteBuffer.wrap(f),
                io.netwatch.agent.capture.LinkType.ETHERNET), ByteBuffer.wrap(f), t[0] += 1000, f.length, 0);
        send.accept(segment(c, 40000, s, 80, 0x02, 100, new byte[0]));
        send.accept(segment(s, 80, c, 40000, 0x12, 500, new byte[0]));
        send.accept(segment(c, 40000, s, 80, 0x10, 101, new byte[0]));
        send.accept(segment(c, 40000, s, 80, 0x18, 101, text("XY\r\n")));
        send.accept(segment(s, 80, c, 40000, 0x18, 501, text("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")));
        int before = clientCalls[0];
        for (int i = 0; i < 5; i++) {
            send.accept(segment(c, 40000, s, 80, 0x18, 105 + 10 * i, text("0123456789")));
        }
        assertEquals(1, clientCalls[0] - before, "the client's segments after the status line: only the first is looked at");
        table.flushAll(io.netwatch.proto.flow.v1.FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
        assertEquals("http", flows.getFirst().getAppProto());
        assertFalse(flows.getFirst().hasHttp());
    }

    @Test
    void withoutTheTlsParserRawByteRulesReadTheStreamToTheirDepth(@TempDir Path dir) throws Exception {
        // Where the hello ends is the TLS parser's to know: without it, a rule on raw bytes still
        // sees the segments after the first (here the hello's second half).
        Path rules = dir.resolve("needle.rules");
        Files.writeString(rules, "alert tcp any any -> any any (msg:\"needle\"; content:\"needle-in-hello\"; sid:1;)\n");
        Signatures signatures = Signatures.load(List.of(rules), false, RuleVariables.defaults(),
                Signatures.DEFAULT_PAYLOAD_DEPTH);
        for (Set<MessageKind> parsers : List.of(EnumSet.allOf(MessageKind.class),
                EnumSet.complementOf(EnumSet.of(MessageKind.TLS)))) {
            List<InspectionEvent> events = new ArrayList<>();
            Pipeline pipeline = Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(),
                    DetectionConfig.defaults(), InspectionConfig.defaults().withParsers(parsers), signatures,
                    f -> { }, AnomalySink.NONE, events::add);
            byte[] c = Frames.ipv4(10, 0, 0, 1);
            byte[] s = Frames.ipv4(10, 0, 0, 2);
            long t = 1_700_000_000_000_000_000L;
            // A record header announcing a 600-byte handshake message, split over two segments.
            byte[] first = new byte[300];
            byte[] head = {0x16, 0x03, 0x01, 0x02, 0x58, 0x01, 0x00, 0x02, 0x54, 0x03, 0x03};
            System.arraycopy(head, 0, first, 0, head.length);
            byte[] second = new byte[305];
            System.arraycopy(text("needle-in-hello"), 0, second, 100, 15);
            for (byte[] f : List.of(segment(c, 40000, s, 443, 0x02, 100, new byte[0]),
                    segment(s, 443, c, 40000, 0x12, 500, new byte[0]),
                    segment(c, 40000, s, 443, 0x10, 101, new byte[0]),
                    segment(c, 40000, s, 443, 0x18, 101, first),
                    segment(c, 40000, s, 443, 0x18, 401, second))) {
                pipeline.onPacket(ByteBuffer.wrap(f), io.netwatch.agent.capture.LinkType.ETHERNET, t += 1000,
                        f.length, 0);
            }
            pipeline.finish();
            assertEquals(1, events.stream().filter(e -> e instanceof InspectionEvent.Alert).count(),
                    "parsers " + parsers);
        }
    }

    @Test
    void aDetectorSinkThatReadsQueriesOnlyGetsNoResponseYetTheRecordsHaveTheAnswers() throws Exception {
        List<List<Boolean>> seen = new ArrayList<>();
        for (boolean responsesToo : new boolean[] {true, false}) {
            List<Boolean> responses = new ArrayList<>();
            InspectionSink detectors = new InspectionSink() {
                @Override
                public void onEvent(InspectionEvent event) {
                    if (event instanceof InspectionEvent.Dns d) {
                        responses.add(d.message().response());
                    }
                }

                @Override
                public boolean takesDnsResponses() {
                    return responsesToo;
                }
            };
            Inspector inspector = new Inspector(InspectionConfig.defaults(), Signatures.none(), InspectionSink.NONE,
                    detectors);
            List<Flow> flows = new ArrayList<>();
            FlowTable table = inspectedBy(inspector, flows, (fromInitiator, layer) -> { });
            try (PcapFileSource source = PcapFileSource.open(REPO.resolve("samples/demo.pcap"))) {
                source.run(new Pipeline(table, null));
            }
            table.flushAll(io.netwatch.proto.flow.v1.FlowEndReason.FLOW_END_REASON_END_OF_CAPTURE);
            seen.add(responses);
            assertTrue(flows.stream().anyMatch(f -> f.hasDns() && f.getDns().getResponse()
                    && f.getDns().getAnswersCount() > 0), "the records keep the responses' answers");
        }
        assertTrue(seen.get(0).contains(true) && seen.get(0).contains(false), "both kinds: " + seen.get(0));
        assertEquals(seen.get(0).stream().filter(r -> !r).count(), seen.get(1).size(), "the same queries");
        assertFalse(seen.get(1).contains(true), "no response event was made: " + seen.get(1));
    }
}
