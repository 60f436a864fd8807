package io.netwatch.agent.inspect.dns;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netwatch.agent.capture.CaptureException;
import io.netwatch.agent.capture.PcapFileSource;
import io.netwatch.agent.decode.DecodedPacket;
import io.netwatch.agent.decode.IpLayer;
import io.netwatch.agent.decode.PacketDecoder;
import io.netwatch.agent.flow.IpAddressFormat;
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
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The external oracle for the DNS parser: every DNS message of every shared capture, parsed by
 * {@link DnsParser} (UDP port 53 directly, TCP port 53 through a test-side reassembler and
 * {@link DnsTcpFramer}, IP fragments through a test-side defragmenter), compared field by field
 * with what tshark 4.0 decoded ({@code reference/*.dns.tsv}): id, qr, opcode, rcode (responses),
 * tc, qdcount, ancount, qname, qtype, qtype_name and the answers string. Prints the agreement per
 * field and overall, and every mismatch.
 *
 * <p>The reference's type names and answers come from tshark's tree labels, which tshark cuts at
 * 240 bytes; {@link #labelType} and {@link #tsharkAnswers} rebuild those labels from the parsed
 * message, cuts included, so a long name compares as tshark printed it rather than as it was sent.
 * Those rules are the reference's, not the parser's.
 */
class DnsOracleTest {
    /** Share of reference rows whose every compared field must match. */
    private static final double REQUIRED = 0.99;
    /** tshark's ITEM_LABEL_LENGTH: a tree label holds at most 239 bytes. */
    private static final int LABEL_LENGTH = 240;
    /** What tshark keeps of a label that did not fit at creation, before its " [truncated]" mark. */
    private static final int TRUNCATED_KEEP = LABEL_LENGTH - 14;
    private static final int DNS_PORT = 53;
    private static final String[] FIELDS = {"id", "qr", "opcode", "rcode", "tc", "qdcount", "ancount", "qname", "qtype",
        "qtype_name", "answers"};
    private static final Set<String> ANSWER_VALUE_TYPES = Set.of("A", "AAAA", "CNAME", "PTR", "NS", "MX", "SOA", "SRV");

    /** Why the remaining mismatches are expected, per capture and frame. */
    static final Map<String, String> EXPLAINED = Map.of(
            "tcpdump-dns_fwdptr.pcap#1", "a fuzzed message whose question name is a compression pointer to offset 15107, "
                    + "far after itself (tcpdump's forward-pointer test). tshark follows it and prints '<Name too long>' "
                    + "with the header fields; Netwatch refuses forward pointers, so the message is Malformed "
                    + "(forward_pointer) and no field is compared",
            "esnet-masscan-udp_0_1000.pcap#209", "masscan's version.bind probe (TXT, class CH) ends its name with a "
                    + "compression pointer to the zero octet two bytes after the pointer, instead of a zero octet of its own. "
                    + "tshark follows it; Netwatch refuses every forward pointer by design (no forward-pointer tricks), so "
                    + "the probe is Malformed (forward_pointer), itself a fingerprint of the scanner");

    record Row(int frame, String transport, String src, String srcPort, String dst, String dstPort, String[] fields) {
    }

    /** One message Netwatch found: where, the result, and the message bytes when known (UDP). */
    record Found(int frame, String transport, String src, int srcPort, String dst, int dstPort, DnsResult result,
                 byte[] bytes, boolean defragmented, int depth) {
    }

    static Path corpus() {
        String dir = System.getProperty("netwatch.shared.pcaps");
        for (String d : new String[] {dir, "/work/shared/pcaps"}) {
            if (d != null && Files.isDirectory(Path.of(d).resolve("reference"))) {
                return Path.of(d);
            }
        }
        return null;
    }

    @Test
    void dnsAgreesWithTsharkOnTheWholeCorpus() throws IOException {
        Path dir = corpus();
        assumeTrue(dir != null, "the shared capture corpus (-Dnetwatch.shared.pcaps) is not here");
        int rows = 0;
        int fullyMatched = 0;
        int found = 0;
        int viaFragments = 0;
        int viaTcp = 0;
        int viaTunnels = 0;
        int[] fieldAgree = new int[FIELDS.length];
        int compared = 0;
        List<String> mismatches = new ArrayList<>();
        List<String> explained = new ArrayList<>();
        List<String> extras = new ArrayList<>();
        Map<String, Integer> results = new TreeMap<>();
        try (var list = Files.list(dir)) {
            for (Path capture : list.sorted().toList()) {
                String name = capture.getFileName().toString();
                Path tsv = dir.resolve("reference").resolve(name + ".dns.tsv");
                if (!Files.exists(tsv)) {
                    continue;
                }
                List<Row> reference = reference(tsv);
                Map<Integer, List<Found>> mine = new HashMap<>();
                for (Found f : netwatch(capture)) {
                    mine.computeIfAbsent(f.frame(), k -> new ArrayList<>()).add(f);
                    found++;
                    viaFragments += f.defragmented() ? 1 : 0;
                    viaTcp += f.transport().equals("tcp") ? 1 : 0;
                    viaTunnels += f.depth() > 0 ? 1 : 0;
                    results.merge(f.result().getClass().getSimpleName(), 1, Integer::sum);
                }
                for (Row r : reference) {
                    rows++;
                    List<Found> atFrame = mine.getOrDefault(r.frame(), List.of());
                    String where = name + " frame " + r.frame() + " " + r.transport() + " " + r.src() + ":" + r.srcPort()
                            + " -> " + r.dst() + ":" + r.dstPort() + " id " + r.fields()[0];
                    List<String> sink = EXPLAINED.containsKey(name + "#" + r.frame()) ? explained : mismatches;
                    if (atFrame.isEmpty()) {
                        sink.add(where + ": Netwatch found no DNS message in this frame");
                        continue;
                    }
                    Found f = atFrame.removeFirst();
                    DnsMessage m = f.result().messageOrPartial();
                    if (m == null) {
                        sink.add(where + ": Netwatch says " + f.result());
                        continue;
                    }
                    compared++;
                    String[] ours = fields(m, f.bytes());
                    boolean all = true;
                    for (int i = 0; i < FIELDS.length; i++) {
                        if (ours[i].equals(r.fields()[i])) {
                            fieldAgree[i]++;
                        } else {
                            all = false;
                            sink.add(where + ": " + FIELDS[i] + " tshark [" + r.fields()[i] + "] Netwatch [" + ours[i] + "]"
                                    + (f.result() instanceof DnsResult.Incomplete ? " (Incomplete)" : ""));
                        }
                    }
                    if (all) {
                        fullyMatched++;
                    }
                }
                for (var e : new TreeMap<>(mine).entrySet()) {
                    for (Found f : e.getValue()) {
                        extras.add(name + " frame " + e.getKey() + " " + f.transport() + " " + f.src() + ":" + f.srcPort()
                                + " -> " + f.dst() + ":" + f.dstPort() + ": " + f.result());
                    }
                }
            }
        }
        double share = rows == 0 ? 0 : (double) fullyMatched / rows;
        System.out.printf("corpus dns: %d of %d tshark DNS messages match in every compared field (%.2f%%); Netwatch "
                + "parsed %d messages (%d over TCP, %d inside tunnels, %d from reassembled IP fragments), results %s%n",
                fullyMatched, rows, share * 100, found, viaTcp, viaTunnels, viaFragments, results);
        for (int i = 0; i < FIELDS.length; i++) {
            System.out.printf("  %-10s %d of %d compared messages agree%n", FIELDS[i], fieldAgree[i], compared);
        }
        if (!explained.isEmpty()) {
            System.out.println("explained differences:");
            EXPLAINED.forEach((k, v) -> System.out.println("  " + k + ": " + v));
            explained.forEach(m -> System.out.println("    " + m));
        }
        mismatches.forEach(m -> System.out.println("MISMATCH " + m));
        extras.forEach(m -> System.out.println("EXTRA (no tshark dns row) " + m));
        assertTrue(share >= REQUIRED, String.format("%.2f%% of tshark's DNS messages match; at least %.0f%% must",
                share * 100, REQUIRED * 100));
    }

    // ---------------------------------------------------------------- the reference

    static List<Row> reference(Path tsv) throws IOException {
        List<String> lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] c = line.split("\t", -1);
            for (int i = 0; i < c.length; i++) {
                c[i] = unescapeCell(c[i]);
            }
            // id qr opcode rcode tc qdcount ancount qname qtype qtype_name answers
            String[] fields = {c[8], c[9], c[10], c[11], c[13], c[14], c[18], c[15], c[16], c[17], c[19]};
            rows.add(new Row(Integer.parseInt(c[0]), c[2], c[3], c[4], c[5], c[6], fields));
        }
        return rows;
    }

    static String unescapeCell(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                sb.append(switch (n) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    default -> n;
                });
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- Netwatch's view

    /** The compared fields of one message, written as the reference writes them. */
    static String[] fields(DnsMessage m, byte[] bytes) {
        boolean q = !m.questions().isEmpty();
        String qname = q ? shown(m.qname()) : "";
        return new String[] {String.format("0x%04x", m.id()), m.response() ? "response" : "query",
            Integer.toString(m.opcode()), m.response() ? Integer.toString(m.rcode()) : "", m.truncated() ? "1" : "0",
            Integer.toString(m.qdcount()), Integer.toString(m.ancount()), qname,
            q ? Integer.toString(m.qtype()) : "", q ? labelType(qname, m.qtype(), m.questions().getFirst().dnsClass(), "")
                : "", String.join(";", tsharkAnswers(m, bytes))};
    }

    static String shown(String name) {
        return name.isEmpty() ? "<Root>" : name;
    }

    static String className(int c) {
        return switch (c) {
            case 1 -> "IN";
            case 2 -> "CS";
            case 3 -> "CH";
            case 4 -> "HS";
            case 254 -> "NONE";
            case 255 -> "ANY";
            default -> "Unknown";
        };
    }

    /**
     * The type as the reference script reads it from tshark's label "{@code <name>: type <T>,
     * class <C>}" plus {@code appended}: a label that does not fit in 240 bytes when created keeps
     * its first 226 bytes behind " [truncated]", and text appended later is cut at 239 bytes.
     */
    static String labelType(String name, int type, int dnsClass, String appended) {
        return parseLabel(label(name, type, dnsClass, appended))[0];
    }

    static String label(String name, int type, int dnsClass, String appended) {
        String label = name + ": type " + DnsParser.typeName(type) + ", class " + className(dnsClass);
        if (utf8(label) >= LABEL_LENGTH) {
            label = " [truncated]" + cut(label, TRUNCATED_KEEP);
        }
        return cut(label + appended, LABEL_LENGTH - 1);
    }

    /** The reference script's rr_type_from_label: {type, rdata}. */
    static String[] parseLabel(String label) {
        int i = label.indexOf(": type ");
        if (i < 0) {
            return new String[] {"", ""};
        }
        String rest = label.substring(i + 7);
        int comma = rest.indexOf(", ");
        String t = comma < 0 ? rest : rest.substring(0, comma);
        String tail = comma < 0 ? "" : rest.substring(comma + 2);
        int comma2 = tail.indexOf(", ");
        return new String[] {t, comma2 < 0 ? "" : tail.substring(comma2 + 2)};
    }

    static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The longest prefix of {@code s} of at most {@code max} UTF-8 bytes that ends on a character. */
    static String cut(String s, int max) {
        if (utf8(s) <= max) {
            return s;
        }
        int bytes = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + n > max) {
                break;
            }
            bytes += n;
            i += Character.charCount(cp);
        }
        return s.substring(0, i);
    }

    /** The answer section as the reference writes it: "owner TYPE value" each. */
    static List<String> tsharkAnswers(DnsMessage m, byte[] bytes) {
        List<String> out = new ArrayList<>();
        for (DnsRecord r : m.answers()) {
            String appended = switch (r.type()) {
                case DnsParser.TYPE_A, DnsParser.TYPE_AAAA -> ", addr " + r.data();
                case DnsParser.TYPE_CNAME -> ", cname " + r.data();
                case DnsParser.TYPE_NS -> ", ns " + r.data();
                case DnsParser.TYPE_PTR -> ", " + r.data();
                case DnsParser.TYPE_MX -> ", preference " + r.data().replaceFirst(" ", ", mx ");
                case DnsParser.TYPE_SOA -> ", mname " + r.data().split(" ")[0];
                case DnsParser.TYPE_SRV, DnsParser.TYPE_HINFO, DnsParser.TYPE_DNAME, DnsParser.TYPE_NAPTR,
                     DnsParser.TYPE_NSEC -> ", " + r.data();
                default -> "";
            };
            String[] tr = parseLabel(label(shown(r.name()), r.type(), r.dnsClass(), appended));
            String t = tr[0];
            String value;
            if (t.equals("TXT") || ANSWER_VALUE_TYPES.contains(t)) {
                value = r.data();
            } else if (!tr[1].isEmpty()) {
                value = tr[1];
            } else {
                value = firstField(r, bytes);
            }
            String owner = r.type() == DnsParser.TYPE_SRV ? "" : shown(r.name());
            List<String> parts = new ArrayList<>();
            for (String x : new String[] {owner, t.isEmpty() ? Integer.toString(r.type()) : t, value}) {
                if (!x.isEmpty()) {
                    parts.add(x);
                }
            }
            out.add(String.join(" ", parts));
        }
        return out;
    }

    /** The first RDATA field tshark shows for a record (what the reference prints when the label has no type). */
    static String firstField(DnsRecord r, byte[] bytes) {
        return switch (r.type()) {
            case DnsParser.TYPE_TXT -> r.rdLength() == 0 ? "" : bytes == null ? "?"
                    : Integer.toString(bytes[r.rdataOffset()] & 0xFF);
            case DnsParser.TYPE_MX, DnsParser.TYPE_SOA -> r.data().split(" ")[0];
            default -> r.data();
        };
    }

    // ---------------------------------------------------------------- reading the captures

    static List<Found> netwatch(Path capture) {
        List<Found> out = new ArrayList<>();
        PacketDecoder decoder = new PacketDecoder();
        Map<String, TcpDirection> tcp = new HashMap<>();
        Map<String, Fragments> fragments = new LinkedHashMap<>();
        int[] frameNo = {0};
        try (PcapFileSource source = PcapFileSource.open(capture)) {
            source.run((ByteBuffer frame, int linkType, long nanos, int originalLength, int interfaceIndex) -> {
                int n = ++frameNo[0];
                DecodedPacket p = decoder.decode(frame, linkType);
                for (int i = 0; i < p.layerCount; i++) {
                    IpLayer l = p.layers[i];
                    String src = IpAddressFormat.format(l.ipVersion, l.srcHi, l.srcLo);
                    String dst = IpAddressFormat.format(l.ipVersion, l.dstHi, l.dstLo);
                    if (l.fragment) {
                        String key = l.depth + "/" + l.tunnelContext + "/" + src + "/" + dst + "/" + l.protocol + "/"
                                + l.fragmentId;
                        Fragments f = fragments.computeIfAbsent(key, k -> new Fragments());
                        byte[] piece = new byte[l.payloadLength];
                        frame.get(l.payloadOffset, piece);
                        byte[] datagram = f.add(l.fragmentOffset, piece, !l.moreFragments);
                        if (datagram != null) {
                            fragments.remove(key);
                            if (l.protocol == 17 && datagram.length >= 8) {
                                int sp = ((datagram[0] & 0xFF) << 8) | (datagram[1] & 0xFF);
                                int dp = ((datagram[2] & 0xFF) << 8) | (datagram[3] & 0xFF);
                                int udpLength = ((datagram[4] & 0xFF) << 8) | (datagram[5] & 0xFF);
                                int end = udpLength >= 8 ? Math.min(udpLength, datagram.length) : datagram.length;
                                if (sp == DNS_PORT || dp == DNS_PORT) {
                                    byte[] msg = java.util.Arrays.copyOfRange(datagram, 8, end);
                                    out.add(new Found(n, "udp", src, sp, dst, dp,
                                            DnsParser.parse(ByteBuffer.wrap(msg), 0, msg.length), msg, true, l.depth));
                                }
                            }
                        }
                        continue;
                    }
                    if (!l.transport || l.icmpError || (l.srcPort != DNS_PORT && l.dstPort != DNS_PORT)) {
                        continue;
                    }
                    if (l.protocol == 17) {
                        byte[] msg = new byte[l.payloadLength];
                        frame.get(l.payloadOffset, msg);
                        out.add(new Found(n, "udp", src, l.srcPort, dst, l.dstPort,
                                DnsParser.parse(frame, l.payloadOffset, l.payloadLength), msg, false, l.depth));
                    } else if (l.protocol == 6) {
                        String key = l.tunnelContext + "/" + src + "/" + l.srcPort + "/" + dst + "/" + l.dstPort;
                        boolean syn = (l.tcpFlags & 0x02) != 0;
                        TcpDirection d = tcp.get(key);
                        if (d == null || syn) {
                            d = new TcpDirection();
                            tcp.put(key, d);
                        }
                        for (DnsResult r : d.segment(frame, l.payloadOffset, l.payloadLength, l.tcpSeq, syn)) {
                            out.add(new Found(n, "tcp", src, l.srcPort, dst, l.dstPort, r, null, false, l.depth));
                        }
                    }
                }
            });
        } catch (CaptureException damaged) {
            // The damaged corpus files end early; tshark's rows stop at the same place.
        }
        return out;
    }

    /**
     * One direction of a TCP connection, reassembled as the contract allows for tests: in sequence
     * order, the first copy of a byte wins, out-of-order segments held until the hole fills.
     */
    static final class TcpDirection {
        private final DnsTcpFramer framer = new DnsTcpFramer();
        private boolean started;
        /** Sequence number of the first data byte; offsets below are relative to it. */
        private int isn;
        /** Offset of the next byte the framer needs. */
        private long next;
        private final TreeMap<Long, byte[]> held = new TreeMap<>();

        List<DnsResult> segment(ByteBuffer frame, int off, int len, int seq, boolean syn) {
            int dataSeq = syn ? seq + 1 : seq;
            if (!started) {
                started = true;
                isn = dataSeq;
            }
            List<DnsResult> out = new ArrayList<>();
            if (len == 0) {
                return out;
            }
            long at = Integer.toUnsignedLong(dataSeq - isn);
            if (at > next) {
                byte[] copy = new byte[len];
                frame.get(off, copy);
                held.putIfAbsent(at, copy);
                return out;
            }
            deliver(frame, off, len, next - at, out);
            // Held segments that the stream has now reached, in order.
            while (!held.isEmpty() && held.firstKey() <= next) {
                var e = held.pollFirstEntry();
                deliver(ByteBuffer.wrap(e.getValue()), 0, e.getValue().length, next - e.getKey(), out);
            }
            return out;
        }

        /** Feeds {@code b[off + skip, off + len)}: the part of a segment past what was delivered (zero copy). */
        private void deliver(ByteBuffer b, int off, int len, long skip, List<DnsResult> out) {
            if (skip >= len) {
                return;
            }
            out.addAll(framer.feed(b, off + (int) skip, len - (int) skip));
            next += len - skip;
        }
    }

    /** The fragments of one IP datagram, until it is whole. */
    static final class Fragments {
        private final TreeMap<Integer, byte[]> pieces = new TreeMap<>();
        private int total = -1;

        /** Adds a piece; returns the datagram's payload once every byte is here, else null. */
        byte[] add(int offset, byte[] data, boolean last) {
            pieces.putIfAbsent(offset, data);
            if (last) {
                total = offset + data.length;
            }
            if (total < 0) {
                return null;
            }
            int have = 0;
            for (var e : pieces.entrySet()) {
                if (e.getKey() > have) {
                    return null;
                }
                have = Math.max(have, e.getKey() + e.getValue().length);
            }
            if (have < total) {
                return null;
            }
            byte[] d = new byte[total];
            for (var e : pieces.descendingMap().entrySet()) {
                int n = Math.min(e.getValue().length, total - e.getKey());
                if (n > 0) {
                    System.arraycopy(e.getValue(), 0, d, e.getKey(), n);
                }
            }
            return d;
        }
    }
}
