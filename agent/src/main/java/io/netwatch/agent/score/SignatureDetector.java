package io.netwatch.agent.score;

import com.google.protobuf.util.Timestamps;
import io.netwatch.agent.inspect.InspectionEvent;
import io.netwatch.agent.inspect.InspectionSink;
import io.netwatch.agent.inspect.signature.Rule;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Explanation;
import io.netwatch.proto.anomaly.v1.Observation;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Endpoint;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns signature alerts into {@code signature} anomalies. A rule already fires at most once
 * per flow, and alerts that a suppress line or a threshold kept from being raised never come
 * here; here one source tripping the same rule on many flows (a scanner sending its user
 * agent to every pod) is reported once per {@link #WINDOW_NANOS}, and the repeats are counted.
 * Runs on the capture thread; bounded by {@link #MAX_TRACKED}.
 */
public final class SignatureDetector implements InspectionSink {
    public static final String TYPE = "signature";
    /** A repeat of the same rule from the same source within this time is not a new anomaly (capture time). */
    public static final long WINDOW_NANOS = 300_000_000_000L;
    /** Source and rule pairs remembered; the least recently seen is forgotten first. */
    public static final int MAX_TRACKED = 10_000;

    private final AnomalySink sink;
    private final String nodeName;
    private final Map<String, Long> lastRaised = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_TRACKED;
        }
    };
    private long nextId = 1;
    private final AtomicLong raised = new AtomicLong();
    private final AtomicLong repeats = new AtomicLong();

    public SignatureDetector(AnomalySink sink, String nodeName) {
        this.sink = sink;
        this.nodeName = nodeName;
    }

    @Override
    public void onEvent(InspectionEvent event) {
        if (!(event instanceof InspectionEvent.Alert a)) {
            return;
        }
        Rule rule = a.rule();
        String key = a.endpoints().srcIp() + "|" + rule.sid();
        Long before = lastRaised.get(key);
        if (before != null && a.timestampNanos() - before < WINDOW_NANOS) {
            repeats.incrementAndGet();
            return;
        }
        lastRaised.put(key, a.timestampNanos());
        InspectionEvent.Endpoints e = a.endpoints();
        Anomaly anomaly = Anomaly.newBuilder()
                .setId(nodeName + "-sig-" + nextId++)
                .setAnomalyType(TYPE)
                .setSeverity(severity(rule))
                .setScore(1.0)
                .setSource(Endpoint.newBuilder().setIp(e.srcIp()).setPort(e.srcPort()))
                .setDestination(Endpoint.newBuilder().setIp(e.dstIp()).setPort(e.dstPort()))
                .setStart(Timestamps.fromNanos(a.timestampNanos()))
                .setEnd(Timestamps.fromNanos(a.timestampNanos()))
                .setExplanation(Explanation.newBuilder()
                        .setSummary(e.srcIp() + " -> " + e.dstIp() + ":" + e.dstPort() + " matched rule " + rule.sid()
                                + " \"" + rule.msg() + "\" in " + a.buffer()
                                + (rule.classtype().isEmpty() ? "" : " (" + rule.classtype() + ")"))
                        .addObservations(Observation.newBuilder().setName("rule_sid").setObserved(rule.sid())
                                .setExpected(0).setUnit("sid")))
                .addEvidenceFlowIds(a.flowId())
                .setAttackTechnique(technique(rule.classtype()))
                .setNodeName(nodeName)
                .setDetector("agent.signature")
                .build();
        raised.incrementAndGet();
        sink.onAnomaly(anomaly);
    }

    private static Severity severity(Rule r) {
        return switch (r.priority()) {
            case 1 -> Severity.SEVERITY_HIGH;
            case 2 -> Severity.SEVERITY_MEDIUM;
            case 3 -> Severity.SEVERITY_LOW;
            default -> Severity.SEVERITY_INFO;
        };
    }

    /** The MITRE ATT&CK technique a classtype most often stands for, or empty. */
    static String technique(String classtype) {
        return switch (classtype) {
            case "attempted-admin", "web-application-attack", "attempted-user" -> "T1190";
            case "attempted-recon", "network-scan" -> "T1595";
            case "coin-mining" -> "T1496";
            case "trojan-activity", "successful-admin", "command-and-control" -> "T1059";
            default -> "";
        };
    }

    /** Anomalies raised. */
    public long raised() {
        return raised.get();
    }

    /** Alerts not raised again because the same source tripped the same rule within the window. */
    public long repeats() {
        return repeats.get();
    }
}
