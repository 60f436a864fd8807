package io.netwatch.agent.inspect.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netwatch.agent.capture.CaptureException;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.decode.DecodedPacket;
import io.netwatch.agent.decode.IpLayer;
import io.netwatch.agent.decode.PacketDecoder;
import io.netwatch.agent.flow.IpAddressFormat;
import io.netwatch.agent.inspect.tls.TlsRecordResult.Incomplete;
import io.netwatch.agent.inspect.tls.TlsRecordResult.Ok;
import io.netwatch.agent.inspect.tls.TlsRecordResult.Stop;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The oracle: every capture of the shared corpus (system property {@code netwatch.shared.pcaps},
 * default {@code /work/shared/pcaps}; skipped when absent), its TCP streams reassembled here
 * (per direction, by sequence number, first copy wins, a new stream on a SYN with a new ISN, the
 * first {@link #MAX_PREFIX} bytes), read by {@link TlsRecordReader} as the prefix grows and the
 * hellos parsed; compared field by field with tshark's rows in {@code reference/*.tls.tsv}
 * ({@code transport = tcp}; QUIC rows belong to the QUIC parser and are only counted).
 *
 * <p>Rows are paired per direction (source and destination address and port) in order. The
 * figure, every mismatch, every row only one side has, and the JA3/JA4 of every ClientHello are
 * printed. Also checked on these real streams: the reader's answers as the prefix grows are
 * consistent (messages only added, never changed) and its {@code needAtLeast} is never more than
 * the bytes that actually brought the next message.
 */
class TlsCorpusOracleTest {
    /** Stream bytes per direction given to the reader, as the lead's reassembler does (~16 KiB). */
    static final int MAX_PREFIX = 16_384;
    static final List<String> FIELDS = List.of("handshake", "sni", "record_version", "handshake_version",
            "supported_versions", "version", "alpn", "cipher_suite");

    /**
     * JA3 md5 of each TCP ClientHello as tshark 4.0 computes it ({@code tls.handshake.ja3});
     * capture#frame. The stopddos port-8080 hellos with {@code -d tcp.port==8080,tls}.
     */
    static final Map<String, String> TSHARK_JA3 = Map.ofEntries(
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#564", "89be98bbd4f065fe510fca4893cf8d9b"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#888", "0f01500117c63284b0d9da562bdcf42f"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#896", "e1d8b04eeb8ef3954ec4f49267a783ef"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#921", "74ad8ec6876e2e3366bfd566581ca7e8"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#923", "e1d8b04eeb8ef3954ec4f49267a783ef"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#943", "e1d8b04eeb8ef3954ec4f49267a783ef"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#1069", "0f01500117c63284b0d9da562bdcf42f"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#3090", "cd08e31494f9531f560d64c695473da9"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#3114", "e1d8b04eeb8ef3954ec4f49267a783ef"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#3115", "74ad8ec6876e2e3366bfd566581ca7e8"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#3123", "e1d8b04eeb8ef3954ec4f49267a783ef"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#3138", "e1d8b04eeb8ef3954ec4f49267a783ef"),
            Map.entry("sv-ja4-tls-quic.pcap#4", "cd08e31494f9531f560d64c695473da9"),
            Map.entry("sv-tls-alpn-log-detect-02.pcap#4", "773906b0efdefa24a7f2b8eb6985bf37"),
            Map.entry("sv-tls-client-hello-frag-mtu300.pcap#6", "a64c29923906f2a1be278be1da0714fa"),
            Map.entry("zeek-tls-chrome-1250-tls-x25519-kyber.pcap#4", "9d33d8206d4fec4c8b1423c728f4cd3c"),
            Map.entry("zeek-tls-chrome-34-google.pcap#4", "a607f3a5c94c2ee592af1456f36c8367"),
            Map.entry("zeek-tls-hrr.pcap#4", "0f14b679807628ec7f9c02cada3ee941"),
            Map.entry("zeek-tls-hrr.pcap#8", "0f14b679807628ec7f9c02cada3ee941"),
            Map.entry("zeek-tls-openjdk-25.0.2-zeek.org.pcap#4", "bddb16608b241c89053080cf80771423"),
            Map.entry("zeek-tls-tls13-ech.pcap#7", "2fcbf8655473005933c5869b2b5d8044"),
            Map.entry("zeek-tls-tls13-ech.pcap#39", "fa58f5ffd45a2d590a1677134966dc64"),
            Map.entry("zeek-tls-tls13_wolfssl.pcap#4", "39cef737bf0cabc32c28f95d09b97702"));

    /**
     * JA4 of each TCP ClientHello: sv-ja4-tls-quic#4 is the value suricata-verify's ja4-tls-quic
     * test expects (FoxIO's tool, quoted in that test's README); the others were computed by a
     * separate script (Python, not this code) from tshark's decoded ClientHello fields. The SSLv2
     * hello is left out: tshark-based tools see no cipher suites in it (see {@link Ja4}).
     */
    static final Map<String, String> EXPECTED_JA4 = Map.ofEntries(
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#564", "t13i190800_9dc949149365_97f8aa674fd9"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#888", "t13d1412h2_4fef0bd2a631_24695f2957a7"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#896", "t13d1515h2_8daaf6152771_f37e75b10bcc"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#921", "t13d151400_8daaf6152771_de4a06bb82e3"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#923", "t13d1515h2_8daaf6152771_f37e75b10bcc"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#943", "t13d1515h2_8daaf6152771_f37e75b10bcc"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#1069", "t13d1412h2_4fef0bd2a631_24695f2957a7"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#3090", "t13d1516h2_8daaf6152771_e5627efa2ab1"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#3114", "t13d1515h2_8daaf6152771_f37e75b10bcc"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#3115", "t13d151400_8daaf6152771_de4a06bb82e3"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#3123", "t13d1515h2_8daaf6152771_f37e75b10bcc"),
            Map.entry("stopddos-amp.dns.RRSIG.fragmented.pcap#3138", "t13d1515h2_8daaf6152771_f37e75b10bcc"),
            Map.entry("sv-ja4-tls-quic.pcap#4", "t13d1516h2_8daaf6152771_e5627efa2ab1"),
            Map.entry("sv-tls-alpn-log-detect-02.pcap#4", "t13d2014h2_a09f3c656075_14788d8d241b"),
            Map.entry("sv-tls-client-hello-frag-mtu300.pcap#6", "t12d8008h2_9cedc1f1428b_046e095b7c4a"),
            Map.entry("zeek-tls-chrome-1250-tls-x25519-kyber.pcap#4", "t13d1516h2_8daaf6152771_02713d6af862"),
            Map.entry("zeek-tls-chrome-34-google.pcap#4", "t12d2011s3_8dd61975155f_06a4338d0495"),
            Map.entry("zeek-tls-hrr.pcap#4", "t13i040900_16476d049b0b_78f1d400d464"),
            Map.entry("zeek-tls-hrr.pcap#8", "t13i040900_16476d049b0b_78f1d400d464"),
            Map.entry("zeek-tls-openjdk-25.0.2-zeek.org.pcap#4", "t13d3113h2_1d947a95fc68_7e1102d2036b"),
            Map.entry("zeek-tls-tls13-ech.pcap#7", "t13d1517h2_8daaf6152771_b1ff8ab2d16f"),
            Map.entry("zeek-tls-tls13-ech.pcap#39", "t13d1517h2_8daaf6152771_b1ff8ab2d16f"),
            Map.entry("zeek-tls-tls13_wolfssl.pcap#4", "t13i010600_ee47968ec53b_5af53a18c712"));

    /**
     * Rows only this parser finds, each explained and checked against what tshark reports when
     * told to look (values in the order of {@link #FIELDS}, tab-separated):
     * <ul>
     * <li>stopddos ... port 8080: tshark's default preferences do not try TLS on port 8080 (it is an
     * HTTP port). {@code tshark -d tcp.port==8080,tls} decodes these nine ClientHellos with exactly
     * these values (and the JA3 in {@link #TSHARK_JA3});</li>
     * <li>zeek-tls-hrr frame 11, the ServerHello after the HelloRetryRequest: tshark 4.0 leaves
     * out-of-order segments out of reassembly by default ({@code tcp.reassemble_out_of_order}
     * off) and this segment arrived after a later one (frame 9). With
     * {@code -o tcp.reassemble_out_of_order:TRUE} tshark reports it with these values.</li>
     * </ul>
     */
    static final Map<String, String> EXPLAINED_EXTRA;

    static {
        String grease = "GREASE,TLS 1.3,TLS 1.2,TLS 1.1,TLS 1.0";
        String h2 = "client_hello\tnode24.ferox.host\tTLS 1.0\tTLS 1.2\t" + grease + "\tTLS 1.3\th2,http/1.1\t";
        String noAlpn = "client_hello\tnode24.ferox.host\tTLS 1.0\tTLS 1.2\t" + grease + "\tTLS 1.3\t\t";
        String ferox = "stopddos-amp.dns.RRSIG.fragmented.pcap#";
        EXPLAINED_EXTRA = Map.of(ferox + 896, h2, ferox + 921, noAlpn, ferox + 923, h2, ferox + 943, h2,
                ferox + 3090, h2, ferox + 3114, h2, ferox + 3115, noAlpn, ferox + 3123, h2, ferox + 3138, h2,
                "zeek-tls-hrr.pcap#11", "server_hello\t\tTLS 1.2\tTLS 1.2\tTLS 1.3\tTLS 1.3\t\t0x1302");
    }

    @Test
    void corpusAgreesWithTshark() throws IOException {
        Path dir = Path.of(System.getProperty("netwatch.shared.pcaps", "/work/shared/pcaps"));
        assumeTrue(Files.isDirectory(dir.resolve("reference")), "no shared capture corpus at " + dir);
        List<Path> captures;
        try (Stream<Path> files = Files.list(dir)) {
            captures = files.filter(p -> p.getFileName().toString().matches(".*\\.pcap(ng)?")).sorted().toList();
        }
        int tsharkRows = 0;
        int agreeingRows = 0;
        int sameFrame = 0;
        List<String> frameNotes = new ArrayList<>();
        int quicRows = 0;
        Map<String, Integer> fieldAgree = new LinkedHashMap<>();
        FIELDS.forEach(f -> fieldAgree.put(f, 0));
        List<String> mismatches = new ArrayList<>();
        List<String> unexplainedExtra = new ArrayList<>();
        List<String> explainedExtra = new ArrayList<>();
        List<String> streamProblems = new ArrayList<>();
        List<String> fingerprints = new ArrayList<>();
        List<String> fingerprintMismatches = new ArrayList<>();
        Set<String> fingerprinted = new HashSet<>();

        for (Path capture : captures) {
            String name = capture.getFileName().toString();
            List<Map<String, String>> reference = readTsv(dir.resolve("reference").resolve(name + ".tls.tsv"));
            Map<String, List<Map<String, String>>> theirs = new LinkedHashMap<>();
            for (Map<String, String> row : reference) {
                if (!"tcp".equals(row.get("transport"))) {
                    quicRows++;
                    continue;
                }
                theirs.computeIfAbsent(direction(row), k -> new ArrayList<>()).add(row);
                tsharkRows++;
            }
            List<Direction> streams = reassemble(capture);
            Map<String, List<Map<String, String>>> ours = new LinkedHashMap<>();
            for (Direction s : streams) {
                streamProblems.addAll(s.problems.stream().map(p -> name + " " + s.key + ": " + p).toList());
                for (Found f : s.found) {
                    Map<String, String> row = rowOf(f, s.key);
                    if (row == null) {
                        continue;
                    }
                    ours.computeIfAbsent(s.key, k -> new ArrayList<>()).add(row);
                    if (f.client != null) {
                        fingerprint(name, f, fingerprints, fingerprintMismatches, fingerprinted);
                    }
                }
            }
            for (var e : theirs.entrySet()) {
                List<Map<String, String>> mine = ours.getOrDefault(e.getKey(), List.of());
                for (int i = 0; i < e.getValue().size(); i++) {
                    Map<String, String> t = e.getValue().get(i);
                    if (i >= mine.size()) {
                        mismatches.add(name + " frame " + t.get("frame") + " " + e.getKey() + ": missing here: " + t);
                        continue;
                    }
                    Map<String, String> o = mine.get(i);
                    boolean all = true;
                    for (String field : FIELDS) {
                        if (t.get(field).equals(o.get(field))) {
                            fieldAgree.merge(field, 1, Integer::sum);
                        } else {
                            all = false;
                            mismatches.add(name + " frame " + t.get("frame") + " (ours " + o.get("frame") + ") "
                                    + e.getKey() + " " + field + ": tshark '" + t.get(field) + "', ours '"
                                    + o.get(field) + "'");
                        }
                    }
                    if (all) {
                        agreeingRows++;
                    }
                    if (t.get("frame").equals(o.get("frame"))) {
                        sameFrame++;
                    } else {
                        frameNotes.add(name + " " + e.getKey() + ": tshark frame " + t.get("frame") + ", ours "
                                + o.get("frame"));
                    }
                }
            }
            for (var e : ours.entrySet()) {
                int have = theirs.getOrDefault(e.getKey(), List.of()).size();
                for (int i = have; i < e.getValue().size(); i++) {
                    Map<String, String> o = e.getValue().get(i);
                    String id = name + "#" + o.get("frame");
                    String line = id + " " + e.getKey() + ": " + o;
                    String values = String.join("\t", FIELDS.stream().map(o::get).toList());
                    if (values.equals(EXPLAINED_EXTRA.get(id))) {
                        explainedExtra.add(line + "\n      " + (id.startsWith("zeek-tls-hrr")
                                ? "out-of-order segment, not reassembled by tshark 4.0's defaults; with"
                                        + " -o tcp.reassemble_out_of_order:TRUE tshark gives these values"
                                : "port 8080, where tshark tries no TLS; with -d tcp.port==8080,tls it gives these"
                                        + " values"));
                    } else {
                        unexplainedExtra.add(line);
                    }
                }
            }
        }

        StringBuilder report = new StringBuilder("\n== TLS oracle: ").append(captures.size()).append(" captures, ")
                .append(tsharkRows).append(" tshark tcp rows (").append(quicRows)
                .append(" QUIC rows out of scope: the QUIC parser's)\n");
        report.append(String.format("rows agreeing on every field: %d / %d (%.2f%%)%n", agreeingRows, tsharkRows,
                100.0 * agreeingRows / Math.max(1, tsharkRows)));
        int rows = tsharkRows;
        fieldAgree.forEach((f, n) -> report.append(String.format("  %-18s %d / %d%n", f, n, rows)));
        report.append(String.format("  %-18s %d / %d (the frame that completed the message; not a compared field)%n",
                "frame", sameFrame, rows));
        frameNotes.forEach(m -> report.append("    ").append(m).append('\n'));
        report.append("mismatches: ").append(mismatches.size()).append('\n');
        mismatches.forEach(m -> report.append("  ").append(m).append('\n'));
        report.append("rows only here, explained: ").append(explainedExtra.size()).append('\n');
        explainedExtra.forEach(m -> report.append("  ").append(m).append('\n'));
        report.append("rows only here, unexplained: ").append(unexplainedExtra.size()).append('\n');
        unexplainedExtra.forEach(m -> report.append("  ").append(m).append('\n'));
        report.append("incremental-reading problems: ").append(streamProblems.size()).append('\n');
        streamProblems.forEach(m -> report.append("  ").append(m).append('\n'));
        report.append("ClientHello fingerprints (JA4, JA3 md5):\n");
        fingerprints.forEach(m -> report.append("  ").append(m).append('\n'));
        report.append("fingerprint mismatches: ").append(fingerprintMismatches.size()).append('\n');
        fingerprintMismatches.forEach(m -> report.append("  ").append(m).append('\n'));
        System.out.println(report);

        assertTrue(tsharkRows > 0, "no tshark rows read: " + report);
        assertTrue(agreeingRows * 100L >= 99L * tsharkRows, "agreement below 99%: " + report);
        // Every hello the tables fingerprint was found and compared, not only those found.
        Set<String> notCompared = new TreeSet<>(EXPECTED_JA4.keySet());
        notCompared.removeAll(fingerprinted);
        assertEquals(Set.of(), notCompared, "hellos with expected fingerprints that were never found");
        assertEquals(List.of(), unexplainedExtra, "rows tshark does not have");
        assertEquals(List.of(), streamProblems, "incremental reading");
        assertEquals(List.of(), fingerprintMismatches, "fingerprints");
    }

    private static void fingerprint(String capture, Found f, List<String> out, List<String> mismatches,
                                    Set<String> compared) {
        String id = capture + "#" + f.frame;
        compared.add(id);
        String ja4 = Ja4.of(f.client, false).fingerprint();
        String ja3 = Ja3.of(f.client).map(Ja3::md5).orElse("-");
        out.add(String.format("%-50s %s  %s  (SNI %s)", id, ja4, ja3, f.client.sni()));
        String wantJa4 = EXPECTED_JA4.get(id);
        if (wantJa4 != null && !wantJa4.equals(ja4)) {
            mismatches.add(id + " JA4 " + ja4 + ", expected " + wantJa4);
        }
        String wantJa3 = TSHARK_JA3.get(id);
        if (wantJa3 != null && !wantJa3.equals(ja3)) {
            mismatches.add(id + " JA3 " + ja3 + ", tshark " + wantJa3 + " ("
                    + Ja3.of(f.client).map(Ja3::full).orElse("") + ")");
        }
        if (wantJa3 == null && !f.client.sslv2()) {
            mismatches.add(id + " has no tshark JA3 to compare with");
        }
    }

    /** Our row for a hello, in the reference's column forms; null for other messages. */
    static Map<String, String> rowOf(Found f, String key) {
        Map<String, String> row = new HashMap<>();
        row.put("frame", Long.toString(f.frame));
        if (f.client != null) {
            ClientHello h = f.client;
            row.put("handshake", "client_hello");
            row.put("sni", h.sni() == null ? "" : cell(h.sni()));
            row.put("record_version", TlsVersions.name(h.recordVersion()));
            row.put("handshake_version", TlsVersions.name(h.legacyVersion()));
            row.put("supported_versions", list(h.supportedVersions().stream().map(TlsVersions::name).toList()));
            row.put("version", TlsVersions.name(TlsVersions.highestOffered(h)));
            row.put("alpn", list(h.alpn()));
            row.put("cipher_suite", "");
            return row;
        }
        if (f.server != null) {
            ServerHello h = f.server;
            row.put("handshake", h.helloRetryRequest() ? "hello_retry_request" : "server_hello");
            row.put("sni", "");
            row.put("record_version", TlsVersions.name(h.recordVersion()));
            row.put("handshake_version", TlsVersions.name(h.legacyVersion()));
            row.put("supported_versions", h.selectedVersion() < 0 ? "" : TlsVersions.name(h.selectedVersion()));
            row.put("version", TlsVersions.name(TlsVersions.selected(h)));
            row.put("alpn", h.alpn() == null ? "" : list(List.of(h.alpn())));
            row.put("cipher_suite", h.cipherSuite() < 0 ? "" : String.format("0x%04x", h.cipherSuite()));
            return row;
        }
        return null;
    }

    /** A list cell: elements joined by ',' with ',' and '\' inside them escaped, as the reference writes them. */
    private static String list(List<String> values) {
        List<String> escaped = values.stream().map(v -> cell(v).replace(",", "\\,")).toList();
        return String.join(",", escaped);
    }

    private static String cell(String v) {
        return v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }

    private static String direction(Map<String, String> row) {
        return row.get("src_ip") + " " + row.get("src_port") + " > " + row.get("dst_ip") + " " + row.get("dst_port");
    }

    static List<Map<String, String>> readTsv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<Map<String, String>> rows = new ArrayList<>();
        if (lines.isEmpty()) {
            return rows;
        }
        String[] header = lines.getFirst().split("\t", -1);
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split("\t", -1);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < header.length; i++) {
                row.put(header[i], i < cells.length ? cells[i] : "");
            }
            rows.add(row);
        }
        return rows;
    }

    /** A hello found in a stream, with the frame whose bytes completed it. */
    record Found(long frame, ClientHello client, ServerHello server) {
    }

    /** One direction of one TCP connection: the first MAX_PREFIX bytes and what the reader made of them. */
    static final class Direction {
        final String key;
        final int base;
        final byte[] data = new byte[MAX_PREFIX];
        final boolean[] filled = new boolean[MAX_PREFIX];
        int contiguous;
        boolean done;
        int messagesSeen;
        List<HandshakeMessage> lastMessages = List.of();
        /** A later prefix shorter than this cannot complete another message (the reader's needAtLeast). */
        int noProgressBefore;
        final List<Found> found = new ArrayList<>();
        final List<String> problems = new ArrayList<>();

        Direction(String key, int base) {
            this.key = key;
            this.base = base;
        }

        void add(int seq, ByteBuffer frame, int offset, int length, long frameNumber) {
            int rel = seq - base;
            for (int i = 0; i < length; i++) {
                int at = rel + i;
                if (at >= 0 && at < MAX_PREFIX && !filled[at]) {
                    data[at] = frame.get(offset + i);
                    filled[at] = true;
                }
            }
            int before = contiguous;
            while (contiguous < MAX_PREFIX && filled[contiguous]) {
                contiguous++;
            }
            if (contiguous > before && !done) {
                readPrefix(frameNumber);
            }
        }

        private void readPrefix(long frameNumber) {
            TlsRecordResult r = TlsRecordReader.read(ByteBuffer.wrap(data), 0, contiguous);
            List<HandshakeMessage> messages = switch (r) {
                case Ok ok -> ok.messages();
                default -> List.of();
            };
            if (messages.size() < lastMessages.size()) {
                problems.add("prefix " + contiguous + ": " + messages.size() + " messages after " + lastMessages.size()
                        + " (" + r + ")");
                done = true;
                return;
            }
            for (int i = 0; i < lastMessages.size(); i++) {
                if (!sameMessage(lastMessages.get(i), messages.get(i))) {
                    problems.add("prefix " + contiguous + ": message " + i + " changed");
                }
            }
            if (messages.size() > lastMessages.size() && contiguous < noProgressBefore) {
                problems.add("prefix " + contiguous + " completed a message, but needAtLeast said "
                        + noProgressBefore + " bytes");
            }
            for (int i = lastMessages.size(); i < messages.size(); i++) {
                HandshakeMessage m = messages.get(i);
                if (m.isClientHello()) {
                    if (TlsHelloParser.parseClientHello(m) instanceof ClientHelloResult.Ok(ClientHello h)) {
                        found.add(new Found(frameNumber, h, null));
                    } else {
                        problems.add("ClientHello in frame " + frameNumber + ": " + TlsHelloParser.parseClientHello(m));
                    }
                } else if (m.isServerHello()) {
                    if (TlsHelloParser.parseServerHello(m) instanceof ServerHelloResult.Ok(ServerHello h)) {
                        found.add(new Found(frameNumber, null, h));
                    } else {
                        problems.add("ServerHello in frame " + frameNumber + ": " + TlsHelloParser.parseServerHello(m));
                    }
                }
            }
            // Keep copies: the next read reuses nothing, but views point into data, which keeps changing.
            lastMessages = messages.stream().map(Direction::copy).toList();
            switch (r) {
                case Incomplete inc -> noProgressBefore = contiguous + inc.needAtLeast();
                case Ok ok when ok.stop() == Stop.PREFIX_END -> noProgressBefore = contiguous + ok.needAtLeast();
                default -> done = true;
            }
        }

        private static HandshakeMessage copy(HandshakeMessage m) {
            byte[] b = new byte[m.length()];
            m.buffer().get(m.offset(), b);
            return new HandshakeMessage(m.type(), m.sslv2(), m.recordVersion(), ByteBuffer.wrap(b), 0, b.length, true);
        }

        private static boolean sameMessage(HandshakeMessage a, HandshakeMessage b) {
            return a.type() == b.type() && a.sslv2() == b.sslv2() && a.recordVersion() == b.recordVersion()
                    && a.length() == b.length()
                    && a.buffer().slice(a.offset(), a.length()).equals(b.buffer().slice(b.offset(), b.length()));
        }
    }

    /** Test-side reassembly of every TCP stream of a capture, in the order the streams started. */
    private static List<Direction> reassemble(Path capture) {
        Map<String, Direction> current = new HashMap<>();
        List<Direction> all = new ArrayList<>();
        PacketDecoder decoder = new PacketDecoder();
        long[] frameNumber = {0};
        try (PcapFileSource source = PcapFileSource.open(capture)) {
            source.run((ByteBuffer frame, int linkType, long nanos, int originalLength, int interfaceIndex) -> {
                frameNumber[0]++;
                DecodedPacket p = decoder.decode(frame, linkType);
                if (p.layerCount == 0) {
                    return;
                }
                IpLayer l = p.layers[p.layerCount - 1];
                if (l.protocol != PacketDecoder.PROTO_TCP || !l.transport || l.icmpError || l.fragment) {
                    return;
                }
                String key = IpAddressFormat.format(l.ipVersion, l.srcHi, l.srcLo) + " " + l.srcPort + " > "
                        + IpAddressFormat.format(l.ipVersion, l.dstHi, l.dstLo) + " " + l.dstPort;
                String fullKey = l.tunnelContext + "|" + key;
                Direction s = current.get(fullKey);
                boolean syn = (l.tcpFlags & 0x02) != 0;
                if (syn && (s == null || s.base != l.tcpSeq + 1)) {
                    s = new Direction(key, l.tcpSeq + 1);
                    current.put(fullKey, s);
                    all.add(s);
                } else if (s == null && l.payloadLength > 0) {
                    s = new Direction(key, l.tcpSeq);
                    current.put(fullKey, s);
                    all.add(s);
                }
                if (s != null && l.payloadLength > 0) {
                    s.add(l.tcpSeq + (syn ? 1 : 0), frame, l.payloadOffset, l.payloadLength, frameNumber[0]);
                }
            });
        } catch (CaptureException e) {
            // Two captures are damaged on purpose and end early; what was read counts, as in tshark's reference.
        }
        return all;
    }

    @Test
    void fingerprintTablesCoverTheSameHellos() {
        assertEquals(TSHARK_JA3.keySet(), EXPECTED_JA4.keySet());
    }
}
