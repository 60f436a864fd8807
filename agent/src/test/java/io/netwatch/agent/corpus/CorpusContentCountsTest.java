package io.netwatch.agent.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netwatch.agent.Pipeline;
import io.netwatch.agent.capture.CaptureException;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.flow.FlowSink;
import io.netwatch.agent.inspect.InspectionConfig;
import io.netwatch.agent.inspect.InspectionSink;
import io.netwatch.agent.inspect.Inspector;
import io.netwatch.agent.inspect.MessageKind;
import io.netwatch.agent.inspect.dns.DnsQueryType;
import io.netwatch.agent.inspect.dns.DnsResponseCode;
import io.netwatch.agent.inspect.http.HttpMethod;
import io.netwatch.agent.inspect.http.HttpStatusClass;
import io.netwatch.agent.inspect.signature.Signatures;
import io.netwatch.agent.inspect.tls.TlsVersionClass;
import io.netwatch.agent.score.AnomalySink;
import io.netwatch.agent.score.DetectionConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The external oracle for the counts of what messages said: every capture of the shared corpus
 * through the pipeline as the agent runs it (nobody takes the messages: they are counted, not
 * built), its DNS queries by type and responses by code, HTTP requests by method and responses
 * by status class and ServerHellos by version, compared per capture with the same groups made
 * from tshark's rows ({@code reference/*.dns.tsv}, {@code *.http.tsv}, {@code *.tls.tsv}).
 * Where tshark and Netwatch read a capture differently by design (the same messages the
 * DNS, HTTP and TLS oracle tests explain), {@link #KNOWN_DIFFERENCES} gives the difference per
 * group and why, and the counts must differ by exactly that; every other capture must agree
 * group for group.
 */
class CorpusContentCountsTest {
    /** Where Netwatch counts otherwise than tshark by design: how many more (or fewer) per group, and why. */
    record Known(Map<String, Long> netwatchMinusTshark, String why) {
    }

    static final Map<String, Known> KNOWN_DIFFERENCES = Map.of(
            "tcpdump-dns_fwdptr.pcap", new Known(Map.of("dns.response other", -1L), "a fuzzed response whose question "
                    + "name points forward: Netwatch refuses forward pointers, so it is malformed, not counted "
                    + "(DnsOracleTest)"),
            "esnet-masscan-udp_0_1000.pcap", new Known(Map.of("dns.query TXT", -1L), "masscan's version.bind probe "
                    + "ends its name with a forward pointer: malformed for Netwatch (DnsOracleTest)"),
            "zeek-tls-hrr.pcap", new Known(Map.of("tls tls1.3", 1L), "the ServerHello after the HelloRetryRequest "
                    + "came out of order; tshark 4.0 does not reassemble it by default (TlsCorpusOracleTest). The "
                    + "HelloRetryRequest itself is not counted"),
            "cs-http_espn.pcapng", new Known(Map.of("http.response 2xx", 1L), "a response head whose body was never "
                    + "captured: tshark reports a message once its body is whole (HttpPipelineOracleTest)"),
            "zeek-http-bro.org.pcap", new Known(Map.of("http.response 2xx", 1L), "likewise"),
            "esnet-nmap_80_w_service_detection.pcap", new Known(Map.of("http.response 4xx", 1L), "nmap's 404 that "
                    + "arrived after the probe's FIN, which tshark leaves unparsed (HttpPipelineOracleTest)"),
            "stopddos-amp.dns.RRSIG.fragmented.pcap", new Known(Map.of("http.request GET", 1L), "HTTP on a port "
                    + "tshark does not try (HttpPipelineOracleTest)"),
            "zeek-vlan-collisions.pcap", new Known(Map.of("http.request GET", 2L, "http.response 2xx", 2L), "one "
                    + "connection on three VLANs is three flows for Netwatch, one conversation for tshark"));

    /** Counts by group name ("dns.query A", "http.response 4xx", "tls tls1.2", ...); groups at zero are left out. */
    private static Map<String, Long> netwatch(Path capture) {
        Pipeline p;
        try (PcapFileSource source = PcapFileSource.open(capture)) {
            p = Pipeline.create("corpus", source.interfaceNames(), CorpusFlowsTest.tsharkLikeTimeouts(),
                    DetectionConfig.defaults(), InspectionConfig.defaults(), Signatures.bundled(), FlowSink.NONE,
                    AnomalySink.NONE, InspectionSink.NONE);
            try {
                source.run(p);
            } catch (CaptureException damaged) {
                // tshark's rows stop at the damage too
            }
            p.finish();
        } catch (CaptureException e) {
            throw new AssertionError(e);
        }
        Inspector i = p.inspector();
        Map<String, Long> out = new TreeMap<>();
        for (DnsQueryType t : DnsQueryType.values()) {
            put(out, "dns.query " + t.label(), i.dnsQueries(t));
        }
        for (DnsResponseCode c : DnsResponseCode.values()) {
            put(out, "dns.response " + c.label(), i.dnsResponses(c));
        }
        for (HttpMethod m : HttpMethod.values()) {
            put(out, "http.request " + m.label(), i.httpRequests(m));
        }
        for (HttpStatusClass s : HttpStatusClass.values()) {
            put(out, "http.response " + s.label(), i.httpResponses(s));
        }
        for (MessageKind k : List.of(MessageKind.TLS, MessageKind.QUIC)) {
            for (TlsVersionClass v : TlsVersionClass.values()) {
                put(out, k.label() + " " + v.label(), i.serverHellos(k, v));
            }
        }
        return out;
    }

    private static void put(Map<String, Long> out, String group, long n) {
        if (n > 0) {
            out.put(group, n);
        }
    }

    /** The same groups from tshark's rows. */
    private static Map<String, Long> tshark(Path dir, String name) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        for (String[] c : rows(dir, name, "dns")) {
            // qr 9, rcode 11, qtype 16 (the first question's; empty when there is none)
            if (c[9].equals("response")) {
                out.merge("dns.response " + DnsResponseCode.of(Integer.parseInt(c[11])).label(), 1L, Long::sum);
            } else {
                int qtype = c[16].isEmpty() ? -1 : Integer.parseInt(c[16]);
                out.merge("dns.query " + DnsQueryType.of(qtype).label(), 1L, Long::sum);
            }
        }
        for (String[] c : rows(dir, name, "http")) {
            // kind 7, method 8, status 13
            String group = c[7].equals("request") ? "http.request " + HttpMethod.of(c[8]).label()
                    : "http.response " + HttpStatusClass.of(Integer.parseInt(c[13])).label();
            out.merge(group, 1L, Long::sum);
        }
        for (String[] c : rows(dir, name, "tls")) {
            // transport 2, handshake 8, version 13 (the selected one for a ServerHello)
            if (c[8].equals("server_hello")) {
                out.merge((c[2].equals("quic") ? "quic " : "tls ") + versionClass(c[13]).label(), 1L, Long::sum);
            }
        }
        return out;
    }

    private static TlsVersionClass versionClass(String tsharkName) {
        return switch (tsharkName) {
            case "SSL 2.0", "SSL 3.0" -> TlsVersionClass.SSL;
            case "TLS 1.0" -> TlsVersionClass.TLS_1_0;
            case "TLS 1.1" -> TlsVersionClass.TLS_1_1;
            case "TLS 1.2" -> TlsVersionClass.TLS_1_2;
            case "TLS 1.3" -> TlsVersionClass.TLS_1_3;
            default -> TlsVersionClass.OTHER;
        };
    }

    private static List<String[]> rows(Path dir, String name, String kind) throws IOException {
        List<String> lines = Files.readAllLines(dir.resolve("reference").resolve(name + "." + kind + ".tsv"),
                StandardCharsets.UTF_8);
        List<String[]> out = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            out.add(line.split("\t", -1));
        }
        return out;
    }

    @Test
    void whatMessagesSaidIsCountedAsTsharkReadsIt() throws IOException {
        Path dir = CorpusFlowsTest.corpus();
        assumeTrue(dir != null, "the shared capture corpus (../shared/pcaps, or -Dnetwatch.shared.pcaps) is not here");
        List<Path> captures;
        try (Stream<Path> s = Files.list(dir)) {
            captures = s.filter(p -> p.getFileName().toString().matches(".*\\.pcap(ng)?")).sorted().toList();
        }
        assertTrue(captures.size() >= 80, "captures: " + captures.size());
        List<String> wrong = new ArrayList<>();
        Map<String, Long> total = new TreeMap<>();
        int agreeing = 0;
        for (Path capture : captures) {
            String name = capture.getFileName().toString();
            Map<String, Long> ours = netwatch(capture);
            Map<String, Long> theirs = tshark(dir, name);
            ours.forEach((g, n) -> total.merge(g, n, Long::sum));
            Known known = KNOWN_DIFFERENCES.get(name);
            Map<String, Long> expected = new TreeMap<>(theirs);
            if (known != null) {
                known.netwatchMinusTshark().forEach((g, d) -> expected.merge(g, d, Long::sum));
                expected.values().removeIf(n -> n == 0);
                System.out.printf("corpus content: %s, known difference %s: %s%n", name, known.netwatchMinusTshark(),
                        known.why());
            }
            if (ours.equals(expected)) {
                agreeing += known == null ? 1 : 0;
            } else {
                wrong.add(name + ": tshark " + theirs + (known == null ? "" : " with " + known.netwatchMinusTshark())
                        + ", Netwatch " + ours);
            }
        }
        System.out.printf("corpus content: %d of %d captures agree with tshark group for group, %d differ as "
                + "explained; Netwatch counted %s%n", agreeing, captures.size(), KNOWN_DIFFERENCES.size(), total);
        assertEquals(List.of(), wrong);
    }
}
