package io.netwatch.agent;

import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.MessageKind;
import io.netwatch.agent.inspect.signature.Signatures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the agent says at start-up (and at each rule reload) when parsers are left out. */
class AgentParsersNoteTest {
    @Test
    void withEveryParserNothingIsSaid() {
        assertNull(AgentMain.parsersNote(InspectionConfig.defaults()));
        assertFalse(report(InspectionConfig.defaults()).contains("cannot fire"));
    }

    @Test
    void theParsersLeftOutAndWhatTheyCostAreNamed() {
        InspectionConfig tlsOnly = InspectionConfig.defaults().withParsers(EnumSet.of(MessageKind.TLS));
        assertEquals("parsing tls only (inspection.parsers): the others are named, not read; the DNS tunnel and DGA "
                + "detectors see no DNS messages, and the aggregator learns no name for an address from DNS answers; "
                + "brute-force detection sees no HTTP 401 answer", AgentMain.parsersNote(tlsOnly));
        assertEquals("parsing dns, http only (inspection.parsers): the others are named, not read",
                AgentMain.parsersNote(InspectionConfig.defaults().withParsers(EnumSet.of(MessageKind.HTTP,
                        MessageKind.DNS))));
        assertTrue(AgentMain.parsersNote(InspectionConfig.defaults().withParsers(Set.of()))
                .startsWith("parsing no protocol (inspection.parsers)"));
        String printed = report(tlsOnly);
        assertTrue(printed.contains("netwatch agent: ") && printed.contains(
                " rules read http fields, but inspection.parsers leaves http out: they cannot fire"), printed);
    }

    private static String report(InspectionConfig inspection) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AgentMain.report(Signatures.bundled().lastLoad(), inspection,
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
