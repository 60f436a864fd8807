package io.netwatch.agent.inspect.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netwatch.agent.inspect.RecordFieldsConversation;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.HTTP;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An HTTP flow's records carry its first request's fields and its first response's status and
 * content type, built as they come (the messages are not kept): a record made between the two
 * must not stay in the later ones, and later messages change nothing.
 */
class HttpRecordFieldsTest {
    private static final long SECOND = RecordFieldsConversation.SECOND;
    private final RecordFieldsConversation http = new RecordFieldsConversation(40000, 80);

    private void segment(boolean fromClient, int flags, String text) {
        http.segment(fromClient, flags, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private List<HTTP> summaries() {
        return http.flows.stream().filter(Flow::hasHttp).map(Flow::getHttp).toList();
    }

    @Test
    void theFirstResponseJoinsTheFirstRequestAfterAnInterimRecord() {
        http.handshake();
        segment(true, 0x18, "GET /a HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: curl/8.5.0\r\n\r\n");
        http.pass(3 * SECOND / 2);
        segment(false, 0x10, "");
        List<HTTP> interim = summaries();
        assertEquals(1, interim.size(), "one interim record: " + http.flows);
        HTTP before = interim.getFirst();
        assertEquals(HTTP.newBuilder().setMethod("GET").setUri("/a").setHost("shop.example")
                .setUserAgent("curl/8.5.0").setVersion("HTTP/1.1").build(), before);

        segment(false, 0x18, "HTTP/1.0 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n");
        // A second exchange on the keep-alive connection changes nothing in the record.
        segment(true, 0x18, "POST /b HTTP/1.1\r\nHost: other.example\r\nContent-Length: 0\r\n\r\n");
        segment(false, 0x18, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n");
        segment(true, 0x11, "");
        segment(false, 0x11, "");
        http.finish();

        assertEquals(2, summaries().size(), "the interim record and the final one: " + http.flows);
        assertEquals(before.toBuilder().setStatus(404).setContentType("text/html").build(), summaries().getLast(),
                "the request's version, the first response's status and type");
    }
}
