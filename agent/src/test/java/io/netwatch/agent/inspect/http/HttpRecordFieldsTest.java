package io.netwatch.agent.inspect.http;

import static io.netwatch.agent.Frames.ethernet;
import static io.netwatch.agent.Frames.ipv4;
import static io.netwatch.agent.Frames.ipv4Packet;
import static io.netwatch.agent.Frames.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.HTTP;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An HTTP flow's records carry its first request's fields and its first response's status and
 * content type, built as they come (the messages are not kept): a record made between the two
 * must not stay in the later ones, and later messages change nothing.
 */
class HttpRecordFieldsTest {
    private static final long SECOND = 1_000_000_000L;
    private final List<Flow> flows = new ArrayList<>();
    private final Pipeline pipeline = Pipeline.create("n", List.of("eth0"),
            new FlowTableConfig(FlowTableConfig.DEFAULT_MAX_FLOWS, Duration.ofSeconds(30), Duration.ofMinutes(5),
                    Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(1)),
            DetectionConfig.defaults(), InspectionConfig.defaults(), Signatures.bundled(), flows::add, a -> { },
            e -> { });
    private final byte[] client = ipv4(10, 0, 0, 1);
    private final byte[] server = ipv4(10, 0, 0, 2);
    private long t = 1_700_000_000_000_000_000L;
    private int clientSeq = 101;
    private int serverSeq = 501;

    private void segment(boolean fromClient, int flags, String text) {
        byte[] payload = text.getBytes(StandardCharsets.ISO_8859_1);
        byte[] tcp = fromClient ? tcp(40000, 80, flags, clientSeq, payload.length)
                : tcp(80, 40000, flags, serverSeq, payload.length);
        System.arraycopy(payload, 0, tcp, 20, payload.length);
        byte[] f = ethernet(0x0800, fromClient ? ipv4Packet(client, server, 6, tcp) : ipv4Packet(server, client, 6, tcp));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
        if (fromClient) {
            clientSeq += payload.length + ((flags & 0x01) != 0 ? 1 : 0);
        } else {
            serverSeq += payload.length + ((flags & 0x01) != 0 ? 1 : 0);
        }
    }

    private List<HTTP> summaries() {
        return flows.stream().filter(Flow::hasHttp).map(Flow::getHttp).toList();
    }

    @Test
    void theFirstResponseJoinsTheFirstRequestAfterAnInterimRecord() {
        for (byte[] f : List.of(
                ethernet(0x0800, ipv4Packet(client, server, 6, tcp(40000, 80, 0x02, 100, 0))),
                ethernet(0x0800, ipv4Packet(server, client, 6, tcp(80, 40000, 0x12, 500, 0))),
                ethernet(0x0800, ipv4Packet(client, server, 6, tcp(40000, 80, 0x10, 101, 0))))) {
            pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
        }
        segment(true, 0x18, "GET /a HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: curl/8.5.0\r\n\r\n");
        t += 3 * SECOND / 2;
        segment(false, 0x10, "");
        List<HTTP> interim = summaries();
        assertEquals(1, interim.size(), "one interim record: " + flows);
        HTTP before = interim.getFirst();
        assertEquals(HTTP.newBuilder().setMethod("GET").setUri("/a").setHost("shop.example")
                .setUserAgent("curl/8.5.0").setVersion("HTTP/1.1").build(), before);

        segment(false, 0x18, "HTTP/1.0 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n");
        // A second exchange on the keep-alive connection changes nothing in the record.
        segment(true, 0x18, "POST /b HTTP/1.1\r\nHost: other.example\r\nContent-Length: 0\r\n\r\n");
        segment(false, 0x18, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n");
        segment(true, 0x11, "");
        segment(false, 0x11, "");
        pipeline.finish();

        assertEquals(2, summaries().size(), "the interim record and the final one: " + flows);
        assertEquals(before.toBuilder().setStatus(404).setContentType("text/html").build(), summaries().getLast(),
                "the request's version, the first response's status and type");
    }
}
