package io.netwatch.agent.inspect;

import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.agent.Pipeline;
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
        long httpRules = rules.rules().stream().filter(r -> r.group() == Buffer.Group.HTTP_REQUEST
                || r.group() == Buffer.Group.HTTP_RESPONSE).count();
        assertTrue(httpRules > 10, "the bundled rules read http fields: " + httpRules);
        assertEquals(List.of(httpRules + " rules read http fields, but inspection.parsers leaves http out: they "
                + "cannot fire"), httpOff);
        // TLS fields come from TLS over TCP and from QUIC: one of the two parsers is enough.
        assertEquals(List.of(), InspectionConfig.defaults()
                .withParsers(EnumSet.complementOf(EnumSet.of(MessageKind.TLS))).rulesThatCannotFire(rules));
    }
}
