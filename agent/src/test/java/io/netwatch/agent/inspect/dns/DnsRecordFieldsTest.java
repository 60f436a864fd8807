package io.netwatch.agent.inspect.dns;

import static io.netwatch.agent.Frames.ethernet;
import static io.netwatch.agent.Frames.ipv4;
import static io.netwatch.agent.Frames.ipv4Packet;
import static io.netwatch.agent.Frames.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.flow.v1.DNS;
import io.netwatch.proto.flow.v1.Flow;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A DNS flow's records carry its summary: the first query until a response comes, then the
 * first response for good. The summary is built once per change, so an interim record made
 * before the response must not leave its query behind in the later records.
 */
class DnsRecordFieldsTest {
    private static final long SECOND = 1_000_000_000L;
    private final List<Flow> flows = new ArrayList<>();
    /** Interim records every second of a flow's activity. */
    private final Pipeline pipeline = Pipeline.create("n", List.of("eth0"),
            new FlowTableConfig(FlowTableConfig.DEFAULT_MAX_FLOWS, Duration.ofSeconds(30), Duration.ofMinutes(5),
                    Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(1)),
            DetectionConfig.defaults(), InspectionConfig.defaults(), Signatures.bundled(), flows::add, a -> { },
            e -> { });
    private final byte[] client = ipv4(10, 0, 0, 1);
    private final byte[] resolver = ipv4(10, 0, 0, 53);
    private long t = 1_700_000_000_000_000_000L;

    private void datagram(boolean fromClient, byte[] message) {
        byte[] u = udp(fromClient ? 40000 : 53, fromClient ? 53 : 40000, message.length);
        System.arraycopy(message, 0, u, 8, message.length);
        byte[] f = ethernet(0x0800, fromClient ? ipv4Packet(client, resolver, 17, u) : ipv4Packet(resolver, client, 17, u));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t, f.length, 0);
    }

    private static byte[] response(int id, String name, int... lastOctets) {
        Messages m = Messages.header(id, 0x8180, 1, lastOctets.length, 0, 0).question(name, 1, 1);
        for (int octet : lastOctets) {
            m.pointer(12).recordAfterOwner(1, 1, 300, new byte[] {(byte) 192, 0, 2, (byte) octet});
        }
        return m.bytes();
    }

    private List<DNS> summaries() {
        return flows.stream().filter(Flow::hasDns).map(Flow::getDns).toList();
    }

    @Test
    void theResponseReplacesTheQueryInRecordsAfterAnInterimOne() {
        datagram(true, Messages.query(7, "api.example.org", 1));
        // The stub resolver retries after 1.5 s: past the active timeout, so the flow reports.
        t += 3 * SECOND / 2;
        datagram(true, Messages.query(7, "api.example.org", 1));
        List<DNS> interim = summaries();
        assertEquals(1, interim.size(), "one interim record after the active timeout: " + flows);
        assertFalse(interim.getFirst().getResponse());
        assertEquals("api.example.org", interim.getFirst().getQuery());
        assertEquals(0, interim.getFirst().getAnswersCount());

        t += SECOND / 10;
        datagram(false, response(7, "api.example.org", 10, 11));
        // A later query on the same ports (glibc asks for A and AAAA from one socket) does not
        // replace the response.
        t += SECOND / 10;
        datagram(true, Messages.query(8, "api.example.org", 28));
        pipeline.finish();

        DNS last = summaries().getLast();
        assertEquals(2, summaries().size(), "the interim record and the final one: " + flows);
        assertTrue(last.getResponse(), "the last record keeps the response: " + last);
        assertEquals(7, last.getId());
        assertEquals("api.example.org", last.getQuery());
        assertEquals(List.of("192.0.2.10", "192.0.2.11"), last.getAnswersList().stream().map(a -> a.getData()).toList());
        assertEquals(List.of("api.example.org", "api.example.org"),
                last.getAnswersList().stream().map(a -> a.getName()).toList());
    }

    @Test
    void aFlowOfQueriesOnlyKeepsItsFirstQuery() {
        datagram(true, Messages.query(1, "first.example.org", 1));
        t += SECOND / 10;
        datagram(true, Messages.query(2, "second.example.org", 1));
        pipeline.finish();
        DNS last = summaries().getLast();
        assertFalse(last.getResponse());
        assertEquals(1, last.getId());
        assertEquals("first.example.org", last.getQuery());
    }
}
