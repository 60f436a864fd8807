package io.netwatch.agent.inspect;

import static io.netwatch.agent.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.flow.FlowSink;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.dns.DnsQueryType;
import io.netwatch.agent.inspect.dns.DnsResponseCode;
import io.netwatch.agent.inspect.http.HttpMethod;
import io.netwatch.agent.inspect.http.HttpStatusClass;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.inspect.tls.TlsVersionClass;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the inspected messages said, counted in bounded groups (DNS queries by type, responses
 * by code, HTTP requests by method, responses by status class, ServerHellos by version), as
 * the agent runs: nobody takes the messages, so they are parsed and counted, not built.
 */
class MessageContentCountsTest {
    private final Pipeline pipeline = Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(),
            DetectionConfig.defaults(), InspectionConfig.defaults(), Signatures.bundled(), FlowSink.NONE,
            AnomalySink.NONE, InspectionSink.NONE);
    private long t = 1_700_000_000_000_000_000L;

    private static final byte[] CLIENT = ipv4(10, 0, 0, 1);
    private static final byte[] SERVER = ipv4(10, 0, 0, 2);

    private void datagram(byte[] src, int sport, byte[] dst, int dport, byte[] payload) {
        byte[] udp = udp(sport, dport, payload.length);
        System.arraycopy(payload, 0, udp, 8, payload.length);
        byte[] f = ethernet(0x0800, ipv4Packet(src, dst, 17, udp));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }

    private void segment(byte[] src, int sport, byte[] dst, int dport, int flags, int seq, byte[] payload) {
        byte[] tcp = tcp(sport, dport, flags, seq, payload.length);
        System.arraycopy(payload, 0, tcp, 20, payload.length);
        byte[] f = ethernet(0x0800, ipv4Packet(src, dst, 6, tcp));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }

    private void handshake(int cport, int sport) {
        segment(CLIENT, cport, SERVER, sport, 0x02, 100, new byte[0]);
        segment(SERVER, sport, CLIENT, cport, 0x12, 500, new byte[0]);
        segment(CLIENT, cport, SERVER, sport, 0x10, 101, new byte[0]);
    }

    /**
     * A DNS message: one question for {@code name} of {@code qtype} (none when {@code name} is
     * null), and for a response with {@code extendedRcodeHigh} above zero an OPT record holding
     * those upper 8 bits of the RCODE.
     */
    private static byte[] dns(int id, boolean response, int rcode, String name, int qtype, int extendedRcodeHigh) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) (id >> 8), (byte) id, (byte) (response ? 0x81 : 0x01),
            (byte) (response ? 0x80 | rcode : 0), 0, (byte) (name == null ? 0 : 1), 0, 0, 0, 0, 0,
            (byte) (extendedRcodeHigh > 0 ? 1 : 0)});
        if (name != null) {
            for (String label : name.split("\\.")) {
                b.write(label.length());
                b.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
            }
            b.writeBytes(new byte[] {0, (byte) (qtype >> 8), (byte) qtype, 0, 1});
        }
        if (extendedRcodeHigh > 0) {
            // OPT: root owner, type 41, class = UDP size 4096, TTL = extended RCODE, version 0, flags 0.
            b.writeBytes(new byte[] {0, 0, 41, 0x10, 0, (byte) extendedRcodeHigh, 0, 0, 0, 0, 0});
        }
        return b.toByteArray();
    }

    private void query(int sport, String name, int qtype) {
        datagram(CLIENT, sport, SERVER, 53, dns(sport, false, 0, name, qtype, 0));
    }

    private void answer(int dport, int rcode, int extendedRcodeHigh) {
        datagram(SERVER, 53, CLIENT, dport, dns(dport, true, rcode, "www.example.com", 1, extendedRcodeHigh));
    }

    @Test
    void dnsQueriesAreCountedByTypeAndResponsesByCode() {
        query(40000, "www.example.com", 1);
        query(40001, "www.example.com", 28);
        query(40002, "x.t.lab.test", 16);
        query(40003, "x.t.lab.test", 10);
        query(40004, "example.com", 255);
        query(40005, "_http._tcp.example.com", 33);
        query(40006, "example.com", 99); // SPF: not one of the named types
        query(40007, null, 0); // no question at all
        answer(40000, 0, 0);
        answer(40001, 3, 0);
        answer(40002, 3, 0);
        answer(40003, 2, 0);
        answer(40004, 5, 0);
        answer(40005, 1, 0);
        answer(40006, 4, 0);
        // BADVERS (16): the header's 4 bits read 0, the OPT record holds the rest; not a NOERROR.
        answer(40007, 0, 1);
        pipeline.finish();
        Inspector i = pipeline.inspector();
        assertEquals(16, i.events(MessageKind.DNS));
        for (DnsQueryType type : DnsQueryType.values()) {
            long expected = switch (type) {
                case A, AAAA, TXT, NULL, ANY, SRV -> 1;
                case OTHER -> 2;
                default -> 0;
            };
            assertEquals(expected, i.dnsQueries(type), type.label());
        }
        for (DnsResponseCode code : DnsResponseCode.values()) {
            long expected = switch (code) {
                case NXDOMAIN -> 2;
                default -> 1;
            };
            assertEquals(expected, i.dnsResponses(code), code.label());
        }
    }

    @Test
    void dnsResponsesPastTheMessagesAFlowReportsAreCounted() {
        // One socket's flow, as a search path storm or a DGA from one resolver socket makes it.
        int past = FlowInspection.MAX_DNS_MESSAGES_PER_FLOW + 5;
        for (int n = 0; n < past; n++) {
            datagram(CLIENT, 40000, SERVER, 53, dns(n, false, 0, "h" + n + ".example.com", 1, 0));
            datagram(SERVER, 53, CLIENT, 40000, dns(n, true, 3, "h" + n + ".example.com", 1, 0));
        }
        pipeline.finish();
        Inspector i = pipeline.inspector();
        assertEquals(past, i.dnsQueries(DnsQueryType.A));
        assertEquals(past, i.dnsResponses(DnsResponseCode.NXDOMAIN));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void httpRequestsAreCountedByMethodAndResponsesByStatusClass() {
        handshake(40000, 80);
        String requests = "GET / HTTP/1.1\r\nHost: h\r\n\r\n"
                + "POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nab"
                + "PROPFIND /d HTTP/1.1\r\nHost: h\r\n\r\n"
                + "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n"
                + "get / HTTP/1.1\r\nHost: h\r\n\r\n"
                + "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n";
        String responses = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                + "HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
                + "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"
                + "HTTP/1.1 301 Moved Permanently\r\nContent-Length: 0\r\n\r\n"
                + "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"
                + "HTTP/1.1 699 Nothing Defines It\r\nContent-Length: 0\r\n\r\n";
        segment(CLIENT, 40000, SERVER, 80, 0x18, 101, ascii(requests));
        segment(SERVER, 80, CLIENT, 40000, 0x18, 501, ascii(responses));
        segment(CLIENT, 40000, SERVER, 80, 0x11, 101 + requests.length(), new byte[0]);
        segment(SERVER, 80, CLIENT, 40000, 0x11, 501 + responses.length(), new byte[0]);
        pipeline.finish();
        Inspector i = pipeline.inspector();
        assertEquals(13, i.events(MessageKind.HTTP));
        for (HttpMethod method : HttpMethod.values()) {
            long expected = switch (method) {
                case GET, POST, HEAD, OPTIONS -> 1;
                case OTHER -> 2; // PROPFIND, and get: methods are case-sensitive
                default -> 0;
            };
            assertEquals(expected, i.httpRequests(method), method.label());
        }
        for (HttpStatusClass status : HttpStatusClass.values()) {
            long expected = switch (status) {
                case SUCCESSFUL -> 2;
                default -> 1;
            };
            assertEquals(expected, i.httpResponses(status), status.label());
        }
    }

    @Test
    void httpRequestsPastTheMessagesAFlowReportsAreCounted() {
        handshake(40000, 80);
        String request = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
        int past = FlowInspection.MAX_HTTP_MESSAGES_PER_FLOW + 5;
        int seq = 101;
        StringBuilder batch = new StringBuilder();
        for (int n = 0; n < past; n++) {
            batch.append(request);
            if (batch.length() > 1400 || n == past - 1) {
                segment(CLIENT, 40000, SERVER, 80, 0x18, seq, ascii(batch.toString()));
                seq += batch.length();
                batch.setLength(0);
            }
        }
        pipeline.finish();
        assertEquals(past, pipeline.inspector().httpRequests(HttpMethod.GET));
    }

    /** A ServerHello in a handshake record: {@code legacyVersion}, and a supported_versions extension when {@code selected} >= 0. */
    private static byte[] serverHello(int legacyVersion, int selected, boolean helloRetryRequest) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {(byte) (legacyVersion >> 8), (byte) legacyVersion});
        byte[] random = new byte[32];
        if (helloRetryRequest) {
            random = java.util.HexFormat.of().parseHex("CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C");
        } else {
            java.util.Arrays.fill(random, (byte) 0x42);
        }
        body.writeBytes(random);
        body.writeBytes(new byte[] {0, 0x13, 0x01, 0}); // no session id, TLS_AES_128_GCM_SHA256, no compression
        if (selected >= 0) {
            body.writeBytes(new byte[] {0, 6, 0, 0x2b, 0, 2, (byte) (selected >> 8), (byte) selected});
        } else {
            body.writeBytes(new byte[] {0, 0});
        }
        byte[] b = body.toByteArray();
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        int length = b.length + 4;
        record.writeBytes(new byte[] {0x16, 0x03, 0x03, (byte) (length >> 8), (byte) length, 2, 0,
            (byte) (b.length >> 8), (byte) b.length});
        record.writeBytes(b);
        return record.toByteArray();
    }

    private void tlsServer(int cport, byte[] hello) {
        handshake(cport, 443);
        segment(SERVER, 443, CLIENT, cport, 0x18, 501, hello);
    }

    @Test
    void serverHellosAreCountedByTheVersionTheySelect() {
        tlsServer(40000, serverHello(0x0303, 0x0304, false));
        tlsServer(40001, serverHello(0x0303, -1, false));
        tlsServer(40002, serverHello(0x0303, -1, false));
        tlsServer(40003, serverHello(0x0301, -1, false));
        tlsServer(40004, serverHello(0x0300, -1, false));
        tlsServer(40005, serverHello(0x0303, 0x7f1c, false)); // TLS 1.3 draft 28
        // A HelloRetryRequest selects nothing for good: the ServerHello after it is counted.
        tlsServer(40006, serverHello(0x0303, 0x0304, true));
        pipeline.finish();
        Inspector i = pipeline.inspector();
        assertEquals(7, i.events(MessageKind.TLS));
        for (TlsVersionClass version : TlsVersionClass.values()) {
            long expected = switch (version) {
                case TLS_1_2 -> 2;
                case TLS_1_1 -> 0;
                default -> 1;
            };
            assertEquals(expected, i.serverHellos(MessageKind.TLS, version), version.label());
            assertEquals(0, i.serverHellos(MessageKind.QUIC, version), version.label());
        }
    }
}
