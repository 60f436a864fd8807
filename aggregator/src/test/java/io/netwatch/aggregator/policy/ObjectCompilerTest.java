package io.netwatch.aggregator.policy;

import static io.netwatch.aggregator.policy.PolicyFixtures.YAML;
import static io.netwatch.aggregator.policy.PolicyFixtures.networkPolicy;
import static io.netwatch.aggregator.policy.PolicyFixtures.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Invalid objects are refused as the API server would, naming the object and the field. */
class ObjectCompilerTest {
    record Bad(String name, String spec, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Bad> invalidPolicies() {
        return Stream.of(
                new Bad("a prefix length past 32 is not an IPv4 CIDR",
                        "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].from[0].ipBlock.cidr: '10.0.0.0/33': the prefix length must be 0 to 32"),
                new Bad("an address without a prefix length is not a CIDR",
                        "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.1}}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].from[0].ipBlock.cidr: '10.0.0.1' is not in CIDR notation (address/length)"),
                new Bad("a name is not an address, and is never resolved",
                        "{podSelector: {}, egress: [{to: [{ipBlock: {cidr: example.com/32}}]}]}",
                        "NetworkPolicy p/x: spec.egress[0].to[0].ipBlock.cidr: 'example.com/32' does not start with an IP address"),
                new Bad("an IPv4 part with a leading zero is refused, as by the API server",
                        "{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 10.0.0.010/32}}]}]}",
                        "NetworkPolicy p/x: spec.egress[0].to[0].ipBlock.cidr: '10.0.0.010/32' does not start with an IP address"),
                new Bad("an except outside its cidr",
                        "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/16, 192.168.0.0/16]}}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].from[0].ipBlock.except[1]: 192.168.0.0/16 must be a strict subset of cidr 10.0.0.0/8"),
                new Bad("an except equal to its cidr is not a strict subset",
                        "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 'fd00::/64', except: ['fd00::/64']}}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].from[0].ipBlock.except[0]: fd00::/64 must be a strict subset of cidr fd00::/64"),
                new Bad("an except of the other family",
                        "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: ['fd00::/64']}}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].from[0].ipBlock.except[0]: fd00::/64 must be a strict subset of cidr 10.0.0.0/8"),
                new Bad("ipBlock without cidr",
                        "{podSelector: {}, ingress: [{from: [{ipBlock: {except: [10.0.0.0/16]}}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].from[0].ipBlock.cidr: is missing"),
                new Bad("operators are case-sensitive: 'in' is not In",
                        "{podSelector: {matchExpressions: [{key: app, operator: in, values: [web]}]}}",
                        "NetworkPolicy p/x: spec.podSelector.matchExpressions[0].operator: 'in' is not In, NotIn, Exists or DoesNotExist"),
                new Bad("In without values",
                        "{podSelector: {}, ingress: [{from: [{podSelector: {matchExpressions: [{key: app, operator: In}]}}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].from[0].podSelector.matchExpressions[0].values: In needs at least one value"),
                new Bad("Exists with values",
                        "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: env, operator: Exists, values: [x]}]}}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values: Exists takes no values"),
                new Bad("a label value with a space, which no label can have, is refused (it would select nothing)",
                        "{podSelector: {matchLabels: {app: 'web server'}}}",
                        "NetworkPolicy p/x: spec.podSelector.matchLabels: value 'web server' of app is not a valid"
                                + " label value: letters, digits, '-', '_' and '.', starting and ending with a letter"
                                + " or digit, or empty"),
                new Bad("a label value of 64 characters is one too long",
                        "{podSelector: {}, ingress: [{from: [{podSelector: {matchLabels: {app: " + "x".repeat(64) + "}}}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].from[0].podSelector.matchLabels: value '" + "x".repeat(64) + "' of app is not"
                                + " a valid label value: longer than 63 characters"),
                new Bad("a label key with two slashes",
                        "{podSelector: {matchLabels: {'example.com/a/b': x}}}",
                        "NetworkPolicy p/x: spec.podSelector.matchLabels: 'example.com/a/b' is not a valid label key:"
                                + " more than one '/'"),
                new Bad("a label key whose prefix is empty",
                        "{podSelector: {}, egress: [{to: [{namespaceSelector: {matchLabels: {'/name': x}}}]}]}",
                        "NetworkPolicy p/x: spec.egress[0].to[0].namespaceSelector.matchLabels: '/name' is not a valid"
                                + " label key: the prefix before '/' is empty"),
                new Bad("a label key whose prefix is not a DNS subdomain",
                        "{podSelector: {matchExpressions: [{key: 'Example.com/app', operator: Exists}]}}",
                        "NetworkPolicy p/x: spec.podSelector.matchExpressions[0].key: 'Example.com/app' is not a valid"
                                + " label key: the prefix must be a DNS subdomain (lowercase letters, digits, '-' and"
                                + " '.', each part starting and ending with a letter or digit)"),
                new Bad("a label key whose prefix is longer than 253 characters",
                        "{podSelector: {matchExpressions: [{key: '" + "a".repeat(254) + "/app', operator: Exists}]}}",
                        "NetworkPolicy p/x: spec.podSelector.matchExpressions[0].key: '" + "a".repeat(254) + "/app' is not a valid label"
                                + " key: the prefix is longer than 253 characters"),
                new Bad("a label key whose name is longer than 63 characters",
                        "{podSelector: {matchExpressions: [{key: " + "x".repeat(64) + ", operator: DoesNotExist}]}}",
                        "NetworkPolicy p/x: spec.podSelector.matchExpressions[0].key: '" + "x".repeat(64) + "' is not a valid label key:"
                                + " the name is longer than 63 characters"),
                new Bad("a label key whose name ends in a dash",
                        "{podSelector: {}, ingress: [{from: [{podSelector: {matchExpressions: [{key: app-, operator: In, values: [web]}]}}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].from[0].podSelector.matchExpressions[0].key: 'app-' is not"
                                + " a valid label key: the name must be letters, digits, '-', '_' and '.', starting and"
                                + " ending with a letter or digit"),
                new Bad("a label key with an empty name after its prefix",
                        "{podSelector: {matchLabels: {'example.com/': x}}}",
                        "NetworkPolicy p/x: spec.podSelector.matchLabels: 'example.com/' is not a valid label key:"
                                + " the name is empty"),
                new Bad("an In value that no label can have",
                        "{podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [web, 'a/b']}]}}",
                        "NetworkPolicy p/x: spec.podSelector.matchExpressions[0].values[1]: 'a/b' is not a valid label"
                                + " value: letters, digits, '-', '_' and '.', starting and ending with a letter or"
                                + " digit, or empty"),
                new Bad("port 0 is out of range",
                        "{podSelector: {}, ingress: [{ports: [{port: 0}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].ports[0].port: 0 is out of range 1-65535"),
                new Bad("port 70000 is out of range",
                        "{podSelector: {}, egress: [{ports: [{port: 80}, {port: 70000}]}]}",
                        "NetworkPolicy p/x: spec.egress[0].ports[1].port: 70000 is out of range 1-65535"),
                new Bad("endPort below port",
                        "{podSelector: {}, ingress: [{ports: [{port: 8080, endPort: 8000}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].ports[0].endPort: 8000 must be at least port (8080) and at most 65535"),
                new Bad("endPort past 65535",
                        "{podSelector: {}, ingress: [{ports: [{port: 8080, endPort: 65536}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].ports[0].endPort: 65536 must be at least port (8080) and at most 65535"),
                new Bad("endPort with a named port",
                        "{podSelector: {}, ingress: [{ports: [{port: http, endPort: 8090}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].ports[0].endPort: may not be set with a named port"),
                new Bad("endPort without port",
                        "{podSelector: {}, ingress: [{ports: [{endPort: 8090}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].ports[0].endPort: may not be set without port"),
                new Bad("a port name with capitals is not a valid name",
                        "{podSelector: {}, ingress: [{ports: [{port: HTTP}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].ports[0].port: 'HTTP' is not a valid port name (lowercase"
                                + " letters, digits and inner hyphens, at most 15, at least one letter)"),
                new Bad("a quoted number is a name, and a name needs a letter",
                        "{podSelector: {}, ingress: [{ports: [{port: '80'}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].ports[0].port: '80' is not a valid port name (lowercase"
                                + " letters, digits and inner hyphens, at most 15, at least one letter)"),
                new Bad("protocols are TCP, UDP or SCTP, in capitals",
                        "{podSelector: {}, ingress: [{ports: [{port: 53, protocol: udp}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].ports[0].protocol: 'udp' is not TCP, UDP or SCTP"),
                new Bad("an unknown policy type",
                        "{podSelector: {}, policyTypes: [Ingress, Both]}",
                        "NetworkPolicy p/x: spec.policyTypes[1]: 'Both' is not Ingress or Egress"),
                new Bad("an empty peer is no peer",
                        "{podSelector: {}, ingress: [{from: [{}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].from[0]: must specify a peer (podSelector, namespaceSelector or ipBlock)"),
                new Bad("ipBlock cannot be combined with selectors in one peer",
                        "{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]}",
                        "NetworkPolicy p/x: spec.egress[0].to[0]: ipBlock may not be combined with podSelector or namespaceSelector"),
                new Bad("a misspelt field would silently change the rule, so it is refused",
                        "{podSelector: {}, ingress: [{from: [{namespaceSelecter: {}}]}]}",
                        "NetworkPolicy p/x: spec.ingress[0].from[0].namespaceSelecter: is not a field of networking.k8s.io/v1 NetworkPolicy"),
                new Bad("a field of the wrong level is refused too",
                        "{podSelector: {}, from: [{podSelector: {}}]}",
                        "NetworkPolicy p/x: spec.from: is not a field of networking.k8s.io/v1 NetworkPolicy"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidPolicies")
    void invalidPolicyIsRefusedNamingTheField(Bad c) {
        Compiled<Policy> result = ObjectCompiler.policy(networkPolicy("p/x", c.spec()));
        assertEquals(c.message(), result instanceof Compiled.Invalid<Policy> bad ? bad.message() : "accepted: " + result);
    }

    @Test
    void labelKeysAndValuesAtTheApiServersLimitsAreAccepted() {
        String longest = "x".repeat(63);
        String prefix = "a".repeat(253);
        Policy p = ok(ObjectCompiler.policy(networkPolicy("p/x", "{podSelector: {matchLabels: {"
                + "'app.kubernetes.io/name': web, A_b.c-1: '', '" + prefix + "/" + longest + "': " + longest + "},"
                + " matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: ['', Web_1.x]}]}}")));
        assertTrue(p.podSelector().matches(Map.of("app.kubernetes.io/name", "web", "A_b.c-1", "",
                prefix + "/" + longest, longest, "kubernetes.io/metadata.name", "Web_1.x")));
    }

    @Test
    void aStoredPolicyKeepsExpressionValuesTheApiServerOnceLetThrough() {
        var np = networkPolicy("p/x", "{podSelector: {matchExpressions: [{key: app, operator: NotIn,"
                + " values: ['web server']}]}}");
        assertTrue(ObjectCompiler.policy(np) instanceof Compiled.Invalid<Policy>, "refused in a file");
        // In force in the cluster: a value no label has, so NotIn holds for every pod.
        Policy p = ok(ObjectCompiler.storedPolicy(np));
        assertTrue(p.podSelector().matches(Map.of("app", "web")));
        // Keys and matchLabels were always checked: an object with bad ones is not from an API server.
        assertTrue(ObjectCompiler.storedPolicy(networkPolicy("p/x", "{podSelector: {matchLabels: {app: 'web server'}}}"))
                instanceof Compiled.Invalid<Policy>);
    }

    @Test
    void defaultsAreThoseOfTheApiServer() {
        Policy p = ok(ObjectCompiler.policy(networkPolicy("p/x",
                "{podSelector: {}, ingress: [{ports: [{port: 80}, {protocol: SCTP}, {port: http, protocol: UDP}]}]}")));
        assertTrue(p.isolatesIngress());
        assertFalse(p.isolatesEgress());
        assertEquals(List.of(new PortMatch.Range(Protocol.TCP, 80, 80), new PortMatch.AnyPort(Protocol.SCTP),
                new PortMatch.Named(Protocol.UDP, "http")), p.ingress().getFirst().ports());
    }

    @Test
    void aPolicyWithoutNamespaceIsInDefaultAsKubectlWouldPutIt() {
        var np = YAML.readValue("{kind: NetworkPolicy, metadata: {name: x}, spec: {podSelector: {}}}",
                io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class);
        assertEquals(new PolicyRef("default", "x"), ok(ObjectCompiler.policy(np)).ref());
    }

    @Test
    void podIpsComeFromPodIpAndPodIpsWithoutRepeats() {
        PodView p = ok(ObjectCompiler.pod(YAML.readValue("""
                metadata: {name: a, namespace: n, labels: {app: x}}
                spec: {containers: [{name: c, ports: [{name: web, containerPort: 80}, {containerPort: 53, protocol: UDP}]}]}
                status: {podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.1}, {ip: "fd00::1"}]}
                """, Pod.class)));
        assertEquals(2, p.ips().size());
        assertArrayEquals(new byte[] {10, 0, 0, 1}, p.ips().get(0));
        assertEquals(16, p.ips().get(1).length);
        assertTrue(p.declares("web", Protocol.TCP, 80));
        assertFalse(p.declares("web", Protocol.UDP, 80));
        assertEquals(Map.of("app", "x"), p.labels());
    }

    @Test
    void theNodeAddressesComeFromHostIpAndHostIpsEvenForAHostNetworkPod() {
        PodView p = ok(ObjectCompiler.pod(YAML.readValue("""
                metadata: {name: a, namespace: n}
                spec: {hostNetwork: true}
                status: {hostIP: 192.168.0.1, hostIPs: [{ip: 192.168.0.1}, {ip: "fd00:ff::1"}], podIP: 192.168.0.1}
                """, Pod.class)));
        assertEquals(List.of(), p.ips(), "a hostNetwork pod has no pod address");
        assertEquals(2, p.hostIps().size());
        assertTrue(p.onNode(Connection.literal("192.168.0.1")));
        assertTrue(p.onNode(Connection.literal("fd00:ff::1")));
        assertFalse(p.onNode(Connection.literal("192.168.0.2")));
    }

    @Test
    void aPodWithABadNodeAddressIsRefusedNamingTheField() {
        Compiled<PodView> c = ObjectCompiler.pod(YAML.readValue(
                "{metadata: {name: a, namespace: n}, status: {hostIP: 192.168.0.1, hostIPs: [{ip: node-a}]}}", Pod.class));
        assertEquals("Pod n/a: status.hostIPs[0].ip: 'node-a' is not an IP address",
                ((Compiled.Invalid<PodView>) c).message());
    }

    @Test
    void aPodWithABadIpIsRefusedNamingTheField() {
        Compiled<PodView> c = ObjectCompiler.pod(YAML.readValue(
                "{metadata: {name: a, namespace: n}, status: {podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.1}, {ip: 10.0.0.256}]}}",
                Pod.class));
        assertEquals("Pod n/a: status.podIPs[1].ip: '10.0.0.256' is not an IP address",
                ((Compiled.Invalid<PodView>) c).message());
    }

    @Test
    void aPodWithAContainerPortOutOfRangeIsRefused() {
        Compiled<PodView> c = ObjectCompiler.pod(YAML.readValue(
                "{metadata: {name: a, namespace: n}, spec: {containers: [{name: c}, {name: d, ports: [{containerPort: 0}]}]}}",
                Pod.class));
        assertEquals("Pod n/a: spec.containers[1].ports[0].containerPort: 0 is out of range 1-65535",
                ((Compiled.Invalid<PodView>) c).message());
    }

    @Test
    void aNamespaceGetsItsNameLabelAsTheApiServerGivesIt() {
        NamespaceView n = ok(ObjectCompiler.namespace(YAML.readValue("{metadata: {name: prod, labels: {env: prod}}}",
                Namespace.class)));
        assertEquals(Map.of("env", "prod", NamespaceView.NAME_LABEL, "prod"), n.labels());
    }

    @Test
    void twoPodsClaimingOneIpAreAConflictTheCallerSees() {
        PodView a = new PodView("n", "a", Map.of(), List.of(new byte[] {10, 0, 0, 1}), List.of());
        PodView b = new PodView("n", "b", Map.of(), List.of(new byte[] {10, 0, 0, 1}), List.of());
        ClusterSnapshot s = new ClusterSnapshot(List.of(), List.of(a, b), List.of());
        assertEquals(List.of(new ClusterSnapshot.IpConflict("10.0.0.1", a, b)), s.conflicts());
        assertEquals(a, s.podAt(new byte[] {10, 0, 0, 1}));
    }
}
