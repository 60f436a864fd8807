package io.netwatch.agent;

import static io.netwatch.agent.Frames.buffer;
import static io.netwatch.agent.Frames.ethernet;
import static io.netwatch.agent.Frames.ethernetIpv4TcpSeq;
import static io.netwatch.agent.Frames.ipv4;
import static io.netwatch.agent.Frames.ipv4Packet;
import static io.netwatch.agent.Frames.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Flow;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Floods that keep to one 5-tuple are one flow, decided once half a second after it starts:
 * whatever it sends later must still count toward its destination's rate, through the whole
 * pipeline, while long busy conversations that are answered never do.
 */
class LongFloodTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * SECOND;
    private static final byte[] ATTACKER = ipv4(10, 244, 3, 7);
    private static final byte[] VICTIM = ipv4(10, 244, 1, 20);

    private final List<Anomaly> raised = new ArrayList<>();
    private final List<Flow> flows = new ArrayList<>();
    private final Pipeline pipeline = Pipeline.create("node-a", List.of("eth0"), FlowTableConfig.defaults(),
            DetectionConfig.defaults(), flows::add, raised::add);

    private void packet(byte[] frame, long at) {
        pipeline.onPacket(buffer(frame), LinkType.ETHERNET, at, frame.length, 0);
    }

    /** Ends the capture 30 s after the traffic, then flushes the table. */
    private List<String> finish(long lastNanos) {
        packet(ethernet(0x0800, ipv4Packet(ipv4(192, 168, 50, 1), ipv4(192, 168, 50, 99), 17, udp(1, 2, 0))),
                lastNanos + 30 * SECOND);
        pipeline.finish();
        return raised.stream().map(Anomaly::getAnomalyType).toList();
    }

    @Test
    void aUdpFloodFromOneSourcePortAt200PerSecondIsAUdpFlood() {
        // 200 datagrams a second for 10 s, all 10.244.3.7:40000 -> 10.244.1.20:9999: one flow,
        // about 100 datagrams at its decision (S = 50 < 100), then 1,900 more that, before,
        // no detector counted.
        byte[] datagram = ethernet(0x0800, ipv4Packet(ATTACKER, VICTIM, 17, udp(40000, 9999, 64)));
        long at = T0;
        for (int i = 0; i < 2000; i++) {
            packet(datagram, at = T0 + i * (SECOND / 200));
        }
        assertEquals(List.of("udp_flood"), finish(at));
        Anomaly a = raised.getFirst();
        assertEquals("10.244.1.20", a.getDestination().getIp());
        assertEquals(9999, a.getDestination().getPort());
        assertEquals(List.of(flows.getFirst().getFlowId()), a.getEvidenceFlowIdsList(), "the one flow is the evidence");
        long start = com.google.protobuf.util.Timestamps.toNanos(a.getStart());
        long end = com.google.protobuf.util.Timestamps.toNanos(a.getEnd());
        assertTrue(end - start < 5 * SECOND, "raised within seconds of the flood's start, not at its end: "
                + (end - start) / 1e9 + " s");
    }

    /**
     * At 160 a second, 80 datagrams at the decision (S = 30), then the 80 of the next half
     * second: at that rate S passes h within about a second of the flood's start. Found in
     * review: the first repeat said its packets were sent since the sweep before the decision,
     * up to a second earlier, so it looked like 80 a second, under the rate floor, and was not
     * counted; the flood was raised a second later, and one that stopped by then never was.
     */
    @Test
    void aFloodJustOverTheRateFloorIsRaisedWithinASecondOfItsStart() {
        // Other traffic first: the table swept before the flood, up to a second before it.
        byte[] other = ethernet(0x0800, ipv4Packet(ipv4(10, 9, 9, 9), ipv4(10, 9, 9, 8), 17, udp(1, 2, 0)));
        for (int s = 10; s > 0; s--) {
            packet(other, T0 - s * SECOND + SECOND / 10);
        }
        byte[] datagram = ethernet(0x0800, ipv4Packet(ATTACKER, VICTIM, 17, udp(40000, 9999, 64)));
        long at = T0;
        for (int i = 0; at < T0 + 1200 * 1_000_000L; i++) { // 1.2 s
            packet(datagram, at = T0 + i * (SECOND / 160));
        }
        assertEquals(List.of("udp_flood"), raised.stream().map(Anomaly::getAnomalyType).toList(),
                "raised while the flood went on");
    }

    @Test
    void aSynFloodRepeatingOneSynAt200PerSecondIsASynFlood() {
        // The same SYN (same port, same sequence number) again and again: one flow that stays half-open.
        byte[] syn = ethernetIpv4TcpSeq(ATTACKER, 40000, VICTIM, 443, 0x02, 12345, 0);
        long at = T0;
        for (int i = 0; i < 2000; i++) {
            packet(syn, at = T0 + i * (SECOND / 200));
        }
        assertEquals(List.of("syn_flood"), finish(at));
        assertEquals(443, raised.getFirst().getDestination().getPort());
    }

    @Test
    void aBusyDatabaseConnectionAndABulkTransferAreNoFloods() {
        byte[] client = ipv4(10, 244, 2, 5);
        byte[] db = ipv4(10, 244, 1, 30);
        // A handshake, then 300 requests a second each answered, for a minute.
        packet(ethernetIpv4TcpSeq(client, 41000, db, 5432, 0x02, 1000, 0), T0);
        packet(ethernetIpv4TcpSeq(db, 5432, client, 41000, 0x12, 5000, 0), T0 + 100_000);
        packet(ethernetIpv4TcpSeq(client, 41000, db, 5432, 0x10, 1001, 0), T0 + 200_000);
        // A bulk upload on another connection: 1,000 segments a second, an ACK back for every other.
        packet(ethernetIpv4TcpSeq(client, 42000, db, 9000, 0x02, 7000, 0), T0);
        packet(ethernetIpv4TcpSeq(db, 9000, client, 42000, 0x12, 9000, 0), T0 + 100_000);
        packet(ethernetIpv4TcpSeq(client, 42000, db, 9000, 0x10, 7001, 0), T0 + 200_000);
        long at = T0;
        for (int i = 0; i < 60_000; i++) {
            at = T0 + SECOND / 1000 + i * (SECOND / 1000);
            packet(ethernetIpv4TcpSeq(client, 42000, db, 9000, 0x10, 7001 + i * 1400, 1400), at);
            if (i % 2 == 1) {
                packet(ethernetIpv4TcpSeq(db, 9000, client, 42000, 0x10, 9001, 0), at + 10_000);
            }
            if (i % 10 < 3) {
                packet(ethernetIpv4TcpSeq(client, 41000, db, 5432, 0x18, 1001 + i, 100), at);
                packet(ethernetIpv4TcpSeq(db, 5432, client, 41000, 0x18, 5001 + i, 300), at + 200_000);
            }
        }
        // And a UDP exchange at 300 a second each way, on one 5-tuple.
        for (int i = 0; i < 18_000; i++) {
            long t = T0 + i * (SECOND / 300);
            packet(ethernet(0x0800, ipv4Packet(client, db, 17, udp(43000, 7000, 40))), t);
            packet(ethernet(0x0800, ipv4Packet(db, client, 17, udp(7000, 43000, 40))), t + 100_000);
        }
        assertEquals(List.of(), finish(at));
    }

    /**
     * Found in review: StatsD, a tracing agent's UDP port, syslog or flow export send one way
     * on one socket, which nothing tells from a flood on the wire. Repeats counted whatever the
     * flow's rate made such a stream above k = 50 a second a `udp_flood` within seconds, where
     * before it was one only from 300 a second. A repeat counts only at a rate that alone
     * passes h within an interval (k + h = 150 a second by default): what the single-flow
     * floods this closed (150 to 299 a second) send.
     */
    @Test
    void aOneWayStreamUnderWhatAloneWouldRaiseTheAlarmIsNoFlood() {
        byte[] datagram = ethernet(0x0800, ipv4Packet(ATTACKER, VICTIM, 17, udp(40000, 8125, 120)));
        long at = T0;
        for (int i = 0; i < 120 * 60; i++) {
            packet(datagram, at = T0 + i * (SECOND / 120));
        }
        assertEquals(List.of(), finish(at), "120 StatsD datagrams a second for a minute");
    }

    @Test
    void aOneWayStreamWithinTheAllowanceIsNoFlood() {
        // 40 unanswered datagrams a second (syslog, say) for two minutes: under k = 50 a second.
        byte[] datagram = ethernet(0x0800, ipv4Packet(ATTACKER, VICTIM, 17, udp(40000, 514, 200)));
        long at = T0;
        for (int i = 0; i < 4800; i++) {
            packet(datagram, at = T0 + i * (SECOND / 40));
        }
        assertEquals(List.of(), finish(at));
    }
}
