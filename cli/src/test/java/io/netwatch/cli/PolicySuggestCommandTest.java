package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netwatch.aggregator.policy.Policy;
import io.netwatch.aggregator.policy.suggest.PolicyDocuments;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code netwatch policy suggest} and {@code simulate} offline, as a user runs them on the
 * worked example of docs/policy.md ({@code src/test/resources/policy/suggest/}): the YAML
 * suggested, simulated against the flows it came from, blocks only what it should; bad
 * input is named and exits 2.
 */
class PolicySuggestCommandTest {
    @TempDir
    Path tmp;

    static Path resource(String name) {
        try {
            return Path.of(PolicySuggestCommandTest.class.getResource("/policy/suggest/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private CliRun suggest(String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("policy", "suggest", "--cluster", resource("cluster.yaml").toString(),
                "--flows", resource("flows.jsonl").toString()));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    private CliRun simulate(Path policies, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("policy", "simulate", "--policies", policies.toString(),
                "--cluster", resource("cluster.yaml").toString(), "--flows", resource("flows.jsonl").toString()));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    private Path write(String name, String text) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void theWorkedExampleSuggestsOnePolicyPerWorkloadAndSimulatesBackToTheReviewedRulesOnly() throws Exception {
        CliRun s = suggest("-n", "shop");
        assertEquals(0, s.code(), s.stderr());
        assertEquals("netwatch policy suggest: 3 policies from 9 flows; 1 never got through, left out", s.stderr().strip());
        List<Policy> policies = PolicyDocuments.read(s.stdout(), "stdout", "default").policies();
        assertEquals(List.of("shop/netwatch-deployment-cart", "shop/netwatch-deployment-frontend", "shop/netwatch-statefulset-db"),
                policies.stream().map(p -> p.ref().toString()).toList());
        assertTrue(s.stdout().contains("# StatefulSet shop/db: 1 flow, first 2026-11-26T10:00:04Z"), s.stdout());
        assertTrue(s.stdout().contains("# TO REVIEW: cdn.example.com was seen at 2 addresses"), s.stdout());

        // Simulated on the flows they came from: only the two left for review and the attempt
        // that never got through would be blocked.
        CliRun sim = simulate(write("suggested.yaml", s.stdout()));
        assertEquals(0, sim.code(), sim.stderr());
        List<String> blocked = sim.lines();
        assertEquals(3, blocked.size(), sim.stdout());
        assertTrue(blocked.get(0).startsWith("{\"src_ip\":\"10.244.1.6\",\"dst_ip\":\"198.51.100.80\""), blocked.get(0));
        assertTrue(blocked.get(1).startsWith("{\"src_ip\":\"10.244.1.6\",\"dst_ip\":\"198.51.100.81\""), blocked.get(1));
        assertEquals("{\"src_ip\":\"10.244.1.5\",\"dst_ip\":\"10.244.2.7\",\"dst_port\":5432,\"proto\":\"tcp\","
                + "\"first_seen\":\"2026-11-26T10:00:09Z\",\"last_seen\":\"2026-11-26T10:00:09.500Z\",\"established\":false,"
                + "\"verdict\":\"deny\",\"egress\":\"deny\",\"ingress\":\"deny\",\"policies\":[\"shop/netwatch-deployment-frontend\","
                + "\"shop/netwatch-statefulset-db\"],\"reason\":\"egress of shop/frontend-7d9f8-abcde is isolated by"
                + " shop/netwatch-deployment-frontend and no egress rule allows it; ingress of shop/db-0 is isolated by"
                + " shop/netwatch-statefulset-db and no ingress rule allows it\",\"denied_before\":false}", blocked.get(2));
        assertEquals("""
                netwatch policy simulate: 10 flows, 3 would be blocked
                  shop/netwatch-deployment-cart: 2 blocked
                  shop/netwatch-deployment-frontend: 1 blocked
                  shop/netwatch-statefulset-db: 1 blocked""", sim.stderr().strip());

        // With every external address in force, only the attempt is left.
        CliRun all = suggest("-n", "shop", "--external", "ipblock");
        CliRun sim2 = simulate(write("all.yaml", all.stdout()));
        assertEquals(1, sim2.lines().size(), sim2.stdout());
        assertTrue(sim2.lines().getFirst().contains("\"established\":false"));
    }

    @Test
    void flowsBetweenAPodAndItsOwnNodeMakeNoRuleAndSimulateAsAllowed() throws Exception {
        // node-a (192.168.0.11) runs frontend-abcde (10.244.1.5) and cart; node-b (192.168.0.12) does not.
        Path flows = write("node.jsonl", """
                {"src_ip":"192.168.0.11","dst_ip":"10.244.1.6","dst_port":9000,"proto":"tcp"}
                {"src_ip":"10.244.1.6","dst_ip":"192.168.0.11","dst_port":9100,"proto":"tcp"}
                {"src_ip":"192.168.0.11","dst_ip":"10.244.1.5","dst_port":8080,"proto":"tcp","established":false}
                {"src_ip":"192.168.0.12","dst_ip":"10.244.1.6","dst_port":9000,"proto":"tcp"}
                """);
        CliRun s = run("policy", "suggest", "-n", "shop", "--cluster", resource("cluster.yaml").toString(),
                "--flows", flows.toString());
        assertEquals(0, s.code(), s.stderr());
        assertEquals("netwatch policy suggest: 1 policies from 1 flows; 3 between a pod and its own node (always allowed),"
                + " left out", s.stderr().strip());
        assertFalse(s.stdout().contains("192.168.0.11"), s.stdout());
        assertTrue(s.stdout().contains("cidr: \"192.168.0.12/32\""), "another node is an outside peer: " + s.stdout());

        Path deny = write("deny.yaml", """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {namespace: shop, name: deny-all}
                spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
                """);
        CliRun sim = run("policy", "simulate", "--policies", deny.toString(), "--cluster", resource("cluster.yaml").toString(),
                "--flows", flows.toString());
        assertEquals(0, sim.code(), sim.stderr());
        assertEquals(1, sim.lines().size(), "only the other node's call is blocked: " + sim.stdout());
        assertTrue(sim.lines().getFirst().startsWith("{\"src_ip\":\"192.168.0.12\""), sim.stdout());
        assertTrue(sim.stderr().startsWith("netwatch policy simulate: 4 flows, 1 would be blocked"), sim.stderr());
    }

    @Test
    void aWorkloadAloneAndATimeRange() {
        CliRun s = suggest("-n", "shop", "--workload", "statefulset/db");
        assertEquals(0, s.code(), s.stderr());
        assertEquals(List.of("netwatch-statefulset-db"), s.lines().stream().filter(l -> l.startsWith("  name: "))
                .map(l -> l.substring(9, l.length() - 1)).toList());
        CliRun early = suggest("-n", "shop", "--until", "2026-11-26T10:00:02Z");
        assertEquals(0, early.code(), early.stderr());
        assertEquals("netwatch policy suggest: 1 policies from 2 flows; 8 outside the time range or not usable",
                early.stderr().strip());
    }

    @Test
    void aNamespaceTheClusterDoesNotHaveOrWithNoFlowsIsSaidSo() {
        // Found in review: -n with a misspelt namespace, or one with no flows, gave a YAML of
        // comments only and "0 policies from 0 flows", exit 0, as if all were well.
        CliRun typo = suggest("-n", "shpo");
        assertEquals(2, typo.code(), typo.stderr());
        assertEquals("netwatch policy suggest: -n: 'shpo' is not a namespace of " + resource("cluster.yaml")
                + " (it has kube-system, payments, shop)", typo.stderr().strip());
        assertEquals("", typo.stdout());

        CliRun quiet = suggest("-n", "shop", "--until", "2026-11-26T09:00:00Z");
        assertEquals(0, quiet.code(), quiet.stderr());
        assertEquals("""
                netwatch policy suggest: 0 policies from 0 flows; 10 outside the time range or not usable
                netwatch policy suggest: no flow of namespace shop was seen in the time range: nothing to suggest""",
                quiet.stderr().strip());
    }

    @Test
    void addKeepsTheClustersPoliciesReplaceDropsThoseOfTheNamespacesGiven() throws Exception {
        Path denyPayments = write("deny.yaml", """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {namespace: payments, name: deny-all}
                spec: {podSelector: {}, policyTypes: [Ingress]}
                """);
        CliRun replace = simulate(denyPayments, "--mode", "replace");
        assertEquals(1, replace.lines().size(), "api-from-shop is gone: the cart's call to payments is blocked");
        assertTrue(replace.lines().getFirst().contains("\"reason\":\"ingress of payments/api-5c7f9-pqrst is isolated by"
                + " payments/deny-all and no ingress rule allows it\""), replace.stdout());
        CliRun add = simulate(denyPayments, "--mode", "add");
        assertEquals(0, add.code(), add.stderr());
        assertEquals(List.of(), add.lines(), "added, api-from-shop still lets the shop in");
    }

    @Test
    void aDnsLabelMayHaveAnEmptyValue() {
        // A label's value may be empty, as Kubernetes takes it: "tier=" was refused as not KEY=VALUE.
        CliRun r = suggest("-n", "shop", "--dns-labels", "k8s-app=kube-dns,tier=");
        assertEquals(0, r.code(), r.stderr());
        assertTrue(r.stdout().contains("\"k8s-app\": \"kube-dns\"\n          \"tier\": \"\"\n"), r.stdout());
    }

    @Test
    void mistakesAreNamedAndExitTwo() throws Exception {
        Path flows = resource("flows.jsonl");
        Path cluster = resource("cluster.yaml");
        record Case(String expected, String... args) {
        }
        Path badTime = write("t.jsonl", "{\"src_ip\":\"10.244.1.5\",\"dst_ip\":\"10.244.1.6\",\"dst_port\":9000,\"proto\":\"tcp\","
                + "\"first_seen\":\"yesterday\"}\n");
        Path noTime = write("n.jsonl", "{\"src_ip\":\"10.244.1.5\",\"dst_ip\":\"10.244.1.6\",\"dst_port\":9000,\"proto\":\"tcp\"}\n");
        Path badPolicy = write("p.yaml", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x}\n"
                + "spec: {egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}}]}]}\n");
        // Found by a new user: a file with no policy in it (an empty `policy suggest` output)
        // simulated nothing and listed the cluster's own denials.
        Path empty = write("empty.yaml", "");
        Path service = write("service.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n");
        for (Case c : List.of(
                new Case("netwatch policy suggest: give both --cluster and --flows to work offline, or neither to ask the"
                        + " aggregator (--aggregator)", "policy", "suggest", "-n", "shop", "--flows", flows.toString()),
                new Case("netwatch policy suggest: external peers 'maybe' is not auto, ipblock or review",
                        "policy", "suggest", "-n", "shop", "--external", "maybe", "--cluster", cluster.toString(), "--flows", flows.toString()),
                new Case("netwatch policy suggest: --dns-labels: 'k8s-app' is not KEY=VALUE",
                        "policy", "suggest", "-n", "shop", "--dns-labels", "k8s-app", "--cluster", cluster.toString(), "--flows", flows.toString()),
                new Case("netwatch policy suggest: " + badTime + " line 1: first_seen: \"yesterday\" is not a time like 2026-01-02T03:04:05Z",
                        "policy", "suggest", "-n", "shop", "--cluster", cluster.toString(), "--flows", badTime.toString()),
                new Case("netwatch policy suggest: " + noTime + " line 1: first_seen: is missing (--since and --until need it)",
                        "policy", "suggest", "-n", "shop", "--since", "1h", "--cluster", cluster.toString(), "--flows", noTime.toString()),
                new Case("netwatch policy suggest: --since: 'soon' is neither a time like 2026-01-02T03:04:05Z nor a duration ago like 90s, 5m, 2h, 1d",
                        "policy", "suggest", "-n", "shop", "--since", "soon", "--cluster", cluster.toString(), "--flows", flows.toString()),
                new Case("netwatch policy simulate: " + badPolicy + ": document 1: NetworkPolicy default/x: spec.egress[0].to[0].ipBlock.except[0]:"
                        + " 192.168.0.0/16 must be a strict subset of cidr 10.0.0.0/8",
                        "policy", "simulate", "--policies", badPolicy.toString(), "--cluster", cluster.toString(), "--flows", flows.toString()),
                new Case("netwatch policy simulate: --mode: mode 'merge' is not replace or add",
                        "policy", "simulate", "--policies", badPolicy.toString(), "--mode", "merge", "--cluster", cluster.toString(), "--flows", flows.toString()),
                new Case("netwatch policy simulate: " + empty + ": no NetworkPolicy (networking.k8s.io/v1) in it,"
                        + " nothing to simulate",
                        "policy", "simulate", "--policies", empty.toString(), "--cluster", cluster.toString(), "--flows", flows.toString()),
                new Case("netwatch policy simulate: " + service + ": no NetworkPolicy (networking.k8s.io/v1) in it,"
                        + " nothing to simulate; ignored other kinds: 1 Service (v1)",
                        "policy", "simulate", "--policies", service.toString(), "--mode", "add", "--cluster", cluster.toString(), "--flows", flows.toString()),
                new Case("netwatch policy simulate: cannot read " + tmp.resolve("none.yaml") + ": no such file",
                        "policy", "simulate", "--policies", tmp.resolve("none.yaml").toString(), "--cluster", cluster.toString(), "--flows", flows.toString()))) {
            CliRun r = run(c.args());
            assertEquals(2, r.code(), String.join(" ", c.args()) + ": " + r.stderr());
            assertEquals(c.expected(), r.stderr().strip());
        }
    }
}
