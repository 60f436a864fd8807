package io.netwatch.agent.inspect;

import static io.netwatch.agent.Frames.*;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.decode.IpLayer;
import io.netwatch.agent.decode.PacketDecoder;
import io.netwatch.agent.inspect.signature.RuleVariables;
import io.netwatch.agent.inspect.signature.Signatures;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A DNS flow over UDP carries no direction state unless a payload rule reads its datagrams. */
class DnsFlowStateTest {
    private final PacketDecoder decoder = new PacketDecoder();

    private IpLayer datagram(int sport, int dport) {
        byte[] f = ethernet(0x0800, ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 53), 17, udp(sport, dport, 12)));
        return decoder.decode(ByteBuffer.wrap(f), LinkType.ETHERNET).outer();
    }

    private static FlowInspection flow(Inspector inspector, IpLayer first) {
        return new FlowInspection(inspector, 1, false, true, first);
    }

    @Test
    void aDnsFlowIsReadWithoutDirectionsFromItsFirstDatagram(@TempDir Path dir) throws Exception {
        Inspector bundled = new Inspector(InspectionConfig.defaults(), Signatures.bundled(), InspectionSink.NONE);
        assertTrue(flow(bundled, datagram(40000, 53)).readsDnsWithoutDirections(), "no bundled rule reads UDP payload");
        assertTrue(flow(bundled, datagram(53, 40000)).readsDnsWithoutDirections(), "the resolver's side first");
        assertFalse(flow(bundled, datagram(40000, 5353)).readsDnsWithoutDirections(), "not the DNS port");

        Inspector noDns = new Inspector(InspectionConfig.defaults().withParsers(
                EnumSet.complementOf(EnumSet.of(MessageKind.DNS))), Signatures.bundled(), InspectionSink.NONE);
        assertFalse(flow(noDns, datagram(40000, 53)).readsDnsWithoutDirections(), "the DNS parser is off");

        Path rules = dir.resolve("udp.rules");
        Files.writeString(rules, "alert udp any any -> any 53 (msg:\"payload\"; content:\"xyz\"; sid:1;)\n");
        Signatures udpRule = Signatures.load(List.of(rules), false, RuleVariables.defaults(),
                Signatures.DEFAULT_PAYLOAD_DEPTH);
        Inspector withRule = new Inspector(InspectionConfig.defaults(), udpRule, InspectionSink.NONE);
        assertFalse(flow(withRule, datagram(40000, 53)).readsDnsWithoutDirections(),
                "a payload rule reads the datagrams through the directions");
    }
}
