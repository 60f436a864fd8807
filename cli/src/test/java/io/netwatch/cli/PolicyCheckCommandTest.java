package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * {@code netwatch policy check} as a user runs it: a kubectl-style cluster file and flows in,
 * one exact JSON line per flow out; bad input named by document or line and field, exit 2.
 */
class PolicyCheckCommandTest {
    @TempDir
    Path tmp;

    private record Run(int code, List<String> stdout, String stderr) {
    }

    private static Path resource(String name) {
        try {
            return Path.of(PolicyCheckCommandTest.class.getResource("/policy/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Run check(Path cluster, Path flows) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = NetwatchMain.execute("policy", "check", "--cluster", cluster.toString(), "--flows", flows.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8).lines().toList(), err.toString(StandardCharsets.UTF_8));
    }

    private Path write(String name, String text) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void theShopAnswersAsKubernetesDocumentsIt() throws Exception {
        Run run = check(resource("cluster.yaml"), resource("flows.jsonl"));
        assertEquals(0, run.code(), run.stderr());
        assertEquals(Files.readAllLines(resource("expected.jsonl")), run.stdout());
        assertEquals("netwatch policy check: 3 namespaces, 5 pods, 8 network policies, 17 flows;"
                + " ignored other kinds: 1 Service (v1)", run.stderr().strip());
    }

    @Test
    void keysGivenTwiceAndBytesThatAreNotUtf8AreNamedNotGuessed() throws Exception {
        // Found in review: kind: Namespace then kind: Pod was read as a Pod; a second src_ip won;
        // a byte that is not UTF-8 in the flows ended in a stack trace.
        Path cluster = write("twice.yaml", "apiVersion: v1\nkind: Namespace\nkind: Pod\nmetadata: {name: a}\n");
        Path flows = write("f.jsonl", "{\"src_ip\":\"10.0.0.1\",\"dst_ip\":\"10.0.0.2\",\"dst_port\":80}\n");
        Run run = check(cluster, flows);
        assertEquals(2, run.code(), run.stderr());
        assertTrue(run.stderr().contains("kind") && run.stderr().contains("twice.yaml"), run.stderr());

        Path good = write("ok.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n");
        run = check(good, write("dup.jsonl",
                "{\"src_ip\":\"10.0.0.1\",\"src_ip\":\"10.0.0.9\",\"dst_ip\":\"10.0.0.2\",\"dst_port\":80}\n"));
        assertEquals(2, run.code(), run.stderr());
        assertTrue(run.stderr().contains("dup.jsonl line 1: not JSON") && run.stderr().contains("src_ip"), run.stderr());

        Path bad = tmp.resolve("bad.jsonl");
        Files.write(bad, new byte[] {'{', '"', (byte) 0xE9, '"', '}', '\n'});
        run = check(good, bad);
        assertEquals(2, run.code(), run.stderr());
        assertEquals("netwatch policy check: " + bad + ": not UTF-8 text", run.stderr().strip());
    }

    @Test
    void multiDocumentYamlWorksLikeAList() throws Exception {
        Path cluster = write("cluster.yaml", """
                apiVersion: v1
                kind: Pod
                metadata: {name: a, namespace: n, labels: {app: a}}
                status: {podIP: 10.0.0.1}
                ---
                ---
                apiVersion: v1
                kind: PodList
                items:
                - {apiVersion: v1, kind: Pod, metadata: {name: b, namespace: n}, status: {podIP: 10.0.0.2}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: only-b, namespace: n}
                spec:
                  podSelector: {matchLabels: {app: a}}
                  ingress: [{from: [{podSelector: {matchExpressions: [{key: app, operator: DoesNotExist}]}}]}]
                ---
                apiVersion: projectcalico.org/v3
                kind: NetworkPolicy
                metadata: {name: not-a-kubernetes-one, namespace: n}
                spec: {selector: all()}
                """);
        Path flows = write("flows.jsonl", """
                {"src_ip":"10.0.0.2","dst_ip":"10.0.0.1","dst_port":80,"proto":"tcp"}
                {"src_ip":"10.0.0.1","dst_ip":"10.0.0.1","dst_port":80,"proto":"TCP"}
                {"src_ip":"10.0.0.1","dst_ip":"10.0.0.2","dst_port":80,"proto":"udp"}
                """);
        Run run = check(cluster, flows);
        assertEquals(0, run.code(), run.stderr());
        assertEquals(List.of(
                "{\"src_ip\":\"10.0.0.2\",\"dst_ip\":\"10.0.0.1\",\"dst_port\":80,\"proto\":\"tcp\",\"verdict\":\"allow\","
                        + "\"egress\":\"not-isolated\",\"ingress\":\"allow\",\"policies\":[\"n/only-b\"]}",
                // only-b isolates a, yet a reaches itself: a pod cannot block access to itself.
                "{\"src_ip\":\"10.0.0.1\",\"dst_ip\":\"10.0.0.1\",\"dst_port\":80,\"proto\":\"TCP\",\"verdict\":\"allow\","
                        + "\"egress\":\"self\",\"ingress\":\"self\",\"policies\":[]}",
                "{\"src_ip\":\"10.0.0.1\",\"dst_ip\":\"10.0.0.2\",\"dst_port\":80,\"proto\":\"udp\",\"verdict\":\"allow\","
                        + "\"egress\":\"not-isolated\",\"ingress\":\"not-isolated\",\"policies\":[]}"),
                run.stdout());
        assertTrue(run.stderr().contains("0 namespaces, 2 pods, 1 network policy, 3 flows;"
                + " ignored other kinds: 1 NetworkPolicy (projectcalico.org/v3)"), run.stderr());
    }

    private Run badFlow(String line) throws Exception {
        Path flows = write("bad.jsonl", "{\"src_ip\":\"10.244.1.5\",\"dst_ip\":\"10.244.1.6\",\"dst_port\":9000,\"proto\":\"tcp\"}\n\n"
                + line + "\n");
        return check(resource("cluster.yaml"), flows);
    }

    private static final String FIRST_ANSWER = "{\"src_ip\":\"10.244.1.5\",\"dst_ip\":\"10.244.1.6\",\"dst_port\":9000,"
            + "\"proto\":\"tcp\",\"verdict\":\"allow\",\"egress\":\"allow\",\"ingress\":\"allow\","
            + "\"policies\":[\"shop/cart-from-frontend\",\"shop/frontend-to-cart\"]}";

    /** A bad cluster file: nothing is judged. */
    private void assertUserError(Run run, String message) {
        assertUserError(run, message, List.of());
    }

    /** A bad flow: the lines before it have their answers, then the run stops. */
    private void assertBadFlow(Run run, String message) {
        assertUserError(run, message, List.of(FIRST_ANSWER));
    }

    private void assertUserError(Run run, String message, List<String> stdout) {
        assertEquals(2, run.code(), run.stderr());
        assertEquals(stdout, run.stdout());
        assertEquals("netwatch policy check: " + message, run.stderr().strip());
    }

    @Test
    void aPortGivenAsAStringNamesTheLineAndField() throws Exception {
        assertBadFlow(badFlow("{\"src_ip\":\"10.244.1.5\",\"dst_ip\":\"10.244.1.6\",\"dst_port\":\"80\",\"proto\":\"tcp\"}"),
                tmp.resolve("bad.jsonl") + " line 3: dst_port: \"80\" is not a port number 1-65535");
    }

    @Test
    void aPortOutOfRangeNamesTheLineAndField() throws Exception {
        assertBadFlow(badFlow("{\"src_ip\":\"10.244.1.5\",\"dst_ip\":\"10.244.1.6\",\"dst_port\":65536,\"proto\":\"tcp\"}"),
                tmp.resolve("bad.jsonl") + " line 3: dst_port: 65536 is not a port number 1-65535");
    }

    @Test
    void aMissingProtocolNamesTheLineAndField() throws Exception {
        assertBadFlow(badFlow("{\"src_ip\":\"10.244.1.5\",\"dst_ip\":\"10.244.1.6\",\"dst_port\":80}"),
                tmp.resolve("bad.jsonl") + " line 3: proto: is missing");
    }

    @Test
    void anUnknownProtocolNamesTheLineAndField() throws Exception {
        assertBadFlow(badFlow("{\"src_ip\":\"10.244.1.5\",\"dst_ip\":\"10.244.1.6\",\"dst_port\":80,\"proto\":\"icmp\"}"),
                tmp.resolve("bad.jsonl") + " line 3: proto: \"icmp\" is not \"tcp\", \"udp\" or \"sctp\"");
    }

    @Test
    void addressesOfTwoFamiliesAreNoConnection() throws Exception {
        assertBadFlow(badFlow("{\"src_ip\":\"10.244.1.5\",\"dst_ip\":\"2001:db8::443\",\"dst_port\":443,\"proto\":\"tcp\"}"),
                tmp.resolve("bad.jsonl") + " line 3: dst_ip: '2001:db8::443' is IPv6 and src_ip is IPv4:"
                        + " a connection's ends are of one family");
    }

    @Test
    void aBadAddressNamesTheLineAndField() throws Exception {
        assertBadFlow(badFlow("{\"src_ip\":\"10.244.1.500\",\"dst_ip\":\"10.244.1.6\",\"dst_port\":80,\"proto\":\"tcp\"}"),
                tmp.resolve("bad.jsonl") + " line 3: src_ip: '10.244.1.500' is not an IP address");
    }

    @Test
    void aHostNameIsNotAnAddress() throws Exception {
        assertBadFlow(badFlow("{\"src_ip\":\"10.244.1.5\",\"dst_ip\":\"localhost\",\"dst_port\":80,\"proto\":\"tcp\"}"),
                tmp.resolve("bad.jsonl") + " line 3: dst_ip: 'localhost' is not an IP address");
    }

    @Test
    void aLineThatIsNotJsonNamesTheLine() throws Exception {
        Run run = badFlow("src_ip=10.0.0.1");
        assertEquals(2, run.code());
        assertEquals(List.of(FIRST_ANSWER), run.stdout());
        assertTrue(run.stderr().startsWith("netwatch policy check: " + tmp.resolve("bad.jsonl") + " line 3: not JSON: "),
                run.stderr());
    }

    @Test
    void anInvalidPolicyNamesTheDocumentAndField() throws Exception {
        Path cluster = write("cluster.yaml", """
                apiVersion: v1
                kind: Namespace
                metadata: {name: n}
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: range, namespace: n}
                spec:
                  podSelector: {}
                  ingress: [{ports: [{port: 8080, endPort: 8000}]}]
                """);
        assertUserError(check(cluster, resource("flows.jsonl")), cluster + ": document 2: NetworkPolicy n/range:"
                + " spec.ingress[0].ports[0].endPort: 8000 must be at least port (8080) and at most 65535");
    }

    @Test
    void anInvalidItemOfAListNamesTheItem() throws Exception {
        Path cluster = write("cluster.yaml", """
                apiVersion: v1
                kind: List
                items:
                - {apiVersion: v1, kind: Pod, metadata: {name: a, namespace: n}, status: {podIP: 10.0.0.1}}
                - apiVersion: networking.k8s.io/v1
                  kind: NetworkPolicy
                  metadata: {name: cidr, namespace: n}
                  spec: {podSelector: {}, egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/16]}}]}]}
                """);
        assertUserError(check(cluster, resource("flows.jsonl")), cluster + ": document 1, items[1]: NetworkPolicy n/cidr:"
                + " spec.egress[0].to[0].ipBlock.except[0]: 11.0.0.0/16 must be a strict subset of cidr 10.0.0.0/8");
    }

    @Test
    void aSelectorOnALabelValueNoPodCanHaveIsRefusedAsTheApiServerRefusesIt() throws Exception {
        Path cluster = write("cluster.yaml", """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: spaced, namespace: n}
                spec:
                  podSelector: {}
                  ingress: [{from: [{podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [web server]}]}}]}]
                """);
        assertUserError(check(cluster, resource("flows.jsonl")), cluster + ": document 1: NetworkPolicy n/spaced:"
                + " spec.ingress[0].from[0].podSelector.matchExpressions[0].values[0]: 'web server' is not a valid"
                + " label value: letters, digits, '-', '_' and '.', starting and ending with a letter or digit,"
                + " or empty");
    }

    @Test
    void aFieldOfTheWrongShapeNamesItsPath() throws Exception {
        Path cluster = write("cluster.yaml", """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: shape, namespace: n}
                spec: {podSelector: {}, ingress: [{ports: [{port: 80, endPort: [1, 2]}]}]}
                """);
        Run run = check(cluster, resource("flows.jsonl"));
        assertEquals(2, run.code());
        assertTrue(run.stderr().startsWith("netwatch policy check: " + cluster
                + ": document 1 (NetworkPolicy n/shape): spec.ingress[0].ports[0].endPort: "), run.stderr());
    }

    @Test
    void twoPodsWithOneAddressAreAnError() throws Exception {
        Path cluster = write("cluster.yaml", """
                {apiVersion: v1, kind: Pod, metadata: {name: a, namespace: n}, status: {podIP: 10.0.0.1}}
                ---
                {apiVersion: v1, kind: Pod, metadata: {name: b, namespace: m}, status: {podIP: 10.0.0.1}}
                """);
        assertUserError(check(cluster, resource("flows.jsonl")),
                cluster + ": pods n/a and m/b both have IP 10.0.0.1 in status.podIP/podIPs");
    }

    @Test
    void theSameObjectTwiceIsAnError() throws Exception {
        Path cluster = write("cluster.yaml", """
                {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: p, namespace: n}, spec: {podSelector: {}}}
                ---
                {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: p, namespace: n}, spec: {}}
                """);
        assertUserError(check(cluster, resource("flows.jsonl")),
                cluster + ": document 2: NetworkPolicy n/p is already in document 1");
    }

    @Test
    void brokenYamlIsAnError() throws Exception {
        Path cluster = write("cluster.yaml", "kind: Pod\nmetadata: {name: [unclosed\n");
        Run run = check(cluster, resource("flows.jsonl"));
        assertEquals(2, run.code());
        assertTrue(run.stderr().startsWith("netwatch policy check: " + cluster + ": not valid YAML: "), run.stderr());
    }

    @Test
    void aMissingFileIsAnError() throws Exception {
        assertUserError(check(resource("cluster.yaml"), tmp.resolve("nope.jsonl")),
                "cannot read " + tmp.resolve("nope.jsonl") + ": no such file");
    }
}
