package io.netwatch.agent.inspect.http;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netwatch.agent.capture.CaptureException;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.decode.DecodedPacket;
import io.netwatch.agent.decode.IpLayer;
import io.netwatch.agent.decode.PacketDecoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The oracle: every capture of the shared corpus through the decoder, a test-side TCP
 * reassembler and one {@link HttpTransaction} per connection, compared message by message with
 * what tshark decoded ({@code reference/<capture>.http.tsv}). Per connection and direction the
 * two sequences are aligned (best field agreement, gaps allowed), then compared on kind, method,
 * uri, host, user_agent, version, status, content_type and content_length. Prints per-field and
 * overall agreement over the reference rows, every mismatch, every reference row with no
 * counterpart and every message of ours tshark has no row for. Skipped without the corpus.
 */
class HttpOracleTest {
    static final String[] FIELDS = {"kind", "method", "uri", "host", "user_agent", "version", "status",
        "content_type", "content_length"};
    /** Share of reference rows that must agree on every field. */
    private static final double REQUIRED_AGREEMENT = 0.99;

    record Row(String capture, String frame, String group, String[] values) {
        String describe() {
            return capture + " frame " + frame + " " + String.join("|", values);
        }
    }

    @Test
    void agreesWithTsharkOnEveryCapture() throws IOException {
        Path dir = Path.of(System.getProperty("netwatch.shared.pcaps", "/work/shared/pcaps"));
        Path reference = dir.resolve("reference");
        assumeTrue(Files.isDirectory(reference), "no shared capture corpus at " + dir);
        List<Path> captures;
        try (Stream<Path> files = Files.list(dir)) {
            captures = files.filter(p -> p.getFileName().toString().matches(".*\\.pcap(ng)?")).sorted().toList();
        }
        int[] fieldAgree = new int[FIELDS.length];
        int refRows = 0;
        int rowsAgree = 0;
        List<String> mismatches = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> extra = new ArrayList<>();
        Map<String, Integer> streamEvents = new java.util.TreeMap<>();
        for (Path capture : captures) {
            String name = capture.getFileName().toString();
            Path tsv = reference.resolve(name + ".http.tsv");
            Path flows = reference.resolve(name + ".flows.tsv");
            if (!Files.exists(tsv) || !Files.exists(flows)) {
                continue;
            }
            List<Row> expected = referenceRows(name, tsv, flows);
            List<Row> actual = ourRows(name, capture, streamEvents);
            Map<String, List<Row>> expectedByGroup = byGroup(expected);
            Map<String, List<Row>> actualByGroup = byGroup(actual);
            refRows += expected.size();
            for (String group : union(expectedByGroup, actualByGroup)) {
                List<Row> e = expectedByGroup.getOrDefault(group, List.of());
                List<Row> a = actualByGroup.getOrDefault(group, List.of());
                int[] pairs = align(e, a);
                boolean[] used = new boolean[a.size()];
                for (int i = 0; i < e.size(); i++) {
                    Row want = e.get(i);
                    if (pairs[i] < 0) {
                        missing.add(want.describe());
                        continue;
                    }
                    used[pairs[i]] = true;
                    Row got = a.get(pairs[i]);
                    boolean all = true;
                    for (int f = 0; f < FIELDS.length; f++) {
                        if (want.values[f].equals(got.values[f])) {
                            fieldAgree[f]++;
                        } else {
                            all = false;
                            mismatches.add(name + " frame " + want.frame + " (ours at frame " + got.frame + ") "
                                    + FIELDS[f] + ": tshark [" + want.values[f] + "] ours [" + got.values[f] + "]");
                        }
                    }
                    if (all) {
                        rowsAgree++;
                    }
                }
                for (int j = 0; j < a.size(); j++) {
                    if (!used[j]) {
                        extra.add(a.get(j).describe());
                    }
                }
            }
        }
        System.out.println("HTTP oracle: " + refRows + " reference rows");
        for (int f = 0; f < FIELDS.length; f++) {
            System.out.printf("  %-15s %d/%d (%.2f%%)%n", FIELDS[f], fieldAgree[f], refRows,
                    100.0 * fieldAgree[f] / Math.max(1, refRows));
        }
        double overall = (double) rowsAgree / Math.max(1, refRows);
        System.out.printf("  all fields      %d/%d (%.2f%%)%n", rowsAgree, refRows, 100 * overall);
        System.out.println("Mismatched fields (" + mismatches.size() + "):");
        mismatches.forEach(m -> System.out.println("  " + m));
        System.out.println("Reference rows without a message of ours (" + missing.size() + "):");
        missing.forEach(m -> System.out.println("  " + m));
        System.out.println("Our messages without a reference row (" + extra.size() + "):");
        extra.forEach(m -> System.out.println("  " + m));
        System.out.println("Stream events (direction count per event, over all captures): " + streamEvents);
        assertTrue(refRows > 0, "no reference rows read");
        assertTrue(overall >= REQUIRED_AGREEMENT, "agreement " + overall + " below " + REQUIRED_AGREEMENT);
    }

    /** The reference rows, each grouped by connection (4-tuple and ordinal) and sender. */
    private static List<Row> referenceRows(String capture, Path tsv, Path flows) throws IOException {
        // tcp.stream -> "tuple#ordinal": the ordinal counts earlier streams on the same 4-tuple.
        Map<String, String> streams = new HashMap<>();
        Map<String, Integer> ordinals = new HashMap<>();
        List<String[]> flowRows = table(flows);
        for (String[] r : flowRows) {
            if (r[0].equals("tcp")) {
                String tuple = TestTcpReassembler.tuple(r[3], Integer.parseInt(r[4]), r[5], Integer.parseInt(r[6]));
                int ordinal = ordinals.merge(tuple, 1, Integer::sum) - 1;
                streams.put(r[1], tuple + "#" + ordinal);
            }
        }
        List<Row> rows = new ArrayList<>();
        for (String[] r : table(tsv)) {
            // frame time src_ip src_port dst_ip dst_port tcp_stream kind method host uri version
            // user_agent status phrase content_type content_length link_frame response_status
            String connection = streams.getOrDefault(r[6], "stream" + r[6]);
            String group = connection + " from " + r[2] + "|" + r[3];
            String[] v = {r[7], r[8], r[10], r[9], r[12], r[11], r[13], r[15], r[16]};
            rows.add(new Row(capture, r[0], group, v));
        }
        return rows;
    }

    /** Our messages from the capture, grouped like the reference rows. */
    private static List<Row> ourRows(String capture, Path file, Map<String, Integer> streamEvents) {
        List<Row> rows = new ArrayList<>();
        long[] frameNo = {0};
        TestTcpReassembler reassembler = new TestTcpReassembler(new TestTcpReassembler.Listener() {
            @Override
            public void data(TestTcpReassembler.Connection c, boolean fromClient, ByteBuffer buf, int off, int len) {
                HttpTransaction t = transaction(c, rows, capture, frameNo);
                if (fromClient) {
                    t.client(buf, off, len);
                } else {
                    t.server(buf, off, len);
                }
            }

            @Override
            public void gap(TestTcpReassembler.Connection c, boolean fromClient, long bytes) {
                HttpTransaction t = transaction(c, rows, capture, frameNo);
                if (fromClient) {
                    t.clientGap(bytes);
                } else {
                    t.serverGap(bytes);
                }
            }
        });
        PacketDecoder decoder = new PacketDecoder();
        try (PcapFileSource source = PcapFileSource.open(file)) {
            source.run((ByteBuffer frame, int linkType, long nanos, int origLen, int ifIndex) -> {
                frameNo[0]++;
                DecodedPacket p = decoder.decode(frame, linkType);
                IpLayer l = TestTcpReassembler.tcpLayer(p);
                if (l != null) {
                    reassembler.packet(frame, l);
                }
            });
        } catch (CaptureException damaged) {
            // The frames before the damage were delivered, as for tshark.
        }
        reassembler.finish();
        for (TestTcpReassembler.Connection c : reassembler.connections) {
            if (c.state instanceof HttpTransaction t) {
                for (HttpStream s : List.of(t.clientStream(), t.serverStream())) {
                    for (HttpStream.Event e : s.events()) {
                        streamEvents.merge(e.code(), 1, Integer::sum);
                        if (e != HttpStream.Event.NOT_HTTP && e != HttpStream.Event.GAP && s.messages() > 0) {
                            System.out.println("  event " + e.code() + " on " + capture + " " + c.tuple + "#"
                                    + c.ordinal + (s == t.clientStream() ? " client" : " server")
                                    + (s.lastMalformedReason() == null ? "" : " " + s.lastMalformedReason()));
                        }
                    }
                }
                for (HttpTransaction.Event e : t.events()) {
                    streamEvents.merge(e.code(), 1, Integer::sum);
                }
            }
        }
        return rows;
    }

    private static HttpTransaction transaction(TestTcpReassembler.Connection c, List<Row> rows, String capture,
            long[] frameNo) {
        if (c.state == null) {
            String connection = c.tuple + "#" + c.ordinal;
            String fromClient = connection + " from " + c.clientIp + "|" + c.clientPort;
            String fromServer = connection + " from " + c.serverIp + "|" + c.serverPort;
            c.state = new HttpTransaction(new HttpTransaction.Sink() {
                @Override
                public void request(HttpRequest r) {
                    rows.add(new Row(capture, Long.toString(frameNo[0]), fromClient, fields(r)));
                }

                @Override
                public void response(HttpRequest request, HttpResponse r) {
                    rows.add(new Row(capture, Long.toString(frameNo[0]), fromServer, fields(r)));
                }
            });
        }
        return (HttpTransaction) c.state;
    }

    static String[] fields(HttpMessage m) {
        return switch (m) {
            case HttpRequest r -> new String[] {"request", text(r.method()), text(r.uri()), text(r.host()),
                text(r.userAgent()), text(r.version()), "", text(r.contentType()), text(r.contentLengthHeader())};
            case HttpResponse s -> new String[] {"response", "", "", "", "", text(s.version()),
                Integer.toString(s.status()), text(s.contentType()), text(s.contentLengthHeader())};
        };
    }

    /** Our one-char-per-byte strings read as UTF-8, as tshark shows them; absent is empty. */
    private static String text(String s) {
        return s == null ? "" : new String(s.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    /**
     * Aligns two sequences of the same direction: the pairing (order kept, gaps free) with the
     * most equal fields, pairs only of the same kind. Returns for each expected row the index
     * of its partner, or -1.
     */
    static int[] align(List<Row> e, List<Row> a) {
        int n = e.size();
        int m = a.size();
        int[][] best = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                int s = Math.max(best[i + 1][j], best[i][j + 1]);
                int score = score(e.get(i), a.get(j));
                if (score > 0) {
                    s = Math.max(s, score + best[i + 1][j + 1]);
                }
                best[i][j] = s;
            }
        }
        int[] pairs = new int[n];
        java.util.Arrays.fill(pairs, -1);
        int i = 0;
        int j = 0;
        while (i < n && j < m) {
            int score = score(e.get(i), a.get(j));
            if (score > 0 && best[i][j] == score + best[i + 1][j + 1]) {
                pairs[i++] = j++;
            } else if (best[i][j] == best[i + 1][j]) {
                i++;
            } else {
                j++;
            }
        }
        return pairs;
    }

    private static int score(Row e, Row a) {
        if (!e.values[0].equals(a.values[0])) {
            return 0;
        }
        int s = 0;
        for (int f = 0; f < FIELDS.length; f++) {
            if (e.values[f].equals(a.values[f])) {
                s++;
            }
        }
        return s;
    }

    private static Map<String, List<Row>> byGroup(List<Row> rows) {
        Map<String, List<Row>> out = new LinkedHashMap<>();
        for (Row r : rows) {
            out.computeIfAbsent(r.group, k -> new ArrayList<>()).add(r);
        }
        return out;
    }

    private static List<String> union(Map<String, ?> a, Map<String, ?> b) {
        List<String> out = new ArrayList<>(a.keySet());
        for (String k : b.keySet()) {
            if (!a.containsKey(k)) {
                out.add(k);
            }
        }
        return out;
    }

    /** A reference TSV without its header row, cells unescaped. */
    private static List<String[]> table(Path tsv) throws IOException {
        List<String> lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        List<String[]> out = new ArrayList<>();
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] cells = line.split("\t", -1);
            for (int i = 0; i < cells.length; i++) {
                cells[i] = unescape(cells[i]);
            }
            out.add(cells);
        }
        return out;
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(switch (n) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    default -> n;
                });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
