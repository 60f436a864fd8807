package io.netwatch.aggregator.query;

import static io.netwatch.aggregator.identity.ClusterObjects.controller;
import static io.netwatch.aggregator.identity.ClusterObjects.namespace;
import static io.netwatch.aggregator.identity.ClusterObjects.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netwatch.aggregator.RecordingObserver;
import io.netwatch.aggregator.identity.ClusterState;
import io.netwatch.aggregator.identity.DnsNames;
import io.netwatch.aggregator.identity.FlowEnricher;
import io.netwatch.aggregator.identity.IdentityIndex;
import io.netwatch.aggregator.identity.PolicyHistory;
import io.netwatch.aggregator.policy.suggest.PolicyDocuments;
import io.netwatch.aggregator.store.AgentRegistry;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.aggregator.verdict.FlowVerdicts;
import io.netwatch.aggregator.verdict.PolicyHits;
import io.netwatch.aggregator.verdict.ViolationReporter;
import io.netwatch.proto.flow.v1.Counters;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.TCP;
import io.netwatch.proto.flow.v1.TcpState;
import io.netwatch.proto.flow.v1.UDP;
import io.netwatch.proto.query.v1.BlockedFlow;
import io.netwatch.proto.query.v1.GetPolicyHitsRequest;
import io.netwatch.proto.query.v1.PolicyBlockCount;
import io.netwatch.proto.query.v1.PolicyHitCount;
import io.netwatch.proto.query.v1.QueryGrpc;
import io.netwatch.proto.query.v1.RuleHitCount;
import io.netwatch.proto.query.v1.SimulatePoliciesRequest;
import io.netwatch.proto.query.v1.SimulatePoliciesResponse;
import io.netwatch.proto.query.v1.SimulationMode;
import io.netwatch.proto.query.v1.SuggestPoliciesRequest;
import io.netwatch.proto.query.v1.SuggestPoliciesResponse;
import io.netwatch.proto.query.v1.SuggestedPolicySummary;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GetPolicyHits, SuggestPolicies and SimulatePolicies through a real gRPC server on loopback,
 * over flows judged by the verdict stage as the aggregator stores them.
 */
class PolicyQueriesTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_795_687_200L;

    private final AtomicLong clock = new AtomicLong(T0 * S);
    private IdentityIndex index;
    private PolicyHistory history;
    private ClusterState cluster;
    private io.fabric8.kubernetes.api.model.Pod cart;
    private FlowStore store;
    private FlowEnricher enricher;
    private FlowVerdicts verdicts;
    private Server server;
    private Server bare;
    private ManagedChannel channel;
    private ManagedChannel bareChannel;

    @BeforeEach
    void start() throws Exception {
        index = new IdentityIndex();
        history = new PolicyHistory(4);
        cluster = new ClusterState(index, history, clock::get);
        cluster.namespace(namespace("shop", Map.of()));
        cluster.namespace(namespace("kube-system", Map.of()));
        cluster.pod(pod("shop", "frontend-7d9f-a", "10.244.1.5", Map.of("app", "frontend", "pod-template-hash", "7d9f"),
                controller("apps/v1", "ReplicaSet", "frontend-7d9f")));
        cart = pod("shop", "cart-66b-x", "10.244.1.6", Map.of("app", "cart", "pod-template-hash", "66b"),
                controller("apps/v1", "ReplicaSet", "cart-66b"));
        cluster.pod(cart);
        cluster.pod(pod("kube-system", "coredns-9-a", "10.244.0.2", Map.of("k8s-app", "kube-dns", "pod-template-hash", "9"),
                controller("apps/v1", "ReplicaSet", "coredns-9")));
        // cart accepts frontend on 9000 (rule 0) and an admin tool that never came (rule 1).
        cluster.policy(new NetworkPolicyBuilder().withNewMetadata().withNamespace("shop").withName("cart-ingress").endMetadata()
                .withNewSpec().withNewPodSelector().addToMatchLabels("app", "cart").endPodSelector()
                .addNewIngress().addNewFrom().withNewPodSelector().addToMatchLabels("app", "frontend").endPodSelector()
                .endFrom().addNewPort().withNewPort(9000).endPort().endIngress()
                .addNewIngress().addNewFrom().withNewPodSelector().addToMatchLabels("app", "admin").endPodSelector()
                .endFrom().endIngress()
                .withPolicyTypes("Ingress").endSpec().build());
        cluster.markSynced();
        clock.addAndGet(60 * S);

        store = new FlowStore(1000, 100, Duration.ofHours(1));
        enricher = new FlowEnricher(index, new DnsNames());
        verdicts = new FlowVerdicts(index, history, () -> true, new PolicyHits(),
                new ViolationReporter(a -> { }, Duration.ofMinutes(5), 2));
        long now = clock.get() / 1_000_000;
        for (Flow f : List.of(
                tcp(1, "10.244.1.5", "10.244.1.6", 9000, TcpState.TCP_STATE_CLOSED, 10),
                udp(2, "10.244.1.5", "10.244.0.2", 53, 11),
                tcp(3, "10.244.1.6", "203.0.113.7", 443, TcpState.TCP_STATE_CLOSED, 12),
                tcp(4, "10.244.1.5", "10.244.1.6", 22, TcpState.TCP_STATE_SYN_SENT, 13))) {
            store.flows().append(verdicts.judge(enricher.enrich(f, now), now), now);
        }

        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        server = NettyServerBuilder.forAddress(loopback)
                .addService(new QueryService(store, new AgentRegistry(),
                        new PolicyQueries(store, index, history, verdicts.hits()), null, null))
                .build().start();
        bare = NettyServerBuilder.forAddress(loopback).addService(new QueryService(store, new AgentRegistry())).build().start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        bareChannel = NettyChannelBuilder.forAddress("127.0.0.1", bare.getPort()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (ManagedChannel c : List.of(channel, bareChannel)) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (Server s : List.of(server, bare)) {
            s.shutdown();
            if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
                s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private QueryGrpc.QueryBlockingStub query() {
        return QueryGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static Flow tcp(long id, String src, String dst, int port, TcpState state, long second) {
        int toClient = state == TcpState.TCP_STATE_SYN_SENT ? 0 : 2;
        return Flow.newBuilder().setFlowId(id).setNodeName("node-a")
                .setSource(Endpoint.newBuilder().setIp(src).setPort(40000))
                .setDestination(Endpoint.newBuilder().setIp(dst).setPort(port)).setIpProtocol(6).setIpVersion(4)
                .setTcp(TCP.newBuilder().setState(state).setFlagsToServer(0x02).setFlagsToClient(toClient == 0 ? 0 : 0x12))
                .setToServer(Counters.newBuilder().setPackets(3)).setToClient(Counters.newBuilder().setPackets(toClient))
                .setFirstSeen(Timestamps.fromSeconds(T0 + second)).setLastSeen(Timestamps.fromSeconds(T0 + second + 1)).build();
    }

    private static Flow udp(long id, String src, String dst, int port, long second) {
        return Flow.newBuilder().setFlowId(id).setNodeName("node-a")
                .setSource(Endpoint.newBuilder().setIp(src).setPort(40001))
                .setDestination(Endpoint.newBuilder().setIp(dst).setPort(port)).setIpProtocol(17).setIpVersion(4)
                .setUdp(UDP.getDefaultInstance())
                .setToServer(Counters.newBuilder().setPackets(1)).setToClient(Counters.newBuilder().setPackets(1))
                .setFirstSeen(Timestamps.fromSeconds(T0 + second)).setLastSeen(Timestamps.fromSeconds(T0 + second)).build();
    }

    @Test
    void policyHitsListEveryRuleWithTheFlowsItDecidedZeroIncluded() {
        List<PolicyHitCount> hits = query().getPolicyHits(GetPolicyHitsRequest.getDefaultInstance()).getPoliciesList();
        assertEquals(List.of(PolicyHitCount.newBuilder().setPolicy("shop/cart-ingress").setAllowed(1).setDenied(1)
                .addRules(RuleHitCount.newBuilder().setDirection("ingress").setIndex(0).setFlows(1))
                .addRules(RuleHitCount.newBuilder().setDirection("ingress").setIndex(1).setFlows(0)).build()), hits);
        assertEquals(List.of(), query().getPolicyHits(GetPolicyHitsRequest.newBuilder().addNamespace("other").build())
                .getPoliciesList());
    }

    @Test
    void suggestionsFromStoredFlowsThenSimulatedBlockOnlyTheAttemptThatNeverGotThrough() {
        SuggestPoliciesResponse s = query().suggestPolicies(SuggestPoliciesRequest.newBuilder().setNamespace("shop").build());
        assertEquals(List.of(
                SuggestedPolicySummary.newBuilder().setNamespace("shop").setName("netwatch-deployment-cart")
                        .setWorkloadKind("Deployment").setWorkloadName("cart").setIngressRules(1).setEgressRules(2)
                        .setFlows(2).build(),
                SuggestedPolicySummary.newBuilder().setNamespace("shop").setName("netwatch-deployment-frontend")
                        .setWorkloadKind("Deployment").setWorkloadName("frontend").setIngressRules(0).setEgressRules(2)
                        .setFlows(2).build()), s.getPoliciesList());
        assertEquals(1, s.getFlowsNotEstablished(), "the unanswered SYN to port 22");
        assertEquals(3, s.getFlowsUsed());
        assertTrue(s.getYaml().contains("cidr: \"203.0.113.7/32\""), s.getYaml());
        assertEquals(2, PolicyDocuments.read(s.getYaml(), "yaml", "default").policies().size());

        SimulatePoliciesResponse sim = query().simulatePolicies(SimulatePoliciesRequest.newBuilder().setYaml(s.getYaml())
                .setMode(SimulationMode.SIMULATION_MODE_REPLACE).build());
        assertEquals(4, sim.getFlowsJudged());
        assertEquals(1, sim.getFlowsBlocked());
        BlockedFlow b = sim.getBlocked(0);
        assertEquals(4, b.getFlow().getFlowId());
        assertEquals("deny", b.getEgress());
        assertEquals("deny", b.getIngress());
        assertTrue(b.getDeniedBefore(), "cart-ingress denies port 22 today too");
        assertEquals("egress of shop/frontend-7d9f-a is isolated by shop/netwatch-deployment-frontend and no egress rule"
                + " allows it; ingress of shop/cart-66b-x is isolated by shop/netwatch-deployment-cart and no ingress rule"
                + " allows it", b.getReason());
    }

    @Test
    void flowsOfTheScopeThatCannotBeUsedAreCountedByWhy() {
        // Found in review: the CLI could not tell a namespace whose flows were all unusable from
        // one never seen, and said "no flow ... was seen".
        long now = clock.get() / 1_000_000;
        Flow midStream = tcp(20, "10.244.1.6", "203.0.113.8", 443, TcpState.TCP_STATE_CLOSED, 20);
        midStream = midStream.toBuilder().setTcp(midStream.getTcp().toBuilder().setFlagsToServer(0x18)
                .setFlagsToClient(0x18)).build();
        for (Flow f : List.of(midStream,
                // Neither end known: in no namespace.
                tcp(21, "198.51.100.1", "203.0.113.9", 443, TcpState.TCP_STATE_CLOSED, 21).toBuilder()
                        .setTcp(midStream.getTcp()).build())) {
            store.flows().append(verdicts.judge(enricher.enrich(f, now), now), now);
        }
        SuggestPoliciesResponse shop = query().suggestPolicies(SuggestPoliciesRequest.newBuilder().setNamespace("shop")
                .build());
        assertEquals(2, shop.getFlowsNotUsable());
        assertEquals(Map.of("initiator unknown", 1L), shop.getFlowsNotUsableInScopeMap());
        SuggestPoliciesResponse frontend = query().suggestPolicies(SuggestPoliciesRequest.newBuilder()
                .setNamespace("shop").setWorkload("frontend").build());
        assertEquals(Map.of(), frontend.getFlowsNotUsableInScopeMap(), "the cart's flow, not the frontend's");
        SuggestPoliciesResponse system = query().suggestPolicies(SuggestPoliciesRequest.newBuilder()
                .setNamespace("kube-system").build());
        assertEquals(Map.of(), system.getFlowsNotUsableInScopeMap());
    }

    /** Cart's node (192.168.0.1, every pod's here) probes it and serves it an agent; another node calls it. */
    private void nodeTraffic() {
        long now = clock.get() / 1_000_000;
        for (Flow f : List.of(
                tcp(10, "192.168.0.1", "10.244.1.6", 9000, TcpState.TCP_STATE_CLOSED, 14),
                tcp(11, "10.244.1.6", "192.168.0.1", 9100, TcpState.TCP_STATE_CLOSED, 15),
                tcp(12, "192.168.0.2", "10.244.1.6", 9000, TcpState.TCP_STATE_CLOSED, 16))) {
            store.flows().append(verdicts.judge(enricher.enrich(f, now), now), now);
        }
    }

    @Test
    void flowsBetweenAPodAndItsOwnNodeMakeNoRuleAreCountedAndSimulateAsAllowed() {
        nodeTraffic();
        SuggestPoliciesResponse s = query().suggestPolicies(SuggestPoliciesRequest.newBuilder().setNamespace("shop").build());
        assertEquals(2, s.getFlowsOwnNode(), "the probe and the call to the node's agent");
        assertEquals(0, s.getFlowsNotUsable(), "they are usable, and counted as what they are");
        assertEquals(4, s.getFlowsUsed(), "the three of the shop and the other node's call");
        assertFalse(s.getYaml().contains("192.168.0.1"), s.getYaml());
        assertTrue(s.getYaml().contains("cidr: \"192.168.0.2/32\""), "another node is an outside peer: " + s.getYaml());

        SimulatePoliciesResponse sim = query().simulatePolicies(SimulatePoliciesRequest.newBuilder().setYaml(DENY_ALL)
                .setMode(SimulationMode.SIMULATION_MODE_ADD).build());
        assertEquals(7, sim.getFlowsJudged(), "the node's flows are judged");
        assertEquals(0, sim.getFlowsNotJudged());
        assertEquals(List.of(1L, 2L, 3L, 4L, 12L), sim.getBlockedList().stream().map(b -> b.getFlow().getFlowId())
                .sorted().toList(), "deny-all blocks the other node, never cart's own");
    }

    @Test
    void aPodTheIndexHasForgottenIsStillKnownOnItsNodeByTheStoredVerdict() {
        nodeTraffic();
        cluster.podGone(cart);
        clock.addAndGet(3600 * S);
        index.prune(clock.get());
        SuggestPoliciesResponse s = query().suggestPolicies(SuggestPoliciesRequest.newBuilder()
                .setNamespace("shop").setWorkload("cart").build());
        assertEquals(2, s.getFlowsOwnNode());
        assertFalse(s.getYaml().contains("192.168.0.1"), s.getYaml());
        assertEquals(List.of("netwatch-deployment-cart"), s.getPoliciesList().stream().map(SuggestedPolicySummary::getName)
                .toList(), "the cart, from the identity stored on its flows");
    }

    @Test
    void aDenyAllSimulationCountsPerPolicyAndListsUpToTheLimit() {
        String denyAll = """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {namespace: shop, name: deny-all}
                spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
                """;
        SimulatePoliciesResponse add = query().simulatePolicies(SimulatePoliciesRequest.newBuilder().setYaml(denyAll)
                .setMode(SimulationMode.SIMULATION_MODE_ADD).setLimit(2).build());
        assertEquals(4, add.getFlowsBlocked());
        assertEquals(2, add.getBlockedCount());
        assertEquals(2, add.getBlockedNotListed());
        assertEquals(List.of(PolicyBlockCount.newBuilder().setPolicy("shop/cart-ingress").setFlows(1).build(),
                PolicyBlockCount.newBuilder().setPolicy("shop/deny-all").setFlows(4).build()), add.getByPolicyList(),
                "added: cart-ingress still isolates cart and denies port 22 with deny-all");
        SimulatePoliciesResponse since = query().simulatePolicies(SimulatePoliciesRequest.newBuilder().setYaml(denyAll)
                .setSince(Timestamps.fromSeconds(T0 + 12)).build());
        assertEquals(2, since.getFlowsJudged(), "only flows that started in the range");
    }

    private static final String DENY_ALL = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {namespace: shop, name: deny-all}
            spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
            """;

    @Test
    void aLimitPastTwoToTheThirtyFirstListsAsManyAsFitNotNone() {
        // uint32 on the wire: 4294967295 is -1 here. Found in review: it listed nothing.
        SimulatePoliciesResponse all = query().simulatePolicies(SimulatePoliciesRequest.newBuilder().setYaml(DENY_ALL)
                .setMode(SimulationMode.SIMULATION_MODE_ADD).setLimit(-1).build());
        assertEquals(4, all.getFlowsBlocked());
        assertEquals(4, all.getBlockedCount());
        assertEquals(0, all.getBlockedNotListed());
    }

    @Test
    void theBlockedFlowsListedStopBeforeTheResponseOutgrowsWhatAClientTakes() {
        // Found in review: each listed flow is a whole stored record, and past 4 MiB (gRPC's
        // default for a client) the caller got RESOURCE_EXHAUSTED instead of the simulation.
        long now = clock.get() / 1_000_000;
        String big = "x".repeat(8_000);
        for (int i = 0; i < 990; i++) {
            Flow f = tcp(100 + i, "10.244.1.5", "10.244.1.6", 22, TcpState.TCP_STATE_SYN_SENT, 20).toBuilder()
                    .setInterface(big).build();
            store.flows().append(verdicts.judge(enricher.enrich(f, now), now), now);
        }
        SimulatePoliciesResponse sim = query().simulatePolicies(SimulatePoliciesRequest.newBuilder().setYaml(DENY_ALL)
                .setMode(SimulationMode.SIMULATION_MODE_ADD).setLimit(1000).build());
        assertEquals(994, sim.getFlowsBlocked());
        assertTrue(sim.getSerializedSize() <= PolicyQueries.MAX_LISTED_BYTES + 64 * 1024 + 64 * 1024, "" + sim.getSerializedSize());
        assertTrue(sim.getBlockedCount() > 0, "some are listed");
        assertEquals(994, sim.getBlockedCount() + sim.getBlockedNotListed());
    }

    @Test
    void aRefusalOfHugeYamlReachesTheClientAsInvalidArgument() {
        // Found in review: the message quoted the policy's name, and a status travels in a header:
        // past the client's header limit (8 KiB) the caller got INTERNAL instead of the mistake.
        String name = "p".repeat(20_000);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> query().simulatePolicies(
                SimulatePoliciesRequest.newBuilder().setYaml("""
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: %s}
                        spec: {ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]}
                        """.formatted(name)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), String.valueOf(e.getStatus()));
        assertTrue(e.getStatus().getDescription().startsWith("policies: document 1: NetworkPolicy default/ppp"),
                e.getStatus().getDescription());
    }

    @Test
    void anUnknownModeOrExternalPeersIsRefusedNotTakenForTheDefault() {
        // Found in review: a mode this server does not know (a newer client's) was simulated as
        // REPLACE, and an unknown external_peers suggested as AUTO, without a word.
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> query().simulatePolicies(
                SimulatePoliciesRequest.newBuilder().setYaml(DENY_ALL).setModeValue(7).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("mode: 7 is not a simulation mode"),
                e.getStatus().getDescription());
        e = assertThrows(StatusRuntimeException.class, () -> query().suggestPolicies(
                SuggestPoliciesRequest.newBuilder().setNamespace("shop").setExternalPeersValue(9).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("external_peers: 9 is not"),
                e.getStatus().getDescription());
    }

    @Test
    void aValueOfTheWrongTypeIsNamedByItsFieldNotByAServerClass() {
        // Found with a hostile client: "Cannot construct instance of
        // `io.fabric8.kubernetes.api.model.IntOrString`, ...", with no word of which field.
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> query().simulatePolicies(
                SimulatePoliciesRequest.newBuilder().setYaml("""
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: x}
                        spec: {podSelector: {}, ingress: [{ports: [{port: 80}, {port: 1.5}]}]}
                        """).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        String d = e.getStatus().getDescription();
        assertTrue(d.startsWith("policies: document 1: spec.ingress[0].ports[1].port: "), d);
        assertFalse(d.contains("io.fabric8") || d.contains("java."), d);
        e = assertThrows(StatusRuntimeException.class, () -> query().simulatePolicies(
                SimulatePoliciesRequest.newBuilder().setYaml("""
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: x}
                        spec: {podSelector: {}, ingress: [{ports: [{port: 80, endPort: 2147483648}]}]}
                        """).build()));
        assertTrue(e.getStatus().getDescription().startsWith("policies: document 1: spec.ingress[0].ports[0].endPort: "),
                e.getStatus().getDescription());
        // Within a generic type, and in a parse error, too.
        for (String yaml : List.of("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: x}
                spec: {podSelector: {}, ingress: {from: []}}
                """, "a: !!float nan\n")) {
            d = assertThrows(StatusRuntimeException.class, () -> query().simulatePolicies(
                    SimulatePoliciesRequest.newBuilder().setYaml(yaml).build())).getStatus().getDescription();
            assertFalse(d.contains("io.fabric8") || d.contains("java."), d);
        }
    }

    @Test
    void aSimulationOrASuggestionStopsReadingOnceItsCallHasEnded() {
        // Found with a hostile client: 2,000 policies took some 13 ms a flow, and the server went
        // on judging the whole store long after the caller's deadline had ended the call. Each
        // stored flow is read only while the call is live: in a call already ended (by its
        // deadline or its client), the first flow read ends the work, CANCELLED. Timed over
        // gRPC instead, a loaded machine's parsing of the policies filled any wait.
        long now = clock.get() / 1_000_000;
        Flow f = verdicts.judge(enricher.enrich(tcp(9, "10.244.1.5", "10.244.1.6", 9000, TcpState.TCP_STATE_CLOSED,
                10), now), now);
        store.flows().append(f, now);
        PolicyQueries queries = new PolicyQueries(store, index, history, verdicts.hits());
        SimulatePoliciesRequest simulate = SimulatePoliciesRequest.newBuilder().setYaml("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: p, namespace: shop}
                spec: {podSelector: {}, ingress: [{from: [{podSelector: {matchLabels: {app: x}}}]}]}
                """).build();
        SuggestPoliciesRequest suggest = SuggestPoliciesRequest.newBuilder().setNamespace("shop").build();
        assertTrue(queries.simulate(simulate).getFlowsJudged() > 0, "a live call reads the flows");
        Context.CancellableContext ended = Context.current().withCancellation();
        ended.cancel(Status.DEADLINE_EXCEEDED.asRuntimeException());
        try {
            for (Runnable call : List.<Runnable>of(() -> queries.simulate(simulate), () -> queries.suggest(suggest))) {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ended.run(call));
                assertEquals(Status.Code.CANCELLED, e.getStatus().getCode());
            }
        } finally {
            ended.close();
        }
    }

    /** {@code count} NetworkPolicies of namespace shop, each isolating every pod's ingress. */
    private static String policies(int count) {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < count; i++) {
            yaml.append("---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p").append(i)
                    .append(", namespace: shop}\nspec: {podSelector: {}, ingress: [{from: [{podSelector: {matchLabels:")
                    .append(" {app: x").append(i).append("}}}]}]}\n");
        }
        return yaml.toString();
    }

    @Test
    void aSimulationTakesAtMostMaxSimulatedPolicies() {
        // Found in review: 20,000 policies (4 MiB of YAML) were judged against every stored flow,
        // hours of a core over a full store.
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> query().simulatePolicies(
                SimulatePoliciesRequest.newBuilder().setYaml(policies(PolicyQueries.MAX_SIMULATED_POLICIES + 1))
                        .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("yaml: 1001 NetworkPolicies, more than the 1000 one"
                + " simulation takes"), e.getStatus().getDescription());
        // At the bound, simulated.
        assertEquals(4, query().simulatePolicies(SimulatePoliciesRequest.newBuilder()
                .setYaml(policies(PolicyQueries.MAX_SIMULATED_POLICIES)).build()).getFlowsJudged());
    }

    /** Stores 1,000 judged copies of one flow. */
    private void storeThousandFlows() {
        long now = clock.get() / 1_000_000;
        Flow f = verdicts.judge(enricher.enrich(tcp(9, "10.244.1.5", "10.244.1.6", 9000, TcpState.TCP_STATE_CLOSED,
                10), now), now);
        for (int i = 0; i < 1_000; i++) {
            store.flows().append(f, now);
        }
    }

    /** A query server of the test's own over its store, with {@code limit}, and a channel to it. */
    private record OwnServer(Server server, ManagedChannel channel) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private OwnServer ownServer(PolicyQueryLimit limit) throws java.io.IOException {
        Server own = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(new QueryService(store, new AgentRegistry(),
                        new PolicyQueries(store, index, history, verdicts.hits()), null, null, limit))
                .build().start();
        return new OwnServer(own, NettyChannelBuilder.forAddress("127.0.0.1", own.getPort()).usePlaintext().build());
    }

    @Test
    void policyQueriesPastTheBoundAreRefusedWhileOneRunsAndItsPlaceComesBackWhenItStops() throws Exception {
        // Found in review: suggestions and simulations were bounded by nothing, so clients on
        // many connections could run as many as they liked, each a core for as long as it took.
        // The test holds the only place itself, as a running simulation would (a simulation
        // timed to be still running when the next calls come was a race on a fast machine).
        storeThousandFlows();
        PolicyQueryLimit limit = new PolicyQueryLimit(1);
        try (OwnServer own = ownServer(limit)) {
            ManagedChannel ownChannel = own.channel();
            assertTrue(limit.enter(), "the one place, taken as a running simulation takes it");
            QueryGrpc.QueryBlockingStub other = QueryGrpc.newBlockingStub(ownChannel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> other.simulatePolicies(
                    SimulatePoliciesRequest.newBuilder().setYaml(DENY_ALL).build()));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("query.max_policy_queries"),
                    e.getStatus().getDescription());
            e = assertThrows(StatusRuntimeException.class, () -> other.suggestPolicies(
                    SuggestPoliciesRequest.newBuilder().setNamespace("shop").build()));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            assertEquals(2, limit.refused());
            // Hit counts read counters only: not bounded.
            assertEquals(1, other.getPolicyHits(GetPolicyHitsRequest.getDefaultInstance()).getPoliciesCount());

            // The place given back, a simulation runs, and gives it back when done, or when refused.
            limit.leave();
            SimulatePoliciesResponse after = other.simulatePolicies(
                    SimulatePoliciesRequest.newBuilder().setYaml(DENY_ALL).build());
            assertEquals(1_000, after.getFlowsJudged() + after.getFlowsNotJudged(), "the whole store (1,000) read");
            assertEquals(0, limit.running());
            e = assertThrows(StatusRuntimeException.class, () -> other.simulatePolicies(
                    SimulatePoliciesRequest.newBuilder().setYaml("kind: [").build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertEquals(0, limit.running());
            assertEquals(2, limit.refused());
        }
    }

    @Test
    void aPolicyQueryRunsNoLongerThanItsBoundWhateverItsCallersDeadline() throws Exception {
        // Found in review: a call with no deadline (gRPC sets none unless asked) held its place
        // for as long as the work took, an hour for a simulation of 1,000 policies over a full
        // store, and four such calls locked everyone else out of suggestions and simulations.
        storeThousandFlows();
        // A bound of a nanosecond is past before the first stored flow is read.
        PolicyQueryLimit limit = new PolicyQueryLimit(1, java.time.Duration.ofNanos(1));
        try (OwnServer own = ownServer(limit)) {
            ManagedChannel ownChannel = own.channel();
            QueryGrpc.QueryBlockingStub noDeadline = QueryGrpc.newBlockingStub(ownChannel);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> noDeadline.simulatePolicies(
                    SimulatePoliciesRequest.newBuilder().setYaml(DENY_ALL).build()));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
            assertEquals("the policy query ran past the 0 s the aggregator gives one (query.max_policy_run), with 0 of"
                    + " the 1000 stored flows read: ask for a shorter time range (--since, --until) or, for a"
                    + " simulation, fewer policies",
                    e.getStatus().getDescription());
            e = assertThrows(StatusRuntimeException.class, () -> noDeadline.suggestPolicies(
                    SuggestPoliciesRequest.newBuilder().setNamespace("shop").build()));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
            assertEquals(2, limit.overrun());
            assertEquals(0, limit.running(), "the place is given back");
            // Hit counts read no stored flow: not bounded.
            assertEquals(1, noDeadline.getPolicyHits(GetPolicyHitsRequest.getDefaultInstance()).getPoliciesCount());
        }
    }

    @Test
    void aPolicyQueryReadsTheFlowsStoredWhenItBeganNotThoseThatComeWhileItReads() {
        // Found in review: the read went on into the flows stored while it read, so on a store
        // filling faster than it judged, a suggestion or simulation never finished (until the
        // run bound, having "read" more flows than were stored). Here each flow read brings a
        // new one, as a busy ingest would; capped, so that the unfixed read ends too.
        PolicyQueries queries = new PolicyQueries(store, index, history, verdicts.hits());
        long now = clock.get() / 1_000_000;
        Flow more = verdicts.judge(enricher.enrich(tcp(9, "10.244.1.5", "10.244.1.6", 9000,
                TcpState.TCP_STATE_CLOSED, 10), now), now);
        long[] visited = {0};
        queries.read(PolicyQueries.Range.of(null, null), (f, o, receivedMillis) -> {
            visited[0]++;
            if (visited[0] < 5_000) {
                store.flows().append(more, now);
            }
        });
        assertEquals(4, visited[0], "the 4 flows stored when it began");
        assertEquals(4 + 4, store.flows().size(), "the flows that came meanwhile are stored, for the next query");
    }

    @Test
    void theClusterDnsNamespaceAndLabelsMustBeOnesKubernetesTakes() {
        // Found with a hostile client: both went into every suggested policy as given, a 1 MB label
        // value making each policy 1 MB more (the answer passed the 4 MiB a client takes with four
        // workloads, and the server built it whatever its size), and a name no cluster takes made
        // YAML the API server refuses at apply.
        java.util.function.Function<SuggestPoliciesRequest.Builder, Status> suggest = r -> assertThrows(
                StatusRuntimeException.class, () -> query().suggestPolicies(r.setNamespace("shop").build())).getStatus();
        Status s = suggest.apply(SuggestPoliciesRequest.newBuilder().putDnsLabels("k8s-app", "x".repeat(1_000_000)));
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
        assertTrue(s.getDescription().startsWith("the cluster DNS pods' label 'k8s-app'='xxx")
                && s.getDescription().endsWith("is not a label value: longer than 63 characters"), s.getDescription());
        assertTrue(s.getDescription().length() < 500, s.getDescription());

        SuggestPoliciesRequest.Builder many = SuggestPoliciesRequest.newBuilder();
        for (int i = 0; i < 17; i++) {
            many.putDnsLabels("l" + i, "v");
        }
        s = suggest.apply(many);
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
        assertEquals("the cluster DNS pods' labels: 17, more than the 16 a selector of them may hold", s.getDescription());

        s = suggest.apply(SuggestPoliciesRequest.newBuilder().putDnsLabels("app name", "dns"));
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
        assertTrue(s.getDescription().startsWith("the cluster DNS pods' label 'app name' is not a label key: "),
                s.getDescription());

        s = suggest.apply(SuggestPoliciesRequest.newBuilder().setDnsNamespace("Kube System"));
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
        assertTrue(s.getDescription().startsWith("the cluster DNS namespace 'Kube System' is not a namespace name"),
                s.getDescription());

        // What a cluster takes is used as given.
        SuggestPoliciesResponse ok = query().suggestPolicies(SuggestPoliciesRequest.newBuilder().setNamespace("shop")
                .setDnsNamespace("dns-system").putDnsLabels("example.com/role", "resolver").build());
        assertTrue(ok.getYaml().contains("\"example.com/role\": \"resolver\""), ok.getYaml());
    }

    @Test
    void aPolicyNamedAsNoClusterNamesOneIsRefused() {
        // Found with a hostile client: "x/y" in namespace "A B" was simulated, a policy the API
        // server would never hold.
        for (String[] c : List.of(new String[] {"{name: x/y}", "metadata.name: 'x/y' is not a valid name"},
                new String[] {"{name: Deny}", "metadata.name: 'Deny' is not a valid name"},
                new String[] {"{name: x, namespace: A B}", "metadata.namespace: 'A B' is not a valid namespace name"})) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> query().simulatePolicies(
                    SimulatePoliciesRequest.newBuilder().setYaml("""
                            apiVersion: networking.k8s.io/v1
                            kind: NetworkPolicy
                            metadata: %s
                            spec: {podSelector: {}}
                            """.formatted(c[0])).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains(c[1]), e.getStatus().getDescription());
        }
        assertEquals(4, query().simulatePolicies(SimulatePoliciesRequest.newBuilder().setYaml("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: deny-all.v2, namespace: shop-2}
                spec: {podSelector: {}}
                """).build()).getFlowsJudged());
    }

    @Test
    void anInvalidTimeIsInvalidArgumentNamingItsField() {
        // Found with a hostile client: with both ends set, they were compared first, and an
        // invalid one was refused in protobuf's words, naming neither field.
        Timestamp negativeNanos = Timestamp.newBuilder().setSeconds(T0).setNanos(-1).build();
        Timestamp pastYear9999 = Timestamp.newBuilder().setSeconds(Long.MAX_VALUE).build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> query().suggestPolicies(
                SuggestPoliciesRequest.newBuilder().setNamespace("shop").setSince(pastYear9999)
                        .setUntil(Timestamps.fromSeconds(T0)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("since is not a valid timestamp"),
                e.getStatus().getDescription());
        e = assertThrows(StatusRuntimeException.class, () -> query().simulatePolicies(
                SimulatePoliciesRequest.newBuilder().setYaml(DENY_ALL).setSince(Timestamps.fromSeconds(T0))
                        .setUntil(negativeNanos).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("until is not a valid timestamp"),
                e.getStatus().getDescription());
        // Valid and in the wrong order: said as GetFlows says it.
        e = assertThrows(StatusRuntimeException.class, () -> query().simulatePolicies(
                SimulatePoliciesRequest.newBuilder().setYaml(DENY_ALL).setSince(Timestamps.fromSeconds(T0 + 1))
                        .setUntil(Timestamps.fromSeconds(T0)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("since (") && e.getStatus().getDescription()
                .contains("must be before until"), e.getStatus().getDescription());
    }

    @Test
    void badInputIsInvalidArgumentNamingTheFieldAndNoClusterIsFailedPrecondition() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> query().simulatePolicies(
                SimulatePoliciesRequest.newBuilder().setYaml("""
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: x}
                        spec: {ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]}
                        """).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("policies: document 1: NetworkPolicy default/x:"
                + " spec.ingress[0].from[0].ipBlock.cidr"), e.getStatus().getDescription());
        e = assertThrows(StatusRuntimeException.class, () -> query().suggestPolicies(SuggestPoliciesRequest.getDefaultInstance()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("namespace: is missing (the namespace whose workloads get policies)", e.getStatus().getDescription());

        e = assertThrows(StatusRuntimeException.class, () -> QueryGrpc.newBlockingStub(bareChannel)
                .withDeadlineAfter(10, TimeUnit.SECONDS).getPolicyHits(GetPolicyHitsRequest.getDefaultInstance()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("netwatch aggregator --kubernetes"));
    }
}
