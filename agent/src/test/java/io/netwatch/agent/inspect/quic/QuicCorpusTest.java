package io.netwatch.agent.inspect.quic;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The external oracle: every capture of the shared corpus, every UDP payload that probes as a
 * QUIC Initial decrypted, CRYPTO data reassembled per connection and direction, the ClientHello's
 * SNI and the ServerHello's cipher suite and version read, and compared with what tshark decoded
 * ({@code reference/*.tls.tsv}, rows with {@code transport = quic}). Prints the agreement figure
 * and every mismatch.
 *
 * <p>A connection is keyed by the client's 4-tuple, with the DCID of the client's first Initial
 * kept for the keys: later client Initials (which carry the server's connection ID) and the
 * server's Initials are opened with it, as tshark does.
 */
class QuicCorpusTest {

    static Path corpus() {
        String dir = System.getProperty("netwatch.shared.pcaps");
        for (Path p : new Path[] {dir == null ? null : Path.of(dir), Path.of("/work/shared/pcaps")}) {
            if (p != null && Files.isDirectory(p.resolve("reference"))) {
                return p;
            }
        }
        return null;
    }

    /** One ClientHello or ServerHello, as tshark wrote it or as found here. */
    record Hello(String capture, int frame, String src, int srcPort, String dst, int dstPort, String handshake,
                 String sni, String cipherSuite, String version) {
        String key() {
            return capture + " frame " + frame + " " + handshake;
        }

        String describe() {
            return key() + " " + src + ":" + srcPort + " -> " + dst + ":" + dstPort + " sni=" + sni + " cipher="
                    + cipherSuite + " version=" + version;
        }
    }

    static List<Hello> reference(Path tsv) throws IOException {
        String capture = tsv.getFileName().toString().replaceFirst("\\.tls\\.tsv$", "");
        List<String> lines = Files.readAllLines(tsv);
        List<String> header = List.of(lines.getFirst().split("\t", -1));
        List<Hello> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] c = line.split("\t", -1);
            if (!c[header.indexOf("transport")].equals("quic")) {
                continue;
            }
            String handshake = c[header.indexOf("handshake")];
            boolean client = handshake.equals("client_hello");
            rows.add(new Hello(capture, Integer.parseInt(c[header.indexOf("frame")]), c[header.indexOf("src_ip")],
                    Integer.parseInt(c[header.indexOf("src_port")]), c[header.indexOf("dst_ip")],
                    Integer.parseInt(c[header.indexOf("dst_port")]), handshake,
                    client ? unescape(c[header.indexOf("sni")]) : "",
                    client ? "" : c[header.indexOf("cipher_suite")], client ? "" : c[header.indexOf("version")]));
        }
        return rows;
    }

    /** The reference's cell escapes: {@code \\ \t \n \r}. */
    static String unescape(String cell) {
        StringBuilder sb = new StringBuilder(cell.length());
        for (int i = 0; i < cell.length(); i++) {
            char ch = cell.charAt(i);
            if (ch == '\\' && i + 1 < cell.length()) {
                char next = cell.charAt(++i);
                sb.append(switch (next) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    default -> next;
                });
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    static String versionName(int v) {
        return switch (v) {
            case 0x0301 -> "TLS 1.0";
            case 0x0302 -> "TLS 1.1";
            case 0x0303 -> "TLS 1.2";
            case 0x0304 -> "TLS 1.3";
            default -> String.format("0x%04x", v);
        };
    }

    /** One QUIC connection as the test follows it. */
    static final class Connection {
        final ConnectionId clientDcid;
        final QuicCryptoAssembler client = new QuicCryptoAssembler();
        final QuicCryptoAssembler server = new QuicCryptoAssembler();
        boolean clientHelloSeen;
        boolean serverHelloSeen;

        Connection(ConnectionId clientDcid) {
            this.clientDcid = clientDcid;
        }
    }

    /** Counts of what the parser returned, for the printout. */
    static final Map<String, Integer> OUTCOMES = new TreeMap<>();

    static void count(String outcome) {
        OUTCOMES.merge(outcome, 1, Integer::sum);
    }

    static List<Hello> netwatch(Path capture) {
        String name = capture.getFileName().toString();
        List<Hello> found = new ArrayList<>();
        Map<String, Connection> connections = new HashMap<>();
        PacketDecoder decoder = new PacketDecoder();
        int[] frameNumber = {0};
        try (PcapFileSource source = PcapFileSource.open(capture)) {
            try {
                source.run((ByteBuffer frame, int linkType, long nanos, int originalLength, int interfaceIndex) -> {
                    frameNumber[0]++;
                    DecodedPacket p = decoder.decode(frame, linkType);
                    for (int i = 0; i < p.layerCount; i++) {
                        IpLayer l = p.layers[i];
                        if (l.protocol != PacketDecoder.PROTO_UDP || !l.flowable()) {
                            continue;
                        }
                        if (!QuicInitial.probe(frame, l.payloadOffset, l.payloadLength)) {
                            continue;
                        }
                        String src = IpAddressFormat.format(l.ipVersion, l.srcHi, l.srcLo);
                        String dst = IpAddressFormat.format(l.ipVersion, l.dstHi, l.dstLo);
                        onInitial(name, frameNumber[0], frame, l, src, dst, connections, found);
                    }
                });
            } catch (CaptureException damaged) {
                // The damaged corpus files end early; tshark's rows stop at the same place.
            }
        } catch (CaptureException e) {
            throw new AssertionError(e);
        }
        return found;
    }

    static void onInitial(String capture, int frameNumber, ByteBuffer frame, IpLayer l, String src, String dst,
                          Map<String, Connection> connections, List<Hello> found) {
        String forward = src + "#" + l.srcPort + ">" + dst + "#" + l.dstPort;
        String reverse = dst + "#" + l.dstPort + ">" + src + "#" + l.srcPort;
        int off = l.payloadOffset;
        int len = l.payloadLength;
        Connection c = connections.get(forward);
        InitialResult r;
        boolean fromServer = false;
        if (c != null) {
            r = QuicInitial.decryptClientInitials(frame, off, len, c.clientDcid);
            if (r instanceof InitialResult.Malformed(String reason) && reason.equals("decrypt_failed")
                    && QuicInitial.decryptClientInitials(frame, off, len) instanceof InitialResult.Ok ok) {
                // A new connection on the same 4-tuple.
                c = new Connection(ok.dcid());
                connections.put(forward, c);
                r = ok;
            }
        } else if ((c = connections.get(reverse)) != null) {
            fromServer = true;
            r = QuicInitial.decryptServerInitials(frame, off, len, c.clientDcid);
        } else {
            r = QuicInitial.decryptClientInitials(frame, off, len);
            if (r instanceof InitialResult.Ok ok) {
                c = new Connection(ok.dcid());
                connections.put(forward, c);
            }
        }
        count((fromServer ? "server " : "client ") + switch (r) {
            case InitialResult.Ok ok -> "ok" + (ok.anomalies().isEmpty() ? "" : " " + ok.anomalies());
            case InitialResult.Malformed m -> "malformed " + m.reason();
            case InitialResult.NotQuic n -> "not_quic";
        });
        if (!(r instanceof InitialResult.Ok ok)) {
            return;
        }
        QuicCryptoAssembler stream = fromServer ? c.server : c.client;
        stream.addAll(ok.fragments());
        boolean seen = fromServer ? c.serverHelloSeen : c.clientHelloSeen;
        if (seen || stream.firstMessageLength() < 0) {
            return;
        }
        if (fromServer) {
            c.serverHelloSeen = true;
        } else {
            c.clientHelloSeen = true;
        }
        HelloReader.Hello h = HelloReader.read(stream.contiguous());
        if (h == null) {
            count((fromServer ? "server" : "client") + " first CRYPTO message is no Hello");
            return;
        }
        boolean client = h.type() == HelloReader.CLIENT_HELLO;
        found.add(new Hello(capture, frameNumber, src, l.srcPort, dst, l.dstPort, h.handshake(),
                client ? (h.sni() == null ? "" : h.sni()) : "",
                client ? "" : String.format("0x%04x", h.cipherSuite()),
                client ? "" : versionName(h.selectedVersion())));
    }

    @Test
    void initialsAgreeWithTsharkOnTheWholeCorpus() throws IOException {
        Path dir = corpus();
        assumeTrue(dir != null,
                "the shared capture corpus (-Dnetwatch.shared.pcaps or /work/shared/pcaps) is not here");
        OUTCOMES.clear();
        Map<String, Hello> theirs = new LinkedHashMap<>();
        Map<String, Hello> ours = new LinkedHashMap<>();
        int captures = 0;
        try (var list = Files.list(dir)) {
            List<Path> files = list.filter(p -> p.getFileName().toString().matches(".*\\.pcap(ng)?")).sorted().toList();
            for (Path capture : files) {
                Path tsv = dir.resolve("reference").resolve(capture.getFileName() + ".tls.tsv");
                if (!Files.exists(tsv)) {
                    continue;
                }
                captures++;
                reference(tsv).forEach(h -> theirs.put(h.key(), h));
                netwatch(capture).forEach(h -> ours.put(h.key(), h));
            }
        }
        int matched = 0;
        List<String> mismatches = new ArrayList<>();
        for (Hello t : theirs.values()) {
            Hello o = ours.get(t.key());
            if (t.equals(o)) {
                matched++;
            } else {
                mismatches.add("tshark " + t.describe() + "\n         netwatch "
                        + (o == null ? "nothing" : o.describe()));
            }
        }
        for (Hello o : ours.values()) {
            if (!theirs.containsKey(o.key())) {
                mismatches.add("netwatch only: " + o.describe());
            }
        }
        System.out.printf("quic initials: %d of %d tshark rows (transport quic) match on endpoints, handshake, SNI, "
                + "cipher suite and version, over %d captures; %d found by Netwatch%n", matched, theirs.size(),
                captures, ours.size());
        OUTCOMES.forEach((k, v) -> System.out.printf("    %5d datagrams probed as Initials: %s%n", v, k));
        mismatches.forEach(m -> System.out.println("MISMATCH " + m));
        assertTrue(theirs.size() > 0, "no QUIC rows in the reference");
        assertEquals(List.of(), mismatches);
    }
}
