package io.netwatch.aggregator.policy.suggest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.netwatch.aggregator.policy.ClusterSnapshot;
import io.netwatch.aggregator.policy.NamespaceView;
import io.netwatch.aggregator.policy.Policy;
import io.netwatch.aggregator.policy.PolicyRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the issue asks of suggestions: suggested from recorded flows, written as YAML that
 * fabric8 reads back to the same policies, and simulated against the flows they came from,
 * they block none of them, while traffic the workloads never made (another port, another
 * peer, another address) would be blocked, and DNS keeps working.
 */
class SuggestRoundTripTest {
    private static Traffic cluster() {
        return new Traffic()
                .pod("shop/frontend-7d9f-a", "Deployment/frontend", "10.244.1.5", "app=frontend,pod-template-hash=7d9f", "http:8080/TCP")
                .pod("shop/frontend-5c4b-b", "Deployment/frontend", "10.244.2.5", "app=frontend,pod-template-hash=5c4b", "http:8080/TCP")
                .pod("shop/cart-66b-x", "Deployment/cart", "10.244.1.6", "app=cart,pod-template-hash=66b", "http:9000/TCP")
                .pod("shop/db-0", "StatefulSet/db", "10.244.1.7", "app=db,statefulset.kubernetes.io/pod-name=db-0", "pg:5432/TCP")
                .pod("payments/api-1", "Deployment/api", "10.244.3.2", "app=payments-api", "https:8443/TCP")
                .pod("kube-system/coredns-1", "Deployment/coredns", "10.244.0.2", "k8s-app=kube-dns,pod-template-hash=9");
    }

    /** What the shop was seen doing. */
    private static Traffic recorded() {
        return cluster()
                .flow("10.244.1.5", "10.244.1.6", 9000, "TCP", 1)
                .flow("10.244.2.5", "10.244.1.6", 9000, "TCP", 2)
                .flow("10.244.1.6", "10.244.1.7", 5432, "TCP", 3)
                .flow("10.244.1.6", "10.244.3.2", 8443, "TCP", 4)
                .flow("10.244.1.6", "203.0.113.7@api.stripe.com", 443, "TCP", 5)
                .flow("10.244.1.6", "2001:db8::7", 443, "TCP", 6)
                .flow("10.244.1.5", "10.244.0.2", 53, "UDP", 7)
                .flow("198.51.100.20", "10.244.1.5", 8080, "TCP", 8)
                .flow("10.244.1.6", "198.51.100.80@cdn.example.com", 443, "TCP", 9)
                .flow("10.244.1.6", "198.51.100.81@cdn.example.com", 443, "TCP", 10);
    }

    /** The cluster's current policies: payments accepts the shop's cart; the shop lets anything in. */
    private static ClusterSnapshot current(Traffic t) {
        List<NamespaceView> namespaces = List.of(NamespaceView.named("shop"), NamespaceView.named("payments"),
                NamespaceView.named("kube-system"));
        List<Policy> policies = PolicyDocuments.read("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {namespace: payments, name: api-from-shop}
                spec:
                  podSelector: {matchLabels: {app: payments-api}}
                  ingress:
                  - from:
                    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}
                    ports: [{port: 8443}]
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {namespace: shop, name: allow-all-ingress}
                spec:
                  podSelector: {}
                  ingress: [{}]
                """, "current", "default").policies();
        return new ClusterSnapshot(namespaces, t.pods(), policies);
    }

    private static List<NetworkPolicy> readBack(String yaml) {
        List<NetworkPolicy> out = new ArrayList<>();
        KubernetesSerialization fabric8 = new KubernetesSerialization();
        for (String doc : yaml.split("(?m)^---$")) {
            if (doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) {
                continue;
            }
            out.add(fabric8.unmarshal(doc, NetworkPolicy.class));
        }
        return out;
    }

    @Test
    void suggestionsReadBackBlockNothingObservedAndBlockWhatWasNeverDone() {
        Traffic recorded = recorded();
        SuggestionSet set = new PolicySuggester(SuggestOptions.forNamespace("shop").withExternal(ExternalPeers.IP_BLOCK))
                .suggest(recorded.flows());
        assertEquals(List.of("netwatch-deployment-cart", "netwatch-deployment-frontend", "netwatch-statefulset-db"),
                set.policies().stream().map(Suggestion::name).sorted().toList());
        String yaml = SuggestionYaml.render(set, "test");

        // fabric8 reads the YAML back to exactly the policies the suggestions stand for.
        assertEquals(set.policies().stream().map(Suggestion::toNetworkPolicy).toList(), readBack(yaml));

        List<Policy> suggested = PolicyDocuments.read(yaml, "suggested.yaml", "default").policies();
        assertEquals(3, suggested.size());
        for (PolicySimulator.Mode mode : PolicySimulator.Mode.values()) {
            PolicySimulator sim = new PolicySimulator(current(recorded), suggested, mode);
            for (ObservedFlow f : recorded.flows()) {
                assertNull(sim.judge(f), mode + ": an observed flow would be blocked: " + f);
            }
        }

        PolicySimulator sim = new PolicySimulator(current(recorded), suggested, PolicySimulator.Mode.REPLACE);
        Traffic t = cluster();
        // Never made: another port, another peer, another address, a new external client.
        for (ObservedFlow f : List.of(
                t.observed("10.244.1.5", "10.244.1.6", 9001, "TCP", 20, true),
                t.observed("10.244.1.5", "10.244.1.7", 5432, "TCP", 21, true),
                t.observed("10.244.1.6", "203.0.113.99", 443, "TCP", 22, true),
                t.observed("10.244.1.7", "10.244.3.2", 8443, "TCP", 23, true),
                t.observed("198.51.100.21", "10.244.1.6", 9000, "TCP", 24, true))) {
            PolicySimulator.Blocked b = sim.judge(f);
            assertNotNull(b, "never made, yet allowed: " + f);
            assertFalse(b.deniedBefore(), "the cluster's current policies allow it: " + f);
            assertTrue(b.reason().contains("shop/netwatch-"), b.reason());
        }
        // DNS keeps working for every workload, even one never seen asking.
        assertNull(sim.judge(t.observed("10.244.1.7", "10.244.0.2", 53, "UDP", 25, true)));
        assertNull(sim.judge(t.observed("10.244.1.6", "10.244.0.2", 53, "TCP", 26, true)));
    }

    @Test
    void replaceDropsTheNamespacesOwnPoliciesWhileAddKeepsThem() {
        Traffic recorded = recorded();
        List<Policy> suggested = PolicyDocuments.read(SuggestionYaml.render(
                new PolicySuggester(SuggestOptions.forNamespace("shop")).suggest(recorded.flows()), "x"), "s", "default").policies();
        ObservedFlow otherPort = cluster().observed("10.244.1.5", "10.244.1.6", 9001, "TCP", 20, true);

        PolicySimulator.Blocked replaced = new PolicySimulator(current(recorded), suggested, PolicySimulator.Mode.REPLACE)
                .judge(otherPort);
        assertEquals("egress of shop/frontend-7d9f-a is isolated by shop/netwatch-deployment-frontend and no egress rule"
                + " allows it; ingress of shop/cart-66b-x is isolated by shop/netwatch-deployment-cart and no ingress rule"
                + " allows it", replaced.reason());

        // Added: shop/allow-all-ingress still lets it in, the frontend's egress still stops it.
        PolicySimulator.Blocked added = new PolicySimulator(current(recorded), suggested, PolicySimulator.Mode.ADD)
                .judge(otherPort);
        assertEquals("egress of shop/frontend-7d9f-a is isolated by shop/netwatch-deployment-frontend and no egress rule"
                + " allows it", added.reason());
        assertEquals(List.of(new PolicyRef("shop", "netwatch-deployment-frontend")), added.verdict().policies());
    }

    @Test
    void autoLeavesAMovingNameForAPersonAndOnlyThoseFlowsWouldBeBlocked() {
        Traffic recorded = recorded();
        SuggestionSet set = new PolicySuggester(SuggestOptions.forNamespace("shop")).suggest(recorded.flows());
        String yaml = SuggestionYaml.render(set, "test");
        assertTrue(yaml.contains("""
                  # 198.51.100.80/32 (cdn.example.com): 1 flow, first 2026-11-26T10:00:09Z, last 2026-11-26T10:00:09.500Z
                  # TO REVIEW: cdn.example.com was seen at 2 addresses, so this one may change: allow its provider's published ranges, or route it through an egress proxy
                  # - to:
                  #   - ipBlock:
                  #       cidr: "198.51.100.80/32"
                  #   ports:
                  #   - protocol: TCP
                  #     port: 443
                """), yaml);
        assertTrue(yaml.contains("""
                  # 203.0.113.7/32 (api.stripe.com): 1 flow, first 2026-11-26T10:00:05Z, last 2026-11-26T10:00:05.500Z
                  - to:
                    - ipBlock:
                        cidr: "203.0.113.7/32"
                """), yaml);
        List<Policy> suggested = PolicyDocuments.read(yaml, "s", "default").policies();
        PolicySimulator sim = new PolicySimulator(current(recorded), suggested, PolicySimulator.Mode.REPLACE);
        List<String> blocked = recorded.flows().stream().filter(f -> sim.judge(f) != null)
                .map(f -> f.destination() instanceof Party.Outside o ? o.dnsName() : "in cluster").toList();
        assertEquals(List.of("cdn.example.com", "cdn.example.com"), blocked);
    }

    @Test
    void aHostileDnsNameCannotInjectYaml() {
        Traffic t = cluster().flow("10.244.1.6", "203.0.113.7@evil.example\n  - to: []\n#", 443, "TCP", 1);
        SuggestionSet set = new PolicySuggester(SuggestOptions.forNamespace("shop")).suggest(t.flows());
        String yaml = SuggestionYaml.render(set, "test");
        assertEquals(set.policies().stream().map(Suggestion::toNetworkPolicy).toList(), readBack(yaml));
        assertTrue(yaml.contains("# 203.0.113.7/32 (evil.example?  - to: []?#): 1 flow"), yaml);
    }

    @Test
    void policiesReadForASimulationAreValidatedAndNamedByDocument() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PolicyDocuments.read("""
                        kind: ConfigMap
                        apiVersion: v1
                        ---
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: x}
                        spec: {ingress: [{ports: [{port: 70000}]}]}
                        """, "p.yaml", "shop"));
        assertEquals("p.yaml: document 2: NetworkPolicy shop/x: spec.ingress[0].ports[0].port: 70000 is out of range 1-65535",
                e.getMessage());
        assertEquals(Map.of("ConfigMap (v1)", 1), PolicyDocuments.read("kind: ConfigMap\napiVersion: v1\n", "p", "d").ignored());
    }
}
