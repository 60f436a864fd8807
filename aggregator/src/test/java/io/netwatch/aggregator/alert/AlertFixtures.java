package io.netwatch.aggregator.alert;

import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.anomaly.v1.Explanation;
import io.netwatch.proto.anomaly.v1.Severity;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Workload;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Alerts, notifications and anomalies for the alerting tests. */
final class AlertFixtures {
    static final Instant T0 = Instant.parse("2026-11-26T12:00:00Z");

    private AlertFixtures() {
    }

    static AlertEvent firing(String key, String namespace, Severity severity) {
        return new AlertEvent(key, AlertEvent.State.FIRING, "port_scan from " + namespace + "/Deployment/scanner",
                "10.0.0.7 probed 120 ports of 10.0.1.9 in 3 s", severity, List.of("port_scan"), namespace,
                "Deployment/scanner", List.of(namespace + "/scanner-5d9f-abcde", namespace + "/db-0"), List.of("node-a"),
                namespace + "/Deployment/scanner", T0, null, "https://netwatch.example/alerts/" + key,
                Map.of("detector", "agent.port_scan", "attack_technique", "T1046"));
    }

    static Notification notification(AlertEvent.State state, AlertEvent... alerts) {
        return new Notification("r", "route{namespace=shop;}", Map.of("namespace", "shop"), state, List.of(alerts),
                T0.plusSeconds(30));
    }

    static DeliveryPolicy policy(Duration timeout, int retries) {
        return new DeliveryPolicy(timeout, retries, Duration.ofMillis(20), Duration.ofSeconds(2), 100, 0,
                Duration.ofMinutes(1));
    }

    static Anomaly anomaly(String type, String sourceIp, String namespace, Severity severity) {
        Workload w = Workload.newBuilder().setNamespace(namespace).setPodName("pod-" + sourceIp.replace('.', '-'))
                .setWorkloadKind("Deployment").setWorkloadName("app-" + sourceIp.replace('.', '-'))
                .setNodeName("node-a").build();
        return Anomaly.newBuilder().setId("a-" + sourceIp).setAnomalyType(type).setSeverity(severity)
                .setSource(Endpoint.newBuilder().setIp(sourceIp).setWorkload(w))
                .setDestination(Endpoint.newBuilder().setIp("10.9.9.9"))
                .setExplanation(Explanation.newBuilder().setSummary(type + " from " + sourceIp))
                .setDetector("agent." + type).setNodeName("node-a").build();
    }

    /** Polls until {@code done} or 10 s. */
    static void await(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
        await(done, () -> what);
    }

    static void await(java.util.function.BooleanSupplier done, java.util.function.Supplier<String> what)
            throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what.get());
            }
            Thread.sleep(10);
        }
    }
}
