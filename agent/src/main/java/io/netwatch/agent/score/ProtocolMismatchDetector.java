package io.netwatch.agent.score;

import io.netwatch.agent.flow.FlowSink;
import io.netwatch.agent.inspect.ProtocolProbe;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Flow;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A protocol, named by its payload, on a port that says otherwise ({@code protocol_mismatch}):
 * SSH or TLS on the HTTP port, HTTP on 443, and anything on a port that expects something
 * else (see {@link ProtocolProbe#expectedForPort}); SSH and Stratum (mining) on ports that
 * expect nothing in particular too, since both are how tunnels and miners hide. One anomaly
 * per (source, destination, port) edge per window, from flow records on the capture thread.
 *
 * <p>Severity: high for Stratum (mining, MITRE T1496), medium for SSH away from its ports
 * (a tunnel, T1572), low for the rest (T1571, Non-Standard Port). Bounded: edges in a
 * fixed-capacity table whose evictions are counted.
 */
public final class ProtocolMismatchDetector implements FlowSink {
    public static final String TYPE = "protocol_mismatch";

    private final MismatchConfig config;
    private final AnomalySink sink;
    private final String nodeName;
    private final LruTable<Edge, long[]> reported;
    private long nextId = 1;
    private final AtomicLong raised = new AtomicLong();
    private final AtomicLong repeats = new AtomicLong();

    public ProtocolMismatchDetector(MismatchConfig config, AnomalySink sink, String nodeName) {
        this.config = config;
        this.sink = sink;
        this.nodeName = nodeName;
        this.reported = new LruTable<>(config.maxEdges());
    }

    private record Edge(String source, String destination, int port) {
    }

    @Override
    public void onFlow(Flow flow) {
        String protocol = flow.getAppProto();
        if (protocol.isEmpty()) {
            return;
        }
        int port = flow.getDestination().getPort();
        boolean tcp = flow.getIpProtocol() == 6;
        String expected = ProtocolProbe.expectedForPort(port, tcp);
        boolean mismatch = expected != null
                ? !expected.equals(protocol)
                : protocol.equals(ProtocolProbe.SSH) || protocol.equals(ProtocolProbe.STRATUM);
        if (!mismatch) {
            return;
        }
        long at = Anomalies.nanos(flow.getFirstSeen());
        Edge edge = new Edge(flow.getSource().getIp(), flow.getDestination().getIp(), port);
        long[] last = reported.get(edge);
        if (last != null && at - last[0] < config.window().toNanos()) {
            repeats.incrementAndGet();
            return;
        }
        reported.put(edge, new long[] {at});
        report(flow, edge, protocol, expected, at);
    }

    private void report(Flow flow, Edge edge, String protocol, String expected, long at) {
        Severity severity;
        String technique;
        if (protocol.equals(ProtocolProbe.STRATUM)) {
            severity = Severity.SEVERITY_HIGH;
            technique = "T1496";
        } else if (protocol.equals(ProtocolProbe.SSH)) {
            severity = Severity.SEVERITY_MEDIUM;
            technique = "T1572";
        } else {
            severity = Severity.SEVERITY_LOW;
            technique = "T1571";
        }
        String summary = String.format(Locale.ROOT, "%s spoke %s to %s on port %d, where %s was expected",
                edge.source(), protocol.toUpperCase(Locale.ROOT), edge.destination(), edge.port(),
                expected == null ? "neither SSH nor Stratum" : expected.toUpperCase(Locale.ROOT));
        Anomaly.Builder a = Anomalies.start(nodeName + "-mismatch-" + nextId++, TYPE, "protocol_mismatch", technique,
                nodeName, severity, 1.0, Anomalies.endpoint(edge.source()),
                Anomalies.endpoint(edge.destination(), edge.port()), at, Anomalies.nanos(flow.getLastSeen()), summary);
        a.getExplanationBuilder().addObservations(Anomalies.observation("destination_port", edge.port(), 0, "port"));
        a.addEvidenceFlowIds(flow.getFlowId());
        raised.incrementAndGet();
        sink.onAnomaly(a.build());
    }

    public long raised() {
        return raised.get();
    }

    /** Mismatches on an edge already reported within the window. */
    public long repeats() {
        return repeats.get();
    }

    /** Edges forgotten because {@link MismatchConfig#maxEdges()} were remembered. */
    public long evictions() {
        return reported.evictions();
    }
}
