package io.netwatch.agent.inspect;

import static io.netwatch.agent.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.anomaly.v1.Anomaly;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Messages reported per flow are bounded ({@link FlowInspection#MAX_DNS_MESSAGES_PER_FLOW}): a
 * tunnel carries thousands over one socket. The bound is on what is reported, never on what
 * the detectors see: a DNS tunnel from one socket (iodine's way) must stay visible past it.
 */
class DnsMessagesPerFlowTest {
    private final List<Anomaly> anomalies = new ArrayList<>();
    private final List<InspectionEvent> events = new ArrayList<>();
    private final Pipeline pipeline = Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(),
            DetectionConfig.defaults(), InspectionConfig.defaults(), f -> { }, anomalies::add, events::add);
    private long t = 1_700_000_000_000_000_000L;
    private final Random random = new Random(3);

    private static final byte[] CLIENT = ipv4(10, 0, 0, 1);
    private static final byte[] RESOLVER = ipv4(10, 96, 0, 10);

    private void query(int id, String name) {
        message(id, name, false);
    }

    /** A query from the client's one socket, or the resolver's answer to it (no records). */
    private void message(int id, String name, boolean response) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) (id >> 8), (byte) id, (byte) (response ? 0x81 : 0x01), (byte) (response ? 0x80 : 0),
            0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            b.write(label.length());
            b.writeBytes(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        b.writeBytes(new byte[] {0, 0, 1, 0, 1});
        byte[] payload = b.toByteArray();
        byte[] udp = response ? udp(53, 40000, payload.length) : udp(40000, 53, payload.length);
        System.arraycopy(payload, 0, udp, 8, payload.length);
        byte[] f = ethernet(0x0800, response ? ipv4Packet(RESOLVER, CLIENT, 17, udp) : ipv4Packet(CLIENT, RESOLVER, 17, udp));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1_000_000, f.length, 0);
    }

    private String encoded(int length) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            s.append("abcdefghijklmnopqrstuvwxyz234567".charAt(random.nextInt(32)));
        }
        return s.toString();
    }

    @Test
    void aTunnelFromOneSocketIsSeenPastTheMessagesReportedPerFlow() {
        // Ordinary lookups first, from the same socket, past the bound: the detectors were fed
        // only the messages reported, and the tunnel after them was never seen, nor counted.
        message(0, "www.example.com", false);
        message(0, "www.example.com", true);
        for (int i = 1; i < FlowInspection.MAX_DNS_MESSAGES_PER_FLOW - 1; i++) {
            query(i, "www.example.com");
        }
        assertEquals(List.of(), anomalies);
        for (int i = 0; i < 8; i++) {
            query(20_000 + i, encoded(50) + ".t.lab.test");
        }
        assertEquals(List.of("dns_tunnel"), anomalies.stream().map(Anomaly::getAnomalyType).toList());
        long reported = events.stream().filter(e -> e instanceof InspectionEvent.Dns).count();
        assertEquals(FlowInspection.MAX_DNS_MESSAGES_PER_FLOW, reported, "what is reported stays bounded");
        assertEquals(FlowInspection.MAX_DNS_MESSAGES_PER_FLOW + 8, pipeline.inspector().events(MessageKind.DNS),
                "every message is counted");
    }
}
