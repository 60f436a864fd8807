package io.netwatch.agent.inspect;

import static io.netwatch.agent.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * HTTP messages reported per flow are bounded ({@link FlowInspection#MAX_HTTP_MESSAGES_PER_FLOW}):
 * a keep-alive connection carries many. The rest are counted, as DNS messages past their bound
 * are: {@code netwatch_inspect_messages_total{protocol="http"}} then agrees with the requests
 * and responses counted by method and status class.
 */
class HttpMessagesPerFlowTest {
    private final List<InspectionEvent> events = new ArrayList<>();
    private final Pipeline pipeline = Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(),
            DetectionConfig.defaults(), InspectionConfig.defaults(), f -> { }, AnomalySink.NONE, events::add);
    private long t = 1_700_000_000_000_000_000L;
    private static final byte[] CLIENT = ipv4(10, 0, 0, 1);
    private static final byte[] SERVER = ipv4(10, 0, 0, 2);

    private void segment(byte[] src, int sport, byte[] dst, int dport, int flags, int seq, String data) {
        byte[] payload = data.getBytes(StandardCharsets.ISO_8859_1);
        byte[] tcp = tcp(sport, dport, flags, seq, payload.length);
        System.arraycopy(payload, 0, tcp, 20, payload.length);
        byte[] f = ethernet(0x0800, ipv4Packet(src, dst, 6, tcp));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }

    @Test
    void requestsPastTheMessagesReportedPerFlowAreCounted() {
        segment(CLIENT, 40000, SERVER, 80, 0x02, 100, "");
        segment(SERVER, 80, CLIENT, 40000, 0x12, 500, "");
        String request = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
        int past = FlowInspection.MAX_HTTP_MESSAGES_PER_FLOW + 5;
        int seq = 101;
        StringBuilder batch = new StringBuilder();
        for (int n = 0; n < past; n++) {
            batch.append(request);
            if (batch.length() > 1400 || n == past - 1) {
                segment(CLIENT, 40000, SERVER, 80, 0x18, seq, batch.toString());
                seq += batch.length();
                batch.setLength(0);
            }
        }
        pipeline.finish();
        long reported = events.stream().filter(e -> e instanceof InspectionEvent.Http).count();
        assertEquals(FlowInspection.MAX_HTTP_MESSAGES_PER_FLOW, reported, "what is reported stays bounded");
        assertEquals(past, pipeline.inspector().events(MessageKind.HTTP), "every message is counted");
    }
}
