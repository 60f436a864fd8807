package io.netwatch.aggregator.verdict;

import io.netwatch.aggregator.policy.PolicyRef;
import io.netwatch.aggregator.policy.Verdict;
import io.netwatch.aggregator.response.HandshakeWitness;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Explanation;
import io.netwatch.proto.anomaly.v1.Observation;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;
import com.google.protobuf.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Turns denied flows that were established into {@code policy_violation} anomalies, one per
 * (source workload, destination workload, port, protocol) and window: the first flow of a
 * pair raises one at once; the pair's later flows within the window are counted, and when
 * the window closes with some, one more anomaly says how many. Bounded: at most
 * {@code maxPairs} open windows; past that the oldest closes early (counted).
 *
 * <p>An established flow is not proof that its source holds its address (the responder
 * answers a spoofed SYN too): the first anomaly says so only when its flow shows the source
 * completing the handshake ({@code source_handshake_completed}, which the blocking guardrails
 * read). It must say it itself: the anomaly is stored before its flow reaches the response
 * stage's {@link HandshakeWitness}.
 */
public final class ViolationReporter {
    public static final String TYPE = "policy_violation";
    public static final String DETECTOR = "aggregator.policy";
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);
    public static final int DEFAULT_MAX_PAIRS = 10_000;
    /** Evidence flow ids kept per anomaly. */
    static final int MAX_EVIDENCE = 16;

    private record Pair(String source, String destination, int port, int protocol) {
    }

    private static final class Window {
        final Anomaly first;
        /** "8080/TCP". */
        final String portProto;
        final long openedMillis;
        final List<Long> evidence = new ArrayList<>();
        final Set<String> policies = new TreeSet<>();
        long more;
        Timestamp start;
        Timestamp end;

        Window(Anomaly first, String portProto, long openedMillis) {
            this.first = first;
            this.portProto = portProto;
            this.openedMillis = openedMillis;
        }
    }

    private final Consumer<Anomaly> sink;
    private final long windowMillis;
    private final int maxPairs;
    private final String producer;
    private final LinkedHashMap<Pair, Window> open = new LinkedHashMap<>();
    private long sequence;
    private long raised;
    private long suppressed;
    private long closedEarly;

    /**
     * @param sink where anomalies go (the store); called with this reporter's lock held, so
     *             it must not call back
     */
    public ViolationReporter(Consumer<Anomaly> sink, Duration window, int maxPairs) {
        this.sink = Objects.requireNonNull(sink, "sink");
        if (maxPairs < 1 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("violation window must be positive and maxPairs at least 1");
        }
        this.windowMillis = window.toMillis();
        this.maxPairs = maxPairs;
        this.producer = "aggregator-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 32);
    }

    public ViolationReporter(Consumer<Anomaly> sink) {
        this(sink, DEFAULT_WINDOW, DEFAULT_MAX_PAIRS);
    }

    /** A denied flow that was established: an anomaly now, or a count in its pair's window. */
    public synchronized void violation(Flow f, Verdict v, int port, String protocol, long nowMillis) {
        Pair pair = new Pair(key(f.getSource()), key(f.getDestination()), port, f.getIpProtocol());
        Window w = open.get(pair);
        if (w != null && nowMillis - w.openedMillis < windowMillis) {
            w.more++;
            suppressed++;
            if (w.evidence.size() < MAX_EVIDENCE) {
                w.evidence.add(f.getFlowId());
            }
            v.policies().forEach(p -> w.policies.add(p.toString()));
            if (w.start == null) {
                w.start = f.getFirstSeen();
            }
            w.end = f.getLastSeen();
            return;
        }
        if (w != null) {
            close(open.remove(pair));
        }
        Anomaly a = first(f, v, port, protocol);
        raised++;
        sink.accept(a);
        open.put(pair, new Window(a, port + "/" + protocol, nowMillis));
        if (open.size() > maxPairs) {
            Iterator<Map.Entry<Pair, Window>> it = open.entrySet().iterator();
            Window eldest = it.next().getValue();
            it.remove();
            closedEarly++;
            close(eldest);
        }
    }

    /** Closes the windows that are over. */
    public synchronized void sweep(long nowMillis) {
        Iterator<Map.Entry<Pair, Window>> it = open.entrySet().iterator();
        while (it.hasNext()) {
            Window w = it.next().getValue();
            if (nowMillis - w.openedMillis < windowMillis) {
                break; // insertion order is opening order
            }
            it.remove();
            close(w);
        }
    }

    private void close(Window w) {
        if (w.more == 0) {
            return;
        }
        Anomaly f = w.first;
        String summary = String.format(Locale.ROOT, "%d more %s %s → %s %s, denied by %s, in the %d minutes after %s",
                w.more, w.more == 1 ? "flow" : "flows", describe(f.getSource()), describe(f.getDestination()),
                w.portProto, String.join(", ", w.policies), Math.max(1, windowMillis / 60_000), f.getId());
        sink.accept(f.toBuilder()
                .setId(producer + "-" + ++sequence)
                // The first flow is not this one's evidence; the flows that are were stored
                // before it, so the handshake witness knows what they show.
                .clearSourceHandshakeCompleted()
                .setStart(w.start)
                .setEnd(w.end)
                .setExplanation(Explanation.newBuilder().setSummary(summary)
                        .addObservations(Observation.newBuilder().setName("denied_established_flows")
                                .setObserved(w.more).setExpected(0).setUnit("flows")))
                .clearEvidenceFlowIds()
                .addAllEvidenceFlowIds(w.evidence)
                .build());
        raised++;
    }

    private Anomaly first(Flow f, Verdict v, int port, String protocol) {
        List<String> sides = new ArrayList<>();
        if (v.egress() instanceof Verdict.Denied d) {
            sides.add("egress from " + describe(f.getSource()) + " denied by " + refs(d.isolatedBy()));
        }
        if (v.ingress() instanceof Verdict.Denied d) {
            sides.add("ingress to " + describe(f.getDestination()) + " denied by " + refs(d.isolatedBy()));
        }
        String summary = String.format(Locale.ROOT,
                "%s → %s %d/%s was established although NetworkPolicy denies it (%s): the network plugin did not"
                        + " enforce these policies, or they changed while the connection was open. Seen by %s.",
                describe(f.getSource()), describe(f.getDestination()), port, protocol, String.join("; ", sides),
                f.getNodeName().isEmpty() ? "an agent" : f.getNodeName());
        return Anomaly.newBuilder()
                .setId(producer + "-" + ++sequence)
                .setAnomalyType(TYPE)
                .setDetector(DETECTOR)
                .setSeverity(Severity.SEVERITY_HIGH)
                .setScore(1.0)
                .setSource(f.getSource())
                .setDestination(f.getDestination())
                .setStart(f.getFirstSeen())
                .setEnd(f.getLastSeen())
                .setExplanation(Explanation.newBuilder().setSummary(summary)
                        .addObservations(Observation.newBuilder().setName("denied_established_flows")
                                .setObserved(1).setExpected(0).setUnit("flows")))
                .addEvidenceFlowIds(f.getFlowId())
                .setSourceHandshakeCompleted(HandshakeWitness.completedByInitiator(f))
                .build();
        // No ATT&CK technique: a connection the policies deny is a control failing, not by
        // itself a technique; correlation with other anomalies may name one.
    }

    private static String refs(List<PolicyRef> refs) {
        return String.join(", ", refs.stream().map(PolicyRef::toString).toList());
    }

    /** What the pair is keyed by: the workload, so every pod of a Deployment is one source. */
    private static String key(Endpoint e) {
        Workload w = e.getWorkload();
        if (!w.getNamespace().isEmpty()) {
            return w.getNamespace() + "/" + w.getWorkloadKind() + "/" + w.getWorkloadName();
        }
        return w.getExternalName().isEmpty() ? e.getIp() : w.getExternalName();
    }

    /** How an end reads in a summary: namespace/workload, an external name, or the address. */
    static String describe(Endpoint e) {
        Workload w = e.getWorkload();
        if (!w.getNamespace().isEmpty()) {
            String name = w.getWorkloadName().isEmpty() ? w.getPodName() : w.getWorkloadName();
            return w.getNamespace() + "/" + name;
        }
        if (!w.getExternalName().isEmpty() && !w.getExternalName().contains("/")) {
            return w.getExternalName() + " (" + e.getIp() + ")";
        }
        return e.getIp();
    }

    public synchronized long raised() {
        return raised;
    }

    /** Violations counted in an open window instead of raising their own anomaly. */
    public synchronized long suppressed() {
        return suppressed;
    }

    /** Windows closed before their time because {@code maxPairs} were open. */
    public synchronized long closedEarly() {
        return closedEarly;
    }
}
