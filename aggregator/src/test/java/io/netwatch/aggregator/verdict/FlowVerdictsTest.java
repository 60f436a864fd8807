package io.netwatch.aggregator.verdict;

import static io.netwatch.aggregator.identity.ClusterObjects.denyIngress;
import static io.netwatch.aggregator.identity.ClusterObjects.namespace;
import static io.netwatch.aggregator.identity.ClusterObjects.pod;
import static io.netwatch.aggregator.identity.ClusterObjects.service;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netwatch.aggregator.identity.ClusterState;
import io.netwatch.aggregator.identity.FlowEnricher;
import io.netwatch.aggregator.identity.DnsNames;
import io.netwatch.aggregator.identity.IdentityIndex;
import io.netwatch.aggregator.identity.PolicyHistory;
import io.netwatch.aggregator.policy.Direction;
import io.netwatch.aggregator.policy.PolicyRef;
import io.netwatch.aggregator.policy.RuleRef;
import io.netwatch.proto.anomaly.v1.Anomaly;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.DNS;
import io.netwatch.proto.flow.v1.DnsAnswer;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.PolicyDecision;
import io.netwatch.proto.flow.v1.PolicyVerdict;
import io.netwatch.proto.flow.v1.TCP;
import io.netwatch.proto.flow.v1.TcpState;
import io.netwatch.proto.flow.v1.UDP;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Verdicts on observed flows, with the cluster fed straight into {@link ClusterState} (the
 * informer path is covered against the mock server in ClusterWatcherTest).
 */
class FlowVerdictsTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L;

    private final AtomicLong clock = new AtomicLong(T0 * S);
    private final AtomicBoolean ready = new AtomicBoolean(true);
    private final List<Anomaly> anomalies = new ArrayList<>();
    private IdentityIndex index;
    private PolicyHistory history;
    private ClusterState cluster;
    private ViolationReporter reporter;
    private FlowVerdicts verdicts;
    private FlowEnricher enricher;
    private io.fabric8.kubernetes.api.model.Pod frontend;

    @BeforeEach
    void cluster() {
        index = new IdentityIndex();
        history = new PolicyHistory(4);
        cluster = new ClusterState(index, history, clock::get);
        cluster.namespace(namespace("shop", Map.of()));
        frontend = pod("shop", "frontend", "10.244.1.5", Map.of("app", "frontend"), null);
        cluster.pod(frontend);
        cluster.pod(pod("shop", "cart", "10.244.1.6", Map.of("app", "cart"), null));
        cluster.policy(cartFromFrontendOn9000());
        cluster.markSynced();
        reporter = new ViolationReporter(anomalies::add, Duration.ofMinutes(5), 2);
        verdicts = new FlowVerdicts(index, history, ready::get, new PolicyHits(), reporter);
        enricher = new FlowEnricher(index, new DnsNames(4, Duration.ofHours(1)));
    }

    /** Isolates cart for ingress; its one rule admits frontend on 9000 and a second rule nobody. */
    private static NetworkPolicy cartFromFrontendOn9000() {
        return new NetworkPolicyBuilder().withNewMetadata().withNamespace("shop").withName("cart-ingress").endMetadata()
                .withNewSpec().withNewPodSelector().addToMatchLabels("app", "cart").endPodSelector()
                .addNewIngress().addNewFrom().withNewPodSelector().addToMatchLabels("app", "frontend").endPodSelector()
                .endFrom().addNewPort().withNewPort(9000).endPort().endIngress()
                .addNewIngress().addNewFrom().withNewPodSelector().addToMatchLabels("app", "admin").endPodSelector()
                .endFrom().endIngress()
                .withPolicyTypes("Ingress").endSpec().build();
    }

    private static Flow tcp(long id, String src, String dst, int port, long second, TcpState state) {
        return Flow.newBuilder().setFlowId(id).setNodeName("node-a")
                .setSource(Endpoint.newBuilder().setIp(src).setPort(40000))
                .setDestination(Endpoint.newBuilder().setIp(dst).setPort(port))
                .setIpProtocol(6).setIpVersion(4)
                .setTcp(TCP.newBuilder().setState(state).setFlagsToServer(0x12).setFlagsToClient(0x12))
                .setToServer(Counters.newBuilder().setPackets(3)).setToClient(Counters.newBuilder().setPackets(2))
                .setFirstSeen(Timestamps.fromSeconds(second)).setLastSeen(Timestamps.fromSeconds(second + 1)).build();
    }

    private PolicyVerdict judge(Flow f) {
        return verdicts.judge(enricher.enrich(f, clock.get() / 1_000_000), clock.get() / 1_000_000).getPolicy();
    }

    @Test
    void anAllowedFlowNamesTheAllowingPolicyAndCountsItsRule() {
        PolicyVerdict v = judge(tcp(1, "10.244.1.5", "10.244.1.6", 9000, T0 + 1, TcpState.TCP_STATE_CLOSED));
        assertEquals(PolicyDecision.POLICY_DECISION_ALLOWED, v.getDecision());
        assertEquals("not-isolated", v.getEgress());
        assertEquals("allow", v.getIngress());
        assertEquals(List.of("shop/cart-ingress"), v.getPoliciesList());
        assertTrue(anomalies.isEmpty());

        var report = verdicts.hits().report(history.current());
        assertEquals(1, report.size());
        var policy = report.getFirst();
        assertEquals(1, policy.allowed());
        assertEquals(0, policy.denied());
        PolicyRef ref = new PolicyRef("shop", "cart-ingress");
        assertEquals(List.of(new PolicyHits.RuleCount(new RuleRef(ref, Direction.INGRESS, 0), 1),
                new PolicyHits.RuleCount(new RuleRef(ref, Direction.INGRESS, 1), 0)), policy.rules(),
                "the rule that matched nothing shows with 0");
    }

    @Test
    void anEstablishedDeniedFlowIsAViolationAnUnansweredOneIsNot() {
        PolicyVerdict synOnly = judge(tcp(1, "10.244.1.5", "10.244.1.6", 8080, T0 + 1, TcpState.TCP_STATE_SYN_SENT));
        assertEquals(PolicyDecision.POLICY_DECISION_DENIED, synOnly.getDecision());
        assertTrue(anomalies.isEmpty(), "the SYN was dropped: enforced");

        judge(tcp(2, "10.244.1.5", "10.244.1.6", 8080, T0 + 2, TcpState.TCP_STATE_ESTABLISHED));
        assertEquals(1, anomalies.size());
        Anomaly a = anomalies.getFirst();
        assertEquals("policy_violation", a.getAnomalyType());
        assertEquals("10.244.1.5", a.getSource().getIp());
        assertTrue(a.getExplanation().getSummary().contains("ingress to shop/cart denied by shop/cart-ingress"),
                a.getExplanation().getSummary());
        assertEquals(2, verdicts.hits().report(history.current()).getFirst().denied(), "both flows were denied");
    }

    @Test
    void udpCountsAsEstablishedOnlyWithTrafficBothWays() {
        Flow oneWay = Flow.newBuilder().setFlowId(1).setSource(Endpoint.newBuilder().setIp("10.244.1.5").setPort(5000))
                .setDestination(Endpoint.newBuilder().setIp("10.244.1.6").setPort(53)).setIpProtocol(17)
                .setUdp(UDP.getDefaultInstance()).setToServer(Counters.newBuilder().setPackets(1))
                .setFirstSeen(Timestamps.fromSeconds(T0 + 1)).setLastSeen(Timestamps.fromSeconds(T0 + 1)).build();
        assertEquals(PolicyDecision.POLICY_DECISION_DENIED, judge(oneWay).getDecision(), "UDP isn't port 9000/TCP");
        assertTrue(anomalies.isEmpty());
        judge(oneWay.toBuilder().setFlowId(2).setToClient(Counters.newBuilder().setPackets(1)).build());
        assertEquals(1, anomalies.size());
        assertTrue(anomalies.getFirst().getExplanation().getSummary().contains("53/UDP"));
    }

    @Test
    void aChattyPairRaisesOneAnomalyAndAClosingCount() {
        for (int i = 0; i < 4; i++) {
            judge(tcp(10 + i, "10.244.1.5", "10.244.1.6", 8080, T0 + i, TcpState.TCP_STATE_CLOSED));
        }
        assertEquals(1, anomalies.size());
        assertEquals(3, reporter.suppressed());
        long now = clock.get() / 1_000_000;
        reporter.sweep(now + Duration.ofMinutes(4).toMillis());
        assertEquals(1, anomalies.size(), "window still open");
        reporter.sweep(now + Duration.ofMinutes(5).toMillis());
        assertEquals(2, anomalies.size());
        Anomaly more = anomalies.get(1);
        assertTrue(more.getExplanation().getSummary().startsWith("3 more flows shop/frontend → shop/cart 8080/TCP,"
                + " denied by shop/cart-ingress"), more.getExplanation().getSummary());
        assertEquals(List.of(11L, 12L, 13L), more.getEvidenceFlowIdsList());
        assertEquals(3, more.getExplanation().getObservations(0).getObserved());
    }

    @Test
    void aViolationSaysItsSourceHoldsItsAddressOnlyWhenItsFlowShowsTheHandshake() {
        // A spoofed SYN the pod answered and the real holder of the address reset: established
        // (a violation all the same), but the initiator never acknowledged the SYN-ACK.
        Flow spoofed = tcp(1, "10.244.1.5", "10.244.1.6", 8080, T0 + 1, TcpState.TCP_STATE_RESET).toBuilder()
                .setTcp(TCP.newBuilder().setState(TcpState.TCP_STATE_RESET).setFlagsToServer(0x02 | 0x04)
                        .setFlagsToClient(0x12))
                .setToServer(Counters.newBuilder().setPackets(2)).build();
        judge(spoofed);
        assertEquals(1, anomalies.size());
        assertFalse(anomalies.getFirst().getSourceHandshakeCompleted());

        reporter.sweep(clock.get() / 1_000_000 + Duration.ofMinutes(5).toMillis());
        cluster.pod(pod("shop", "admin", "10.244.1.8", Map.of("app", "other"), null));
        judge(tcp(2, "10.244.1.8", "10.244.1.6", 8080, T0 + 2, TcpState.TCP_STATE_CLOSED)); // SYN, SYN-ACK, ACK
        judge(tcp(3, "10.244.1.8", "10.244.1.6", 8080, T0 + 3, TcpState.TCP_STATE_CLOSED));
        assertEquals(2, anomalies.size());
        assertTrue(anomalies.get(1).getSourceHandshakeCompleted(), "the guardrails need not wait for its flow");
        reporter.sweep(clock.get() / 1_000_000 + Duration.ofMinutes(10).toMillis());
        assertEquals(3, anomalies.size());
        assertFalse(anomalies.get(2).getSourceHandshakeCompleted(),
                "the closing count's evidence is its own flows, which the handshake witness has seen");
    }

    /**
     * A connection picked up mid-stream (no SYN either way, as after an agent restart): the
     * agent takes the sender of the first packet seen for the initiator, here cart answering
     * frontend's long-lived connection to it.
     */
    private static Flow midStream(long id, String src, int srcPort, String dst, int dstPort) {
        return Flow.newBuilder().setFlowId(id).setNodeName("node-a")
                .setSource(Endpoint.newBuilder().setIp(src).setPort(srcPort))
                .setDestination(Endpoint.newBuilder().setIp(dst).setPort(dstPort))
                .setIpProtocol(6).setIpVersion(4)
                .setTcp(TCP.newBuilder().setState(TcpState.TCP_STATE_ESTABLISHED).setFlagsToServer(0x18)
                        .setFlagsToClient(0x10))
                .setToServer(Counters.newBuilder().setPackets(3)).setToClient(Counters.newBuilder().setPackets(2))
                .setFirstSeen(Timestamps.fromSeconds(T0 + 1)).setLastSeen(Timestamps.fromSeconds(T0 + 2)).build();
    }

    @Test
    void aConnectionWhoseOpenerIsUnknownIsDeniedOnlyWhenNeitherEndMayHaveOpenedIt() {
        cluster.policy(denyIngress("shop", "deny-all"));
        // frontend:40000 → cart:9000 is allowed; recorded backwards it would be cart's
        // connection to frontend's port 40000, which frontend's deny-all denies.
        PolicyVerdict answer = judge(midStream(1, "10.244.1.6", 9000, "10.244.1.5", 40000));
        assertEquals(PolicyDecision.POLICY_DECISION_UNKNOWN, answer.getDecision());
        assertEquals("initiator unknown", answer.getReason());
        assertTrue(anomalies.isEmpty(), "no violation on a guess of who opened it");

        // cart:8080 ↔ frontend:40000 is denied whichever end opened it: a violation all the same.
        PolicyVerdict denied = judge(midStream(2, "10.244.1.6", 8080, "10.244.1.5", 40000));
        assertEquals(PolicyDecision.POLICY_DECISION_DENIED, denied.getDecision());
        assertEquals("initiator unknown", denied.getReason(), "so simulations and suggestions leave it out");
        assertEquals(1, anomalies.size());

        assertEquals(0, verdicts.hits().report(history.current()).stream().mapToLong(p -> p.allowed() + p.denied()).sum(),
                "no policy is credited on a guess of who opened it");
        assertEquals(PolicyDecision.POLICY_DECISION_DENIED,
                judge(tcp(3, "10.244.1.6", "10.244.1.5", 40000, T0 + 3, TcpState.TCP_STATE_CLOSED)).getDecision(),
                "with the handshake seen, the initiator is known and judged alone");
    }

    @Test
    void openWindowsAreBoundedTheOldestClosesEarly() {
        cluster.pod(pod("shop", "other", "10.244.1.7", Map.of("app", "other"), null));
        cluster.pod(pod("shop", "third", "10.244.1.8", Map.of("app", "third"), null));
        judge(tcp(1, "10.244.1.5", "10.244.1.6", 8080, T0, TcpState.TCP_STATE_CLOSED));
        judge(tcp(2, "10.244.1.5", "10.244.1.6", 8080, T0, TcpState.TCP_STATE_CLOSED));
        judge(tcp(3, "10.244.1.7", "10.244.1.6", 8080, T0, TcpState.TCP_STATE_CLOSED));
        judge(tcp(4, "10.244.1.8", "10.244.1.6", 8080, T0, TcpState.TCP_STATE_CLOSED));
        assertEquals(1, reporter.closedEarly());
        assertEquals(4, anomalies.size(), "three pairs, and the first pair's count when it closed early");
    }

    @Test
    void flowsAreJudgedByThePoliciesAndPodsOfTheirStart() {
        long before = T0 + 1;
        clock.addAndGet(60 * S);
        cluster.policy(denyIngress("shop", "deny-all-ingress"));
        cluster.policyGone(cartFromFrontendOn9000());
        cluster.podGone(frontend);
        assertEquals(PolicyDecision.POLICY_DECISION_ALLOWED,
                judge(tcp(1, "10.244.1.5", "10.244.1.6", 9000, before, TcpState.TCP_STATE_CLOSED)).getDecision(),
                "judged by the policy of its time");
        PolicyVerdict now = judge(tcp(2, "10.244.1.5", "10.244.1.6", 9000, T0 + 65, TcpState.TCP_STATE_CLOSED));
        assertEquals(List.of("shop/deny-all-ingress"), now.getPoliciesList());
        assertEquals("external", now.getEgress(), "nobody held 10.244.1.5 then");
    }

    @Test
    void serviceAddressesNodeTrafficAndAnUnlistedClusterAreNotJudgedAsViolations() {
        cluster.service(service("shop", "cart", "10.96.0.10", Map.of("app", "cart")));
        PolicyVerdict svc = judge(tcp(1, "10.244.1.5", "10.96.0.10", 80, T0 + 1, TcpState.TCP_STATE_CLOSED));
        assertEquals(PolicyDecision.POLICY_DECISION_UNKNOWN, svc.getDecision());
        assertEquals("service address", svc.getReason());

        PolicyVerdict kubelet = judge(tcp(2, "192.168.0.1", "10.244.1.6", 8080, T0 + 1, TcpState.TCP_STATE_CLOSED));
        assertEquals(PolicyDecision.POLICY_DECISION_ALLOWED, kubelet.getDecision(), "probes from the pod's node");
        assertEquals("pod and its node", kubelet.getReason());

        ready.set(false);
        assertEquals("cluster not listed yet",
                judge(tcp(3, "10.244.1.5", "10.244.1.6", 8080, T0 + 1, TcpState.TCP_STATE_CLOSED)).getReason());
        assertTrue(anomalies.isEmpty());
        assertEquals(3, verdicts.stats().notJudged() + verdicts.stats().allowed());
    }

    @Test
    void externalAddressesAreNamedByDnsAnswersElseGroupedByNetwork() {
        // The cluster's resolver: only its answers name addresses (see FlowEnricherTest).
        cluster.service(new io.fabric8.kubernetes.api.model.ServiceBuilder().withNewMetadata()
                .withNamespace("kube-system").withName("kube-dns").withUid("uid-kube-dns").endMetadata()
                .withNewSpec().withClusterIP("10.96.0.53").endSpec().build());
        Flow dns = Flow.newBuilder().setFlowId(1).setSource(Endpoint.newBuilder().setIp("10.244.1.5").setPort(5353))
                .setDestination(Endpoint.newBuilder().setIp("10.96.0.53").setPort(53)).setIpProtocol(17)
                .setDns(DNS.newBuilder().setQuery("api.example.com").setResponse(true).setQtype(1)
                        .addAnswers(DnsAnswer.newBuilder().setName("api.example.com").setType(1).setData("203.0.113.7")))
                .setFirstSeen(Timestamps.fromSeconds(T0)).build();
        enricher.enrich(dns, clock.get() / 1_000_000);
        Flow out = enricher.enrich(tcp(2, "10.244.1.5", "203.0.113.7", 443, T0 + 1, TcpState.TCP_STATE_CLOSED),
                clock.get() / 1_000_000);
        assertEquals("frontend", out.getSource().getWorkload().getPodName());
        assertEquals("api.example.com", out.getDestination().getWorkload().getExternalName());
        Flow unnamed = enricher.enrich(tcp(3, "10.244.1.5", "198.51.100.20", 443, T0 + 1, TcpState.TCP_STATE_CLOSED),
                clock.get() / 1_000_000);
        assertEquals("198.51.100.0/24", unnamed.getDestination().getWorkload().getExternalName());
    }

    @Test
    void metersCountFlowsByOutcome() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new VerdictMetrics(verdicts, reporter, index).bindTo(registry);
        judge(tcp(1, "10.244.1.5", "10.244.1.6", 9000, T0 + 1, TcpState.TCP_STATE_CLOSED));
        judge(tcp(2, "10.244.1.5", "10.244.1.6", 8080, T0 + 1, TcpState.TCP_STATE_CLOSED));
        assertEquals(1.0, registry.get("netwatch.policy.flows").tag("outcome", "allowed").functionCounter().count());
        assertEquals(1.0, registry.get("netwatch.policy.flows").tag("outcome", "denied").functionCounter().count());
        assertEquals(1.0, registry.get("netwatch.policy.violations").functionCounter().count());
        assertEquals(2.0, registry.get("netwatch.identity.addresses").gauge().value());
    }
}
