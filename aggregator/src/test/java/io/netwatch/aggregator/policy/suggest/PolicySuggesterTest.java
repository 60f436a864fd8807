package io.netwatch.aggregator.policy.suggest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.aggregator.policy.Protocol;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generator, case by case: which labels select a workload, how pods group into
 * workloads, DNS, external peers, namespaces and scope. Each case's name says the reasoning.
 */
class PolicySuggesterTest {
    private static final SuggestOptions SHOP = SuggestOptions.forNamespace("shop");

    private static Arguments row(String name, Traffic t, SuggestOptions o, Consumer<SuggestionSet> expect) {
        return Arguments.of(name, t, o, expect);
    }

    /** frontend (2 pods of one Deployment, different template hashes) calls cart. */
    private static Traffic shop() {
        return new Traffic()
                .pod("shop/frontend-7d9f-a", "Deployment/frontend", "10.244.1.5", "app=frontend,tier=web,pod-template-hash=7d9f")
                .pod("shop/frontend-5c4b-b", "Deployment/frontend", "10.244.2.5", "app=frontend,tier=web,pod-template-hash=5c4b")
                .pod("shop/cart-66b-x", "Deployment/cart", "10.244.1.6", "app=cart,pod-template-hash=66b", "http:9000/TCP");
    }

    /** The shop's pods on their nodes: node-a (10.0.0.1) runs frontend-a and cart, node-b (10.0.0.2) frontend-b. */
    private static Traffic shopOnNodes() {
        return new Traffic()
                .podOn("10.0.0.1", "shop/frontend-7d9f-a", "Deployment/frontend", "10.244.1.5", "app=frontend,tier=web,pod-template-hash=7d9f")
                .podOn("10.0.0.2", "shop/frontend-5c4b-b", "Deployment/frontend", "10.244.2.5", "app=frontend,tier=web,pod-template-hash=5c4b")
                .podOn("10.0.0.1", "shop/cart-66b-x", "Deployment/cart", "10.244.1.6", "app=cart,pod-template-hash=66b", "http:9000/TCP");
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                row("pods of one Deployment with different template hashes make one policy selecting the labels they share",
                        shop().flow("10.244.1.5", "10.244.1.6", 9000, "TCP", 1).flow("10.244.2.5", "10.244.1.6", 9000, "TCP", 2),
                        SHOP, s -> {
                            Suggestion f = only(s, "frontend");
                            assertEquals(Map.of("app", "frontend", "tier", "web"), f.podSelector());
                            assertEquals("netwatch-deployment-frontend", f.name());
                            assertEquals(2, f.flows());
                            Suggestion cart = only(s, "cart");
                            SuggestedRule in = cart.ingress().getFirst();
                            assertEquals(1, cart.ingress().size(), "one rule for the workload, not one per pod");
                            assertEquals(new SuggestedRule.Pods("shop", Map.of("app", "frontend", "tier", "web"),
                                    new WorkloadRef("shop", "Deployment", "frontend")), in.peer());
                            assertEquals(List.of(new SuggestedRule.Port(Protocol.TCP, 9000)), in.ports());
                            assertEquals(2, in.origin().flows());
                            assertEquals(Traffic.T0 + 1_000_000_000L, in.origin().firstNanos());
                            assertEquals(Traffic.T0 + 2_500_000_000L, in.origin().lastNanos());
                        }),
                row("a StatefulSet's pod name, ordinal and revision hash are per pod, so never selected on",
                        new Traffic()
                                .pod("shop/db-0", "StatefulSet/db", "10.244.1.7",
                                        "app=db,controller-revision-hash=db-5f,statefulset.kubernetes.io/pod-name=db-0,apps.kubernetes.io/pod-index=0")
                                .pod("shop/cart-1", "Deployment/cart", "10.244.1.6", "app=cart")
                                .flow("10.244.1.6", "10.244.1.7", 5432, "TCP", 1),
                        SHOP, s -> assertEquals(Map.of("app", "db"), only(s, "db").podSelector())),
                row("a CronJob's runs (job-name, controller-uid differ) are one workload selected by its template labels",
                        new Traffic()
                                .pod("shop/backup-291-a", "CronJob/backup", "10.244.1.8", "app=backup,job-name=backup-291,controller-uid=u1,batch.kubernetes.io/job-name=backup-291")
                                .pod("shop/backup-292-b", "CronJob/backup", "10.244.1.9", "app=backup,job-name=backup-292,controller-uid=u2,batch.kubernetes.io/job-name=backup-292")
                                .flow("10.244.1.8", "198.51.100.4@s3.example.com", 443, "TCP", 1)
                                .flow("10.244.1.9", "198.51.100.4@s3.example.com", 443, "TCP", 3),
                        SHOP, s -> {
                            assertEquals(1, s.policies().size());
                            assertEquals(Map.of("app", "backup"), only(s, "backup").podSelector());
                        }),
                row("a label whose value differs between a workload's pods (mid-rollout version) is left out of its selector",
                        new Traffic()
                                .pod("shop/api-a", "Deployment/api", "10.244.1.10", "app=api,version=v1")
                                .pod("shop/api-b", "Deployment/api", "10.244.1.11", "app=api,version=v2")
                                .flow("10.244.1.10", "10.244.1.11", 8080, "TCP", 1),
                        SHOP, s -> assertEquals(Map.of("app", "api"), only(s, "api").podSelector())),
                row("a workload whose pods have only per-pod labels gets no policy (it would select every pod), and says why",
                        new Traffic()
                                .pod("shop/debug", "Pod/debug", "10.244.1.12", "pod-template-hash=x")
                                .pod("shop/cart-1", "Deployment/cart", "10.244.1.6", "app=cart")
                                .flow("10.244.1.12", "10.244.1.6", 9000, "TCP", 1),
                        SHOP, s -> {
                            assertEquals(List.of("cart"), s.policies().stream().map(p -> p.workload().name()).toList());
                            assertTrue(s.skipped().getFirst().startsWith("shop/Pod/debug: its pods have no labels"), s.skipped().toString());
                            SuggestedRule in = only(s, "cart").ingress().getFirst();
                            assertNotNull(in.review(), "a peer with no stable labels cannot be selected: left for review");
                        }),
                row("a peer in another namespace is chosen by its namespace's name label and its own stable labels",
                        new Traffic()
                                .pod("shop/cart-1", "Deployment/cart", "10.244.1.6", "app=cart")
                                .pod("payments/api-1", "Deployment/api", "10.244.3.2", "app=payments-api,pod-template-hash=1")
                                .flow("10.244.1.6", "10.244.3.2", 8443, "TCP", 1),
                        SHOP, s -> {
                            assertEquals(1, s.policies().size(), "only the namespace asked for gets policies");
                            SuggestedRule out = only(s, "cart").egress().get(1);
                            assertEquals(new SuggestedRule.Pods("payments", Map.of("app", "payments-api"),
                                    new WorkloadRef("payments", "Deployment", "api")), out.peer());
                        }),
                row("DNS to the cluster DNS pods is the first egress rule, UDP and TCP 53, even when no DNS flow was seen",
                        shop().flow("10.244.1.5", "10.244.1.6", 9000, "TCP", 1),
                        SHOP, s -> {
                            assertEquals(2, s.policies().size(), "frontend and cart each get a policy");
                            for (Suggestion p : s.policies()) {
                                SuggestedRule dns = p.egress().getFirst();
                                assertEquals(new SuggestedRule.Pods("kube-system", Map.of("k8s-app", "kube-dns"), null), dns.peer());
                                assertEquals(List.of(new SuggestedRule.Port(Protocol.TCP, 53), new SuggestedRule.Port(Protocol.UDP, 53)),
                                        dns.ports());
                                assertTrue(dns.inForce());
                            }
                        }),
                row("flows to the DNS pods are counted in the DNS rule, not made into a rule of their own",
                        shop().pod("kube-system/coredns-1", "Deployment/coredns", "10.244.0.2", "k8s-app=kube-dns,pod-template-hash=9")
                                .flow("10.244.1.5", "10.244.0.2", 53, "UDP", 1).flow("10.244.1.5", "10.244.0.2", 53, "TCP", 2),
                        SHOP, s -> {
                            Suggestion f = only(s, "frontend");
                            assertEquals(1, f.egress().size());
                            assertEquals(2, f.egress().getFirst().origin().flows());
                        }),
                row("a DNS pod selector of the user's choice is used when the cluster's DNS pods are labelled otherwise",
                        shop().pod("dns/unbound-1", "Deployment/unbound", "10.244.0.3", "app=unbound,pod-template-hash=4")
                                .flow("10.244.1.5", "10.244.0.3", 53, "UDP", 1),
                        new SuggestOptions("shop", null, ExternalPeers.AUTO, "dns", Map.of("app", "unbound")), s -> {
                            Suggestion f = only(s, "frontend");
                            SuggestedRule dns = f.egress().getFirst();
                            assertEquals(new SuggestedRule.Pods("dns", Map.of("app", "unbound"), null), dns.peer(),
                                    "the DNS rule selects the user's DNS pods");
                            assertNotEquals(new SuggestedRule.Pods(SuggestOptions.DEFAULT_DNS_NAMESPACE,
                                    SuggestOptions.DEFAULT_DNS_LABELS, null), dns.peer(), "not the default DNS pods");
                            assertEquals(1, f.egress().size(), "the flow to the user's DNS pods is no rule of its own");
                            assertEquals(1, dns.origin().flows(), "the flow to the user's DNS pods is counted in the DNS rule");
                        }),
                row("an external address with one name is an ipBlock of that address, the name kept for the comment",
                        shop().flow("10.244.1.6", "203.0.113.7@api.stripe.com", 443, "TCP", 1)
                                .flow("10.244.1.6", "2001:db8::7", 443, "TCP", 2),
                        SHOP, s -> {
                            List<SuggestedRule> out = only(s, "cart").egress();
                            assertEquals(new SuggestedRule.Address("2001:db8::7/128", null), out.get(1).peer());
                            assertEquals(new SuggestedRule.Address("203.0.113.7/32", "api.stripe.com"), out.get(2).peer());
                            assertTrue(out.get(1).inForce() && out.get(2).inForce());
                        }),
                row("auto: a name seen at two addresses may move, so its addresses are left for review",
                        shop().flow("10.244.1.6", "203.0.113.7@cdn.example.com", 443, "TCP", 1)
                                .flow("10.244.1.6", "203.0.113.8@cdn.example.com", 443, "TCP", 2),
                        SHOP, s -> {
                            List<SuggestedRule> out = only(s, "cart").egress();
                            assertEquals(3, out.size());
                            assertTrue(out.get(1).review().startsWith("cdn.example.com was seen at 2 addresses"), out.get(1).review());
                            assertEquals(2, only(s, "cart").toReview());
                        }),
                row("ipblock: the same moving name's addresses are in force",
                        shop().flow("10.244.1.6", "203.0.113.7@cdn.example.com", 443, "TCP", 1)
                                .flow("10.244.1.6", "203.0.113.8@cdn.example.com", 443, "TCP", 2),
                        SHOP.withExternal(ExternalPeers.IP_BLOCK), s -> assertEquals(0, only(s, "cart").toReview())),
                row("review: every external peer, even a stable one, waits for a person",
                        shop().flow("10.244.1.6", "203.0.113.7@api.stripe.com", 443, "TCP", 1),
                        SHOP.withExternal(ExternalPeers.REVIEW), s -> {
                            SuggestedRule r = only(s, "cart").egress().get(1);
                            assertNotNull(r.review());
                            assertEquals(1, only(s, "cart").egressInForce().size(), "DNS alone in force");
                        }),
                row("an external client coming in is an ingress ipBlock",
                        shop().flow("198.51.100.20", "10.244.1.5", 8080, "TCP", 1),
                        SHOP, s -> assertEquals(new SuggestedRule.Address("198.51.100.20/32", null),
                                only(s, "frontend").ingress().getFirst().peer())),
                row("a workload named alone gets its policy, its peers none",
                        shop().flow("10.244.1.5", "10.244.1.6", 9000, "TCP", 1),
                        SHOP.withWorkload("deployment/cart"), s -> {
                            assertEquals(List.of("cart"), s.policies().stream().map(p -> p.workload().name()).toList());
                            assertEquals(1, s.policies().getFirst().ingress().size());
                        }),
                row("ports seen from one peer gather in one rule, sorted by protocol and number",
                        shop().flow("10.244.1.5", "10.244.1.6", 9090, "TCP", 1).flow("10.244.1.5", "10.244.1.6", 9000, "TCP", 2)
                                .flow("10.244.1.5", "10.244.1.6", 9000, "UDP", 3).flow("10.244.1.5", "10.244.1.6", 9000, "TCP", 4),
                        SHOP, s -> assertEquals(List.of(new SuggestedRule.Port(Protocol.TCP, 9000), new SuggestedRule.Port(Protocol.TCP, 9090),
                                new SuggestedRule.Port(Protocol.UDP, 9000)), only(s, "cart").ingress().getFirst().ports())),
                row("an attempt that never got through (maybe a scan the policies stopped) is never allowed",
                        shop().flow("10.244.1.5", "10.244.1.6", 9000, "TCP", 1).attempt("10.244.1.5", "10.244.1.6", 22, "TCP", 2),
                        SHOP, s -> {
                            assertEquals(List.of(new SuggestedRule.Port(Protocol.TCP, 9000)), only(s, "cart").ingress().getFirst().ports());
                            assertEquals(1, s.flowsNotEstablished());
                            assertEquals(1, s.flowsUsed());
                        }),
                row("a selector that also picks another workload's pods is warned about",
                        new Traffic()
                                .pod("shop/web-1", "Deployment/web", "10.244.1.20", "app=shop")
                                .pod("shop/worker-1", "Deployment/worker", "10.244.1.21", "app=shop,role=worker")
                                .flow("10.244.1.21", "10.244.1.20", 80, "TCP", 1),
                        SHOP, s -> {
                            assertEquals(List.of("the selector also picks the pods of shop/Deployment/worker: give this workload a label of its own"),
                                    only(s, "web").warnings());
                            assertEquals(List.of(), only(s, "worker").warnings());
                        }),
                row("past 32 outside addresses in one direction, the rest become one rule per family left for review",
                        manyClients(), SHOP, s -> {
                            List<SuggestedRule> in = only(s, "frontend").ingress();
                            assertEquals(PolicySuggester.MAX_ADDRESSES_PER_DIRECTION + 2, in.size());
                            assertTrue(in.subList(0, PolicySuggester.MAX_ADDRESSES_PER_DIRECTION).stream().allMatch(SuggestedRule::inForce),
                                    "the busiest addresses keep a rule each");
                            assertEquals(new SuggestedRule.Address("198.51.100.1/32", null), in.getFirst().peer(), "2 flows: kept");
                            SuggestedRule v4 = in.get(PolicySuggester.MAX_ADDRESSES_PER_DIRECTION);
                            assertEquals(new SuggestedRule.Address("0.0.0.0/0", null), v4.peer());
                            assertEquals(8, v4.origin().flows());
                            assertTrue(v4.review().startsWith("8 more addresses outside the cluster ("), v4.review());
                            assertEquals(new SuggestedRule.Address("::/0", null), in.getLast().peer());
                            assertEquals(1, in.getLast().origin().flows());
                        }),
                row("a kubelet probe from the pod's own node is always allowed (whatever the policies say), so it makes no rule",
                        shopOnNodes().flow("10.0.0.1", "10.244.1.6", 9000, "TCP", 1).flow("10.244.1.5", "10.244.1.6", 9000, "TCP", 2)
                                .attempt("10.0.0.1", "10.244.1.6", 9000, "TCP", 3),
                        SHOP, s -> {
                            Suggestion cart = only(s, "cart");
                            assertEquals(1, cart.ingress().size(), "the frontend's rule alone, no ipBlock of the node: " + cart.ingress());
                            assertEquals(new WorkloadRef("shop", "Deployment", "frontend"),
                                    ((SuggestedRule.Pods) cart.ingress().getFirst().peer()).workload());
                            assertEquals(1, cart.flows(), "the probe is not one of the flows it came from");
                            assertEquals(1, s.flowsUsed());
                            assertEquals(2, s.flowsOwnNode(), "both probes counted, the one refused (not ready yet) too");
                            assertEquals(0, s.flowsNotEstablished(), "a probe refused is no attempt a policy stopped");
                        }),
                row("a pod's call to an agent on its own node's address makes no rule either",
                        shopOnNodes().flow("10.244.1.6", "10.0.0.1", 9100, "TCP", 1),
                        SHOP, s -> {
                            assertEquals(List.of(), s.policies(), "nothing but the node was seen: nothing to allow");
                            assertEquals(1, s.flowsOwnNode());
                            assertEquals(0, s.flowsUsed());
                        }),
                row("another node's address is an outside address like any other: an ipBlock, as the evaluator judges it",
                        shopOnNodes().flow("10.0.0.2", "10.244.1.6", 9000, "TCP", 1).flow("10.244.1.6", "10.0.0.2", 9100, "TCP", 2),
                        SHOP, s -> {
                            Suggestion cart = only(s, "cart");
                            assertEquals(new SuggestedRule.Address("10.0.0.2/32", null), cart.ingress().getFirst().peer());
                            assertEquals(new SuggestedRule.Address("10.0.0.2/32", null), cart.egress().get(1).peer());
                            assertEquals(2, s.flowsUsed());
                            assertEquals(0, s.flowsOwnNode());
                        }),
                row("a workload that talks to itself gets an ingress and an egress rule, its flows counted once",
                        shop().flow("10.244.1.5", "10.244.2.5", 7946, "UDP", 1),
                        SHOP, s -> {
                            Suggestion f = only(s, "frontend");
                            assertEquals(1, f.flows());
                            assertEquals(1, f.ingress().size());
                            assertEquals(2, f.egress().size());
                        }));
    }

    /** 40 IPv4 clients (the first twice) and one IPv6 client call the frontend. */
    private static Traffic manyClients() {
        Traffic t = shop().flow("198.51.100.1", "10.244.1.5", 8080, "TCP", 0);
        for (int i = 1; i <= 40; i++) {
            t.flow("198.51.100." + i, "10.244.1.5", 8080, "TCP", i);
        }
        return t.flow("2001:db8::9", "10.244.1.5", 8080, "TCP", 41);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void suggests(String name, Traffic traffic, SuggestOptions options, Consumer<SuggestionSet> expect) {
        expect.accept(new PolicySuggester(options).suggest(traffic.flows()));
    }

    private static Suggestion only(SuggestionSet s, String workload) {
        List<Suggestion> found = s.policies().stream().filter(p -> p.workload().name().equals(workload)).toList();
        assertEquals(1, found.size(), "policies for " + workload + " in " + s.policies());
        return found.getFirst();
    }

    @org.junit.jupiter.api.Test
    void aStableLabelSetIsNeverEmptiedByOnePodWithoutLabels() {
        assertEquals(Map.of(), StableLabels.common(List.of(Map.of("app", "a"), Map.of())));
        assertEquals(Map.of("app", "a"), StableLabels.of(Map.of("app", "a", "pod-template-hash", "1")));
        assertNull(StableLabels.common(List.of()).get("app"));
    }
}
