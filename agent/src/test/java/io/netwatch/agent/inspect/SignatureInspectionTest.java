package io.netwatch.agent.inspect;

import static io.netwatch.agent.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.LinkType;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.flow.FlowTableConfig;
import io.netwatch.agent.inspect.signature.RuleVariables;
import io.netwatch.agent.inspect.signature.RulesConfig;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.score.DetectionConfig;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Flow;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signature rules inside the pipeline: on stream bytes, datagrams and parsed messages. */
class SignatureInspectionTest {
    @TempDir
    Path dir;
    private final List<Flow> flows = new ArrayList<>();
    private final List<InspectionEvent> events = new ArrayList<>();
    private final List<Anomaly> anomalies = new ArrayList<>();
    private Pipeline pipeline;
    private long t = 1_700_000_000_000_000_000L;

    private Signatures rules(String text) throws Exception {
        return rules(text, RuleVariables.defaults());
    }

    /** The rules as the agent loads them from its configuration, with these variables. */
    private Signatures rules(String text, RuleVariables vars) throws Exception {
        Path f = dir.resolve("test.rules");
        Files.writeString(f, text);
        Signatures s = new RulesConfig(List.of(f), false, Duration.ZERO, Signatures.DEFAULT_PAYLOAD_DEPTH, vars).load();
        assertEquals(List.of(), s.lastLoad().errors());
        pipeline = Pipeline.create("n", List.of("eth0"), FlowTableConfig.defaults(), DetectionConfig.defaults(),
                InspectionConfig.defaults(), s, flows::add, anomalies::add, events::add);
        return s;
    }

    private void segment(byte[] src, int sport, byte[] dst, int dport, int flags, int seq, String data) {
        byte[] payload = data.getBytes(StandardCharsets.ISO_8859_1);
        byte[] tcp = tcp(sport, dport, flags, seq, payload.length);
        System.arraycopy(payload, 0, tcp, 20, payload.length);
        byte[] f = ethernet(0x0800, ipv4Packet(src, dst, 6, tcp));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }

    private void datagram(byte[] src, int sport, byte[] dst, int dport, String data) {
        byte[] payload = data.getBytes(StandardCharsets.ISO_8859_1);
        byte[] udp = udp(sport, dport, payload.length);
        System.arraycopy(payload, 0, udp, 8, payload.length);
        byte[] f = ethernet(0x0800, ipv4Packet(src, dst, 17, udp));
        pipeline.onPacket(ByteBuffer.wrap(f), LinkType.ETHERNET, t += 1000, f.length, 0);
    }

    private void handshake(byte[] c, int cport, byte[] s, int sport) {
        segment(c, cport, s, sport, 0x02, 100, "");
        segment(s, sport, c, cport, 0x12, 500, "");
        segment(c, cport, s, sport, 0x10, 101, "");
    }

    private List<InspectionEvent.Alert> alerts() {
        return events.stream().filter(e -> e instanceof InspectionEvent.Alert).map(e -> (InspectionEvent.Alert) e).toList();
    }

    private final byte[] client = ipv4(10, 0, 0, 1);
    private final byte[] server = ipv4(10, 0, 0, 2);

    @Test
    void aRequestAfterALargeSkippedBodyIsStillParsedAndMatched() throws Exception {
        // Bodies past the payload depth are passed over unread: the keep-alive request after a
        // large download must still be parsed, and its URI matched.
        rules("alert http any any -> any any (msg:\"jndi in uri\"; flow:to_server; http.uri; content:\"${jndi:\"; sid:9; rev:1;)");
        handshake(client, 40001, server, 80);
        segment(client, 40001, server, 80, 0x18, 101, "GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
        String head = "HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n";
        segment(server, 80, client, 40001, 0x18, 501, head);
        int seq = 501 + head.length();
        for (int sent = 0; sent < 200_000; sent += 1000) {
            segment(server, 80, client, 40001, 0x10, seq, "b".repeat(1000));
            seq += 1000;
        }
        segment(server, 80, client, 40001, 0x18, seq, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        int clientSeq = 101 + "GET /big HTTP/1.1\r\nHost: h\r\n\r\n".length();
        segment(client, 40001, server, 80, 0x18, clientSeq, "GET /${jndi:ldap://x/a} HTTP/1.1\r\nHost: h\r\n\r\n");
        pipeline.finish();
        assertEquals(List.of(9), alerts().stream().map(a -> a.rule().sid()).toList());
        List<String> statuses = events.stream().filter(e -> e instanceof InspectionEvent.Http h && h.response() != null)
                .map(e -> Integer.toString(((InspectionEvent.Http) e).response().status())).toList();
        assertEquals(List.of("200", "404"), statuses, "the response after the skipped body is read");
    }

    @Test
    void aPatternSplitAcrossSegmentsOutOfOrderFiresOnceAndLandsInTheFlowRecord() throws Exception {
        rules("alert tcp any any -> any 9000 (msg:\"magic\"; flow:to_server; content:\"MAGIC-WORD\"; classtype:trojan-activity; sid:7; rev:2;)");
        handshake(client, 40000, server, 9000);
        // "xx MAGIC-" and "WORD yy" with the second segment first; then the word again.
        segment(client, 40000, server, 9000, 0x18, 110, "WORD yy MAGIC-WORD");
        segment(client, 40000, server, 9000, 0x18, 101, "xx MAGIC-");
        pipeline.finish();
        List<InspectionEvent.Alert> a = alerts();
        assertEquals(1, a.size(), "once per flow: " + a);
        assertEquals(7, a.getFirst().rule().sid());
        assertEquals("pkt_data", a.getFirst().buffer());
        assertEquals("10.0.0.1", a.getFirst().endpoints().srcIp());
        assertEquals(9000, a.getFirst().endpoints().dstPort());
        assertEquals(1, flows.getFirst().getAlertsCount());
        assertEquals(7, flows.getFirst().getAlerts(0).getSid());
        assertEquals("high", flows.getFirst().getAlerts(0).getSeverity());
        assertEquals(1, anomalies.size());
        assertEquals("signature", anomalies.getFirst().getAnomalyType());
        assertEquals("T1059", anomalies.getFirst().getAttackTechnique());
    }

    /** The sids that fire on a request for /admin from {@code from} to {@code to}:80. */
    private List<Integer> adminRequest(RuleVariables vars, byte[] from, byte[] to) throws Exception {
        events.clear();
        rules("alert tcp $EXTERNAL_NET any -> $HOME_NET $HTTP_PORTS (msg:\"admin from outside\"; flow:to_server; "
                + "content:\"GET /admin\"; sid:30;)", vars);
        handshake(from, 40002, to, 80);
        segment(from, 40002, to, 80, 0x18, 101, "GET /admin HTTP/1.1\r\nHost: h\r\n\r\n");
        pipeline.finish();
        return alerts().stream().map(a -> a.rule().sid()).toList();
    }

    @Test
    void homeNetIsTheConfiguredOneAndExternalNetFollowsIt() throws Exception {
        // Pods in the shared address space (100.64.0.0/10), outside Suricata's default HOME_NET.
        byte[] pod = ipv4(100, 64, 1, 2);
        byte[] outside = ipv4(198, 51, 100, 7);
        assertEquals(List.of(), adminRequest(RuleVariables.defaults(), outside, pod), "the pod is not home by default");
        RuleVariables cgnat = RuleVariables.defaults().with(
                Map.of("HOME_NET", "[10.0.0.0/8,100.64.0.0/10]"), Map.of());
        assertEquals(List.of(30), adminRequest(cgnat, outside, pod));
        // EXTERNAL_NET is !$HOME_NET: another pod is not outside any more.
        assertEquals(List.of(), adminRequest(cgnat, ipv4(100, 64, 9, 9), pod));
        // Port groups too: the server listens on 8080 only once HTTP_PORTS says so.
        RuleVariables otherPort = cgnat.with(Map.of(), Map.of("HTTP_PORTS", "[8080]"));
        assertEquals(List.of(), adminRequest(otherPort, outside, pod));
    }

    @Test
    void aLaterContentInALaterSegmentCompletesTheRule() throws Exception {
        rules("alert tcp any any -> any any (msg:\"two\"; content:\"first-part\"; content:\"second\"; distance:0; sid:8;)");
        handshake(client, 40001, server, 9001);
        segment(client, 40001, server, 9001, 0x18, 101, "...first-part...");
        assertTrue(alerts().isEmpty());
        segment(client, 40001, server, 9001, 0x18, 117, "...second");
        assertEquals(1, alerts().size());
    }

    @Test
    void directionAndPortsInTheHeaderAreHonoured() throws Exception {
        rules("""
                alert tcp any any -> any any (msg:"to client only"; flow:to_client; content:"hello"; sid:1;)
                alert tcp any 9002 -> any any (msg:"from the server port"; content:"hello"; sid:2;)
                alert tcp any any -> any 80 (msg:"wrong port"; content:"hello"; sid:3;)
                alert tcp any any <> 10.0.0.1 any (msg:"either way"; content:"hello"; sid:4;)
                """);
        handshake(client, 40002, server, 9002);
        segment(client, 40002, server, 9002, 0x18, 101, "hello server");
        assertEquals(List.of(4), alerts().stream().map(a -> a.rule().sid()).toList());
        segment(server, 9002, client, 40002, 0x18, 501, "hello client");
        assertEquals(List.of(4, 1, 2), alerts().stream().map(a -> a.rule().sid()).toList());
    }

    @Test
    void payloadBeyondTheDepthIsNotMatched() throws Exception {
        rules("alert tcp any any -> any any (msg:\"late\"; content:\"LATE\"; sid:9;)");
        handshake(client, 40003, server, 9003);
        String filler = "z".repeat(Signatures.DEFAULT_PAYLOAD_DEPTH);
        segment(client, 40003, server, 9003, 0x18, 101, filler);
        segment(client, 40003, server, 9003, 0x18, 101 + filler.length(), "LATE");
        pipeline.finish();
        assertTrue(alerts().isEmpty());
    }

    @Test
    void anApplicationRuleMatchesOnlyFlowsOfThatProtocol() throws Exception {
        rules("alert http any any -> any any (msg:\"http payload\"; content:\"secret-token\"; sid:10;)");
        handshake(client, 40004, server, 8080);
        segment(client, 40004, server, 8080, 0x18, 101, "GET /?secret-token HTTP/1.1\r\nHost: a\r\n\r\n");
        handshake(client, 40005, server, 8081);
        segment(client, 40005, server, 8081, 0x18, 101, "\u0001\u0002 binary secret-token and more bytes");
        pipeline.finish();
        assertEquals(List.of(40004), alerts().stream().map(a -> a.endpoints().srcPort()).toList());
        assertEquals("http", alerts().getFirst().appProto());
    }

    @Test
    void httpBuffersAreParsedFieldsNotRawBytes() throws Exception {
        rules("""
                alert http any any -> any any (msg:"decoded uri"; http.uri; content:"/etc/passwd"; sid:11;)
                alert http any any -> any any (msg:"raw uri"; http.uri.raw; content:"%2Fetc"; sid:12;)
                alert http any any -> any any (msg:"host lower-cased"; http.host; content:"shop.example"; sid:13;)
                alert http any any -> any any (msg:"method exact"; http.method; content:"GET"; startswith; endswith; sid:14;)
                alert http any any -> any any (msg:"ua"; http.user_agent; content:"sqlmap"; sid:15;)
                alert http any any -> any any (msg:"404 to a scanner"; http.user_agent; content:"sqlmap"; http.stat_code; content:"404"; sid:16;)
                """);
        handshake(client, 40006, server, 80);
        segment(client, 40006, server, 80, 0x18, 101,
                "GET /x?f=..%2Fetc%2Fpasswd HTTP/1.1\r\nHost: SHOP.Example\r\nUser-Agent: sqlmap/1.7\r\n\r\n");
        assertEquals(List.of(11, 12, 13, 14, 15), alerts().stream().map(a -> a.rule().sid()).sorted().toList());
        segment(server, 80, client, 40006, 0x18, 501, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        // Its fast pattern is the longer "sqlmap": found again in the response's request, then the status checked.
        assertEquals(16, alerts().getLast().rule().sid());
        assertEquals(6, alerts().size());
    }

    @Test
    void httpHostIsTheHostNameWithoutItsPortAsLibhtpNormalizesIt() throws Exception {
        // Suricata's http.host is libhtp's request hostname: lower-cased, without the port and
        // the trailing dots; http.host.raw keeps the header as sent.
        rules("""
                alert http any any -> any any (msg:"host ends"; http.host; content:"shop.example"; endswith; sid:51;)
                alert http any any -> any any (msg:"raw host"; http.host.raw; content:"SHOP.Example.:8080"; endswith; sid:52;)
                """);
        handshake(client, 40031, server, 8080);
        segment(client, 40031, server, 8080, 0x18, 101, "GET / HTTP/1.1\r\nHost: SHOP.Example.:8080\r\n\r\n");
        assertEquals(List.of(51, 52), alerts().stream().map(a -> a.rule().sid()).sorted().toList());
    }

    @Test
    void aProxysAbsoluteTargetIsMatchedAsItsPathAndNamesTheHost() throws Exception {
        // Suricata's http.uri is libhtp's normalized URI, without the scheme and authority of a
        // proxy's absolute-form target; http.host takes the target's host before the Host
        // header. The request's record keeps the target as sent, as tshark does.
        rules("""
                alert http any any -> any any (msg:"path"; http.uri; content:"/x?f=../etc/passwd"; startswith; endswith; sid:71;)
                alert http any any -> any any (msg:"authority in uri"; http.uri; content:"proxy.example"; nocase; sid:72;)
                alert http any any -> any any (msg:"raw"; http.uri.raw; content:"http://Proxy.Example:8080/x?f=..%2F"; startswith; sid:73;)
                alert http any any -> any any (msg:"uri host"; http.host; content:"proxy.example"; startswith; endswith; sid:74;)
                alert http any any -> any any (msg:"header host"; http.host; content:"other.example"; sid:75;)
                alert http any any -> any any (msg:"raw uri host"; http.host.raw; content:"proxy.example"; startswith; endswith; sid:76;)
                """);
        handshake(client, 40040, server, 3128);
        String target = "http://Proxy.Example:8080/x?f=..%2Fetc%2Fpasswd";
        segment(client, 40040, server, 3128, 0x18, 101, "GET " + target + " HTTP/1.1\r\nHost: other.example\r\n\r\n");
        assertEquals(List.of(71, 73, 74, 76), alerts().stream().map(a -> a.rule().sid()).sorted().toList());
        List<String> uris = events.stream().filter(e -> e instanceof InspectionEvent.Http)
                .map(e -> ((InspectionEvent.Http) e).request().uri()).toList();
        assertEquals(List.of(target), uris);
    }

    @Test
    void aConnectsAuthorityIsItsHostAndNoUri() throws Exception {
        // libhtp reads a CONNECT's target as host and port: no path for http.uri to hold, and the
        // host for http.host even without a Host header. OPTIONS * has the path "*".
        rules("""
                alert http any any -> any any (msg:"port in uri"; http.method; content:"CONNECT"; http.uri; content:"443"; sid:81;)
                alert http any any -> any any (msg:"raw target"; http.uri.raw; content:"Tunnel.Example:443"; startswith; endswith; sid:82;)
                alert http any any -> any any (msg:"tunnel host"; http.host; content:"tunnel.example"; startswith; endswith; sid:83;)
                alert http any any -> any any (msg:"asterisk"; http.uri; content:"*"; startswith; endswith; sid:84;)
                """);
        handshake(client, 40041, server, 3128);
        segment(client, 40041, server, 3128, 0x18, 101, "CONNECT Tunnel.Example:443 HTTP/1.1\r\n\r\n");
        handshake(client, 40042, server, 80);
        segment(client, 40042, server, 80, 0x18, 101, "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
        assertEquals(List.of(82, 83, 84), alerts().stream().map(a -> a.rule().sid()).sorted().toList());
    }

    @Test
    void httpContentTypeIsTheRequestsOrTheResponsesByDirection() throws Exception {
        // Suricata's http.content_type is the Content-Type of requests and of responses: flow
        // picks one, and without it both are looked at. A rule for responses never fired.
        rules("""
                alert http any any -> any any (msg:"script served"; flow:to_client; http.content_type; content:"javascript"; sid:61;)
                alert http any any -> any any (msg:"form posted"; flow:to_server; http.content_type; content:"form"; sid:62;)
                alert http any any -> any any (msg:"json either way"; http.content_type; content:"json"; sid:63;)
                """);
        handshake(client, 40050, server, 80);
        segment(client, 40050, server, 80, 0x18, 101, "POST /f HTTP/1.1\r\nHost: h\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n\r\n");
        segment(server, 80, client, 40050, 0x18, 501, "HTTP/1.1 200 OK\r\nContent-Type: text/javascript\r\n"
                + "Content-Length: 0\r\n\r\n");
        // The other way round: each rule's direction is the wrong one.
        handshake(client, 40051, server, 80);
        segment(client, 40051, server, 80, 0x18, 101, "POST /f HTTP/1.1\r\nHost: h\r\n"
                + "Content-Type: text/javascript\r\nContent-Length: 0\r\n\r\n");
        segment(server, 80, client, 40051, 0x18, 501, "HTTP/1.1 200 OK\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n\r\n");
        // Only the response has a JSON body.
        handshake(client, 40052, server, 80);
        segment(client, 40052, server, 80, 0x18, 101, "GET /api HTTP/1.1\r\nHost: h\r\n\r\n");
        segment(server, 80, client, 40052, 0x18, 501, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + "Content-Length: 0\r\n\r\n");
        assertEquals(List.of("62@40050", "61@40050", "63@40052"), alerts().stream()
                .map(a -> a.rule().sid() + "@" + Math.max(a.endpoints().srcPort(), a.endpoints().dstPort())).toList());
    }

    @Test
    void httpHostLowerCasesAsciiLettersOnlyAsLibhtpDoes() throws Exception {
        // libhtp lower-cases the host name byte by byte in the C locale: a UTF-8 name keeps its
        // bytes, so a content written as text ("caf\u00e9", C3 A9) finds it. Lower-casing the
        // bytes as Latin-1 characters turned C3 into E3.
        rules("alert http any any -> any any (msg:\"utf-8 host\"; http.host; content:\"caf\u00e9.example\"; sid:56;)");
        handshake(client, 40035, server, 80);
        String host = new String("Caf\u00e9.Example".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        segment(client, 40035, server, 80, 0x18, 101, "GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        assertEquals(List.of(56), alerts().stream().map(a -> a.rule().sid()).toList());
    }

    @Test
    void aContentOnAnAbsentHeaderDoesNotMatchEvenNegated() throws Exception {
        // Suricata inspects no buffer that is not there: a negated content on a missing header
        // does not match (Suricata 8 asks for "absent: or_else" to match there).
        rules("alert http any any -> any any (msg:\"not curl\"; http.uri; content:\"/login\"; "
                + "http.user_agent; content:!\"curl\"; sid:53;)");
        handshake(client, 40032, server, 80);
        segment(client, 40032, server, 80, 0x18, 101, "GET /login HTTP/1.1\r\nHost: h\r\n\r\n");
        assertEquals(List.of(), alerts(), "no User-Agent: nothing to inspect");
        handshake(client, 40033, server, 80);
        segment(client, 40033, server, 80, 0x18, 101, "GET /login HTTP/1.1\r\nHost: h\r\nUser-Agent: Mozilla\r\n\r\n");
        assertEquals(List.of(40033), alerts().stream().map(a -> a.endpoints().srcPort()).toList());
    }

    @Test
    void aRuleFiresOncePerFlowHoweverManyOthersFiredBefore() throws Exception {
        // 70 rules on the same URI, and two requests on one connection: each fires on the first
        // only (the flow used to remember 64 and fire the rest again on every request).
        StringBuilder text = new StringBuilder();
        for (int sid = 1; sid <= 70; sid++) {
            text.append("alert http any any -> any any (msg:\"r").append(sid).append("\"; http.uri; content:\"/x\"; sid:")
                    .append(sid).append(";)\n");
        }
        rules(text.toString());
        handshake(client, 40034, server, 80);
        String request = "GET /x HTTP/1.1\r\nHost: h\r\n\r\n";
        segment(client, 40034, server, 80, 0x18, 101, request);
        segment(server, 80, client, 40034, 0x18, 501, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        segment(client, 40034, server, 80, 0x18, 101 + request.length(), request);
        assertEquals(70, alerts().size());
        assertEquals(70, alerts().stream().map(a -> a.rule().sid()).distinct().count());
    }

    @Test
    void dnsQueryLooksAtRequestsOnlyAsSuricatasDoes() throws Exception {
        // Suricata: "dns.query will only match on DNS request messages" (dns.query.name, of
        // Suricata 8, looks at responses too).
        rules("""
                alert dns any any -> any any (msg:"to client"; flow:to_client; dns.query; content:"t.example"; sid:54;)
                alert dns any any -> any any (msg:"any way"; dns.query; content:"r.example"; sid:55;)
                """);
        datagram(client, 40300, server, 53, dns(0x0100, "a.t.example"));
        datagram(server, 53, client, 40300, dns(0x8180, "a.t.example"));
        // A response whose query was not seen.
        datagram(server, 53, client, 40301, dns(0x8180, "a.r.example"));
        assertEquals(List.of(), alerts());
    }

    @Test
    void aRuleOnRequestBuffersIsCheckedOnTheRequestNotAgainOnItsResponse() throws Exception {
        // Written for the server's side as source: the request goes the other way, so it must not
        // fire, and the response (whose packets do come from the server) must not fire it either.
        rules("alert http 10.0.0.2 any -> any any (msg:\"uri from the server side\"; http.uri; content:\"/x\"; sid:17;)");
        handshake(client, 40007, server, 80);
        segment(client, 40007, server, 80, 0x18, 101, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
        segment(server, 80, client, 40007, 0x18, 501, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertTrue(alerts().isEmpty(), "the request went from 10.0.0.1: " + alerts());
    }

    @Test
    void aDnsRuleFiresOncePerFlowThoughItsQueryAndResponseBothNameIt() throws Exception {
        rules("alert dns any any -> any any (msg:\"tunnel domain\"; dns.query; content:\"t.example\"; endswith; sid:21;)");
        datagram(client, 40100, server, 53, dns(0x0100, "a1.t.example"));
        datagram(server, 53, client, 40100, dns(0x8180, "a1.t.example"));
        datagram(client, 40100, server, 53, dns(0x0100, "b2.t.example"));
        assertEquals(1, alerts().size(), "once per flow: " + alerts());
        pipeline.finish();
        assertEquals(List.of(21), flows.stream().flatMap(f -> f.getAlertsList().stream()).map(a -> a.getSid()).toList());
    }

    @Test
    void aPayloadRuleOnTheDnsPortStillSeesEveryDatagramOfTheFlow() throws Exception {
        // A DNS flow whose datagrams no payload rule reads is parsed without its direction
        // state after the first message; with such a rule, the later datagrams must still be read.
        rules("alert udp any any -> any 53 (msg:\"marker in dns\"; content:\"zz-marker\"; sid:22;)");
        datagram(client, 40200, server, 53, dns(0x0100, "a.example"));
        datagram(server, 53, client, 40200, dns(0x8180, "a.example"));
        datagram(client, 40200, server, 53, dns(0x0100, "zz-marker.example"));
        assertEquals(List.of(22), alerts().stream().map(a -> a.rule().sid()).toList());
    }

    /** A DNS message with one question (type A) for {@code name}, as Latin-1 text. */
    private static String dns(int flags, String name) {
        StringBuilder m = new StringBuilder();
        m.append((char) 0).append((char) 7).append((char) (flags >>> 8)).append((char) (flags & 0xFF));
        m.append((char) 0).append((char) 1).append("\0\0\0\0\0\0");
        for (String label : name.split("\\.")) {
            m.append((char) label.length()).append(label);
        }
        return m.append((char) 0).append((char) 0).append((char) 1).append((char) 0).append((char) 1).toString();
    }

    @Test
    void datagramsAreMatchedOneByOne() throws Exception {
        rules("alert udp any any -> any 9999 (msg:\"udp\"; content:\"ping\"; depth:4; sid:20;)");
        datagram(client, 5000, server, 9999, "xxping");
        assertTrue(alerts().isEmpty(), "depth 4 on each datagram");
        datagram(client, 5000, server, 9999, "ping");
        assertEquals(1, alerts().size());
    }

    @Test
    void dnsAndTlsRulesMatchTheDemoCapture() throws Exception {
        rules("""
                alert dns any any -> any any (msg:"query"; dns.query; content:"nosuchhost.demo"; sid:30;)
                alert tls any any -> any any (msg:"sni"; tls.sni; content:"api.demo.netwatch.test"; startswith; endswith; sid:31;)
                alert tls any any -> any any (msg:"ja4 prefix"; ja4.hash; content:"t13d"; startswith; sid:32;)
                """);
        Path demo = Path.of(System.getProperty("netwatch.repo.root", "..")).resolve("samples/demo.pcap");
        try (PcapFileSource source = PcapFileSource.open(demo)) {
            source.run(pipeline);
        }
        pipeline.finish();
        List<InspectionEvent.Alert> a = alerts();
        assertTrue(a.stream().anyMatch(x -> x.rule().sid() == 30 && x.buffer().equals("dns.query")), a.toString());
        assertEquals(1, a.stream().filter(x -> x.rule().sid() == 31).count(), a.toString());
        assertTrue(a.stream().anyMatch(x -> x.rule().sid() == 32), a.toString());
        assertTrue(a.stream().filter(x -> x.rule().sid() == 31).allMatch(x -> x.endpoints().dstPort() == 443));
    }

    @Test
    void tlsStreamsAreMatchedUpToTheEndOfTheirHandshakeNotInTheCiphertext() throws Exception {
        rules("""
                alert tcp any any -> any 443 (msg:"client hello record"; flow:to_server; content:"|16 03 01|"; startswith; sid:40;)
                alert tcp any any -> any 443 (msg:"application data record"; flow:to_server; content:"|17 03 03|"; sid:41;)
                """);
        Path demo = Path.of(System.getProperty("netwatch.repo.root", "..")).resolve("samples/demo.pcap");
        try (PcapFileSource source = PcapFileSource.open(demo)) {
            source.run(pipeline);
        }
        pipeline.finish();
        List<Integer> sids = alerts().stream().map(a -> a.rule().sid()).toList();
        assertTrue(sids.contains(40), sids.toString());
        assertFalse(sids.contains(41), "ciphertext after the ClientHello is not matched: " + sids);
    }

    @Test
    void ciphertextInTheSegmentOfTheServerHelloIsNotMatched() throws Exception {
        // A TLS 1.3 server's first flight in one segment: ServerHello, the compatibility
        // ChangeCipherSpec, then an application-data record whose bytes happen to spell a
        // shell banner. The hello is matched; the record after it is ciphertext.
        rules("""
                alert tcp any 443 -> any any (msg:"server hello"; content:"|02 00 00 2e 03 03|"; sid:43;)
                alert tcp any 443 -> any any (msg:"id as root"; content:"uid=0(root) gid=0(root)"; sid:44;)
                """);
        String hello = hex("160303003202 00002e 0303") + "\u0011".repeat(32) + hex("00 1301 00 0006 002b00020304");
        String ccs = hex("140303000101");
        String banner = "uid=0(root) gid=0(root)";
        String data = hex("170303") + (char) 0 + (char) banner.length() + banner;
        handshake(client, 40002, server, 443);
        segment(server, 443, client, 40002, 0x18, 501, hello + ccs + data);
        pipeline.finish();
        List<Integer> sids = alerts().stream().map(a -> a.rule().sid()).toList();
        assertEquals(List.of(43), sids, "the hello is matched, the application data after it is not");
        assertEquals("tls", flows.getFirst().getAppProto());
    }

    @Test
    void theSameBytesOnAStreamThatIsNotTlsAreMatched() throws Exception {
        rules("alert tcp any 4444 -> any any (msg:\"id as root\"; content:\"uid=0(root) gid=0(root)\"; sid:44;)");
        handshake(client, 40003, server, 4444);
        segment(server, 4444, client, 40003, 0x18, 501, "$ id\nuid=0(root) gid=0(root) groups=0(root)\n");
        pipeline.finish();
        assertEquals(List.of(44), alerts().stream().map(a -> a.rule().sid()).toList());
    }

    /** Hex digits (spaces ignored) as one char per byte. */
    private static String hex(String digits) {
        String d = digits.replace(" ", "");
        StringBuilder b = new StringBuilder(d.length() / 2);
        for (int i = 0; i < d.length(); i += 2) {
            b.append((char) Integer.parseInt(d.substring(i, i + 2), 16));
        }
        return b.toString();
    }
    /**
     * A FIN that overtakes the last bytes before it: the hole it leaves is filled when they
     * come, as the receiver fills it, and the rules read them.
     */
    @Test
    void bytesBeforeAFinThatOvertookThemAreMatched() throws Exception {
        rules("alert tcp any any -> any 9000 (msg:\"magic\"; flow:to_server; content:\"MAGIC-WORD\"; sid:7;)");
        handshake(client, 40000, server, 9000);
        segment(client, 40000, server, 9000, 0x18, 101, "hello");
        segment(client, 40000, server, 9000, 0x19, 111, "-WORD");
        segment(client, 40000, server, 9000, 0x18, 106, "MAGIC");
        pipeline.finish();
        assertEquals(1, alerts().size());
    }
}
