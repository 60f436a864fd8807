package io.netwatch.agent.score;

import io.netwatch.agent.inspect.InspectionEvent;
import io.netwatch.agent.inspect.dns.DnsParser;
import io.netwatch.agent.inspect.dns.DnsResult;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** DNS query events as inspection reports them: real query bytes through the real parser. */
final class DnsQueries {
    private DnsQueries() {
    }

    /** A query for {@code name} of {@code qtype} from {@code client} to a resolver, at {@code nanos}. */
    static InspectionEvent.Dns query(long flowId, String client, String name, int qtype, long nanos) {
        return query(flowId, client, null, name, qtype, nanos);
    }

    /** A query for {@code name} under a first label of raw bytes ({@code rawLabel}, none when null). */
    static InspectionEvent.Dns query(long flowId, String client, byte[] rawLabel, String name, int qtype, long nanos) {
        List<byte[]> labels = new ArrayList<>();
        if (rawLabel != null) {
            labels.add(rawLabel);
        }
        for (String label : name.split("\\.")) {
            labels.add(label.getBytes(StandardCharsets.US_ASCII));
        }
        return query(flowId, client, 40000, "10.96.0.10", 0x1234, labels, qtype, nanos);
    }

    /**
     * A query with transaction id {@code id} from {@code client}:{@code port} to {@code server}:53
     * for the name of these wire labels (see {@link #labels}).
     */
    static InspectionEvent.Dns query(long flowId, String client, int port, String server, int id, List<byte[]> labels,
                                     int qtype, long nanos) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) (id >> 8), (byte) id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        for (byte[] l : labels) {
            b.write(l.length);
            b.writeBytes(l);
        }
        b.write(0);
        b.writeBytes(new byte[] {(byte) (qtype >> 8), (byte) qtype, 0, 1});
        byte[] raw = b.toByteArray();
        DnsResult r = DnsParser.parse(ByteBuffer.wrap(raw), 0, raw.length);
        if (!(r instanceof DnsResult.Ok ok)) {
            throw new AssertionError("test query did not parse: " + r);
        }
        return new InspectionEvent.Dns(flowId, nanos, new InspectionEvent.Endpoints(client, port, server, 53, "udp"),
                ok.message(), raw);
    }

    /** Wire labels, one per argument, each its characters' bytes: {@code "x.google"} is one label with a dot in it. */
    static List<byte[]> labels(String... labels) {
        List<byte[]> out = new ArrayList<>();
        for (String l : labels) {
            out.add(l.getBytes(StandardCharsets.ISO_8859_1));
        }
        return out;
    }
}
