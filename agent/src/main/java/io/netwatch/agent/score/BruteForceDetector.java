package io.netwatch.agent.score;

import io.netwatch.agent.flow.FlowSink;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Flow;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Password guessing ({@code brute_force}): many short connections from one source to one
 * service in a window (see {@link BruteForceConfig}). Each guess, or each handful, is
 * its own connection, because servers drop a client after a few failed logins; a real session
 * lasts longer or carries more.
 *
 * <p>Works on each TCP flow's close report ({@link io.netwatch.agent.flow.FlowTable#closes}),
 * once per connection, as it ends, on the capture thread. Bounded: (source, service) pairs in a
 * fixed-capacity table whose evictions are counted.
 */
public final class BruteForceDetector implements FlowSink {
    public static final String TYPE = "brute_force";
    /** MITRE ATT&CK: Brute Force. */
    public static final String TECHNIQUE = "T1110";
    private static final int TCP = 6;
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int HTTP_UNAUTHORIZED = 401;

    private final BruteForceConfig config;
    private final AnomalySink sink;
    private final String nodeName;
    private final LruTable<Service, Window> pairs;
    private long nextId = 1;
    /** The last connection's start, capture time: windows over by it weigh nothing ({@link #evidence}). */
    private long clockNanos;
    private final AtomicLong raised = new AtomicLong();

    public BruteForceDetector(BruteForceConfig config, AnomalySink sink, String nodeName) {
        this.config = config;
        this.sink = sink;
        this.nodeName = nodeName;
        this.pairs = new LruTable<>(config.maxPairs(), this::evidence);
    }

    private record Service(String source, String destination, int port) {
    }

    /**
     * What a pair's window holds, for the table to keep the pairs that hold the most (see
     * {@link LruTable}): its attempts, none once the window is over. One connection each from
     * many other sources between two guesses (spoofed SYNs get their SYN-ACK) must not flush
     * the guesser's window.
     */
    private long evidence(Window w) {
        return clockNanos - w.startNanos >= config.window().toNanos() ? 0 : w.attempts;
    }

    /** One pair's window; mutable, lives only in {@link #pairs}. */
    private static final class Window {
        long startNanos;
        long lastNanos;
        int attempts;
        /** Attempts whose initiator acknowledged the SYN-ACK: the source really holds its address. */
        int handshakes;
        long bytes;
        long[] evidence;
        int evidenceCount;
        boolean reported;
        String protocol = "";

        void restart(long nowNanos) {
            startNanos = nowNanos;
            lastNanos = nowNanos;
            attempts = 0;
            handshakes = 0;
            bytes = 0;
            evidenceCount = 0;
            reported = false;
        }
    }

    @Override
    public void onFlow(Flow flow) {
        if (flow.getIpProtocol() != TCP) {
            return;
        }
        int port = flow.getDestination().getPort();
        boolean http401 = flow.hasHttp() && flow.getHttp().getStatus() == HTTP_UNAUTHORIZED;
        if (!config.ports().contains(port) && !flow.getAppProto().equals("ssh") && !http401) {
            return;
        }
        if ((flow.getTcp().getFlagsToServer() & SYN) == 0) {
            return; // picked up mid-stream: its length is unknown
        }
        long first = Anomalies.nanos(flow.getFirstSeen());
        long last = Anomalies.nanos(flow.getLastSeen());
        boolean answered = (flow.getTcp().getFlagsToClient() & (SYN | ACK)) == (SYN | ACK);
        boolean small = last - first <= config.maxDuration().toNanos()
                && flow.getToServer().getBytes() <= config.maxBytes();
        if (!answered || !small) {
            return; // no handshake, no password; a long or large connection is a session
        }
        Service key = new Service(flow.getSource().getIp(), flow.getDestination().getIp(), port);
        clockNanos = first;
        Window w = pairs.get(key);
        if (w == null) {
            w = new Window();
            w.startNanos = first;
            pairs.put(key, w);
        } else if (first - w.startNanos >= config.window().toNanos()
                || w.startNanos - first >= config.window().toNanos()) {
            // A whole window before its start is no connection closing late: the capture clock
            // went back (files concatenated, a clock stepped), and the window held open until it
            // caught up would keep the pair reported, so a new attack unreported, for that long.
            w.restart(first);
        }
        w.attempts++;
        if ((flow.getTcp().getFlagsToServer() & ACK) != 0) {
            w.handshakes++;
        }
        w.bytes += flow.getToServer().getBytes();
        w.lastNanos = Math.max(w.lastNanos, last);
        if (!flow.getAppProto().isEmpty()) {
            w.protocol = flow.getAppProto();
        }
        if (config.maxEvidence() > 0) {
            if (w.evidence == null) {
                w.evidence = new long[config.maxEvidence()];
            }
            if (w.evidenceCount < w.evidence.length) {
                w.evidence[w.evidenceCount++] = flow.getFlowId();
            }
        }
        if (!w.reported && w.attempts >= config.minAttempts()) {
            w.reported = true;
            report(key, w);
        }
    }

    private void report(Service key, Window w) {
        String summary = String.format(Locale.ROOT,
                "%s made %d short connections to %s:%d%s in %.1f s (%.0f bytes each on average to the server): "
                        + "at least %d in %d s looks like password guessing",
                key.source(), w.attempts, key.destination(), key.port(),
                w.protocol.isEmpty() ? "" : " (" + w.protocol + ")", Math.max(0, w.lastNanos - w.startNanos) / 1e9,
                (double) w.bytes / w.attempts, config.minAttempts(), config.window().toSeconds());
        Anomaly.Builder a = Anomalies.start(nodeName + "-brute-" + nextId++, TYPE, "brute_force", TECHNIQUE, nodeName,
                Severity.SEVERITY_HIGH, (double) w.attempts / (5.0 * config.minAttempts()),
                Anomalies.endpoint(key.source()), Anomalies.endpoint(key.destination(), key.port()), w.startNanos,
                w.lastNanos, summary);
        a.getExplanationBuilder()
                .addObservations(Anomalies.observation("short_connections", w.attempts, config.minAttempts(),
                        "connections"))
                .addObservations(Anomalies.observation("mean_bytes_to_server", (double) w.bytes / w.attempts,
                        config.maxBytes(), "bytes"));
        for (int i = 0; i < w.evidenceCount; i++) {
            a.addEvidenceFlowIds(w.evidence[i]);
        }
        // Blocking acts only on a source shown to hold its address (docs/blocking.md).
        a.setSourceHandshakeCompleted(w.handshakes > 0);
        raised.incrementAndGet();
        sink.onAnomaly(a.build());
    }

    public long raised() {
        return raised.get();
    }

    /** Pairs forgotten because {@link BruteForceConfig#maxPairs()} were tracked. */
    public long evictions() {
        return pairs.evictions();
    }
}
