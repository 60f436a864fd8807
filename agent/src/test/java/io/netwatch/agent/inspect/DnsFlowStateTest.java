package io.netwatch.agent.inspect;

import static io.netwatch.agent.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

/**
 * A DNS flow over UDP carries no direction state unless a payload rule reads its datagrams,
 * and no parsed answers once its response is read.
 */
class DnsFlowStateTest {
    private final PacketDecoder decoder = new PacketDecoder();

    private IpLayer datagram(int sport, int dport) {
        byte[] f = ethernet(0x0800, ipv4Packet(ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 53), 17, udp(sport, dport, 12)));
        return decoder.decode(ByteBuffer.wrap(f), LinkType.ETHERNET).outer();
    }

    /** A datagram from {@code src:sport} to {@code dst:dport} carrying {@code message}. */
    private IpLayer datagram(byte[] src, int sport, byte[] dst, int dport, byte[] message, ByteBuffer[] frame) {
        byte[] l4 = udp(sport, dport, message.length);
        System.arraycopy(message, 0, l4, 8, message.length);
        frame[0] = ByteBuffer.wrap(ethernet(0x0800, ipv4Packet(src, dst, 17, l4)));
        return decoder.decode(frame[0], LinkType.ETHERNET).outer();
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

    @Test
    void aResponsesParsedAnswersGoAsSoonAsItIsRead() {
        // id 7, a response (0x8180), one question, two answers: www.example.org A 192.0.2.1, .2
        ByteBuffer m = ByteBuffer.allocate(12 + 21 + 2 * 16);
        m.putShort((short) 7).putShort((short) 0x8180).putShort((short) 1).putShort((short) 2).putInt(0);
        m.put(new byte[] {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0});
        m.putShort((short) 1).putShort((short) 1);
        for (int octet = 1; octet <= 2; octet++) {
            m.putShort((short) 0xC00C).putShort((short) 1).putShort((short) 1).putInt(300).putShort((short) 4);
            m.put(new byte[] {(byte) 192, 0, 2, (byte) octet});
        }
        byte[] client = ipv4(10, 0, 0, 1);
        byte[] resolver = ipv4(10, 0, 0, 53);
        ByteBuffer[] frame = new ByteBuffer[1];
        Inspector inspector = new Inspector(InspectionConfig.defaults(), Signatures.bundled(), InspectionSink.NONE);
        IpLayer response = datagram(resolver, 53, client, 40000, m.array(), frame);
        FlowInspection f = flow(inspector, response);
        f.packet(false, response, frame[0], 1_000_000L);
        // Nothing has asked for the flow's record yet: the field was built as the response was read.
        assertEquals(0, f.dnsAnswersHeld(), "the answers live on in the built record field only");
    }
}
