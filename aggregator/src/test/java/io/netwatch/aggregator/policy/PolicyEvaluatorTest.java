package io.netwatch.aggregator.policy;

import static io.netwatch.aggregator.policy.PolicyFixtures.policy;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * NetworkPolicy semantics, one point per case, alone and in combination, against the
 * cluster of {@code policy/cluster.yaml}. Each case's name says why the verdict is what it
 * is; the expectation is the whole verdict: "allow|deny egress=… ingress=… [deciding
 * policies]".
 */
class PolicyEvaluatorTest {
    private static final PolicyFixtures.Cluster CLUSTER = PolicyFixtures.cluster();

    /** @param flow "SRC > DST PORT/PROTO", each end a fixture pod ("prod/web-1") or an IP */
    record Case(String name, List<Policy> policies, String flow, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case c(String name, String flow, String expected, Policy... policies) {
        return new Case(name, List.of(policies), flow, expected);
    }

    // Policies several cases share.
    private static final Policy PROD_DENY_ALL_INGRESS = policy("prod/deny-all", "{podSelector: {}}");
    private static final Policy PROD_DENY_ALL_EGRESS = policy("prod/deny-egress", "{podSelector: {}, policyTypes: [Egress]}");
    private static final Policy DB_DENY_ALL_INGRESS = policy("db/deny-all", "{podSelector: {}}");
    private static final Policy API_FROM_WEB = policy("prod/api-from-web",
            "{podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]}");
    private static final Policy PROD_TO_DB = policy("prod/to-db", "{podSelector: {}, policyTypes: [Egress],"
            + " egress: [{to: [{namespaceSelector: {matchLabels: {team: data}}}], ports: [{port: 5432}]}]}");
    private static final Policy DB_FROM_PROD = policy("db/from-prod", "{podSelector: {matchLabels: {app: postgres}},"
            + " ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: prod}}}]}]}");

    static Stream<Case> cases() {
        return Stream.of(
                // --- isolation per direction and policyTypes defaulting ---
                c("no policy anywhere: neither side isolated, allowed",
                        "prod/web-1 > prod/api 9000/tcp", "allow egress=not-isolated ingress=not-isolated []"),
                c("egress isolated by a policy with only policyTypes [Egress] denies everything out",
                        "prod/web-1 > db/postgres 5432/tcp", "deny egress=deny ingress=not-isolated [prod/deny-egress]",
                        PROD_DENY_ALL_EGRESS),
                c("a policy with only policyTypes [Egress] leaves ingress to the same pods open",
                        "staging/web > prod/web-1 8080/tcp", "allow egress=not-isolated ingress=not-isolated []",
                        PROD_DENY_ALL_EGRESS),
                c("podSelector {} with nothing else defaults to [Ingress] and denies all ingress from other namespaces",
                        "staging/web > prod/api 9000/tcp", "deny egress=not-isolated ingress=deny [prod/deny-all]",
                        PROD_DENY_ALL_INGRESS),
                c("ingress deny-all also denies pods of its own namespace",
                        "prod/web-1 > prod/api 9000/tcp", "deny egress=not-isolated ingress=deny [prod/deny-all]",
                        PROD_DENY_ALL_INGRESS),
                c("ingress deny-all does not isolate egress: the selected pods still connect out",
                        "prod/api > db/postgres 5432/tcp", "allow egress=not-isolated ingress=not-isolated []",
                        PROD_DENY_ALL_INGRESS),
                c("no policyTypes and an egress section: defaults to [Ingress, Egress], so ingress is isolated too",
                        "staging/web > prod/web-1 8080/tcp", "deny egress=not-isolated ingress=deny [prod/out-only]",
                        policy("prod/out-only", "{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}")),
                c("no policyTypes and an egress section: egress is isolated and allowed by its rule",
                        "prod/web-1 > 203.0.113.7 443/tcp", "allow egress=allow ingress=external [prod/out-only]",
                        policy("prod/out-only", "{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}")),
                c("no policyTypes and egress: [] (empty) does not make the policy isolate egress",
                        "prod/web-1 > 203.0.113.7 443/tcp", "allow egress=not-isolated ingress=external []",
                        policy("prod/empty-egress", "{podSelector: {}, egress: []}")),
                c("ingress rules of a policy whose policyTypes is only [Egress] are ignored: ingress not isolated",
                        "staging/web > prod/web-1 8080/tcp", "allow egress=not-isolated ingress=not-isolated []",
                        policy("prod/types-egress", "{podSelector: {}, policyTypes: [Egress], ingress: [{}]}")),
                c("egress rules of a policy whose policyTypes is only [Ingress] are ignored: egress not isolated",
                        "prod/web-1 > 203.0.113.7 443/tcp", "allow egress=not-isolated ingress=external []",
                        policy("prod/types-ingress", "{podSelector: {}, policyTypes: [Ingress], egress: [{to: [{podSelector: {}}]}]}")),
                c("policyTypes [Ingress, Egress] with no rules denies both directions",
                        "prod/web-1 > prod/api 9000/tcp", "deny egress=deny ingress=deny [prod/lockdown]",
                        policy("prod/lockdown", "{podSelector: {}, policyTypes: [Ingress, Egress]}")),
                c("a policy's podSelector isolates only the pods it matches: web-1 is not an api pod",
                        "prod/batch > prod/web-1 8080/tcp", "allow egress=not-isolated ingress=not-isolated []",
                        policy("prod/api-locked", "{podSelector: {matchLabels: {app: api}}}")),
                c("a policy never selects pods of another namespace, whatever its podSelector",
                        "prod/web-1 > prod/api 9000/tcp", "allow egress=not-isolated ingress=not-isolated []",
                        policy("staging/deny-all", "{podSelector: {}}")),
                c("ingress: [] with Ingress in policyTypes is the same as no rules: deny all ingress",
                        "prod/web-1 > prod/api 9000/tcp", "deny egress=not-isolated ingress=deny [prod/empty-ingress]",
                        policy("prod/empty-ingress", "{podSelector: {}, policyTypes: [Ingress], ingress: []}")),

                // --- peers: missing and empty from/to ---
                c("an ingress rule with no from allows every source, even one outside the cluster",
                        "203.0.113.7 > prod/web-1 8080/tcp", "allow egress=external ingress=allow [prod/all-in]",
                        policy("prod/all-in", "{podSelector: {}, ingress: [{}]}")),
                c("an ingress rule with from: [] is the same as no from: every source",
                        "staging/web > prod/web-1 8080/tcp", "allow egress=not-isolated ingress=allow [prod/all-in]",
                        policy("prod/all-in", "{podSelector: {}, ingress: [{from: []}]}")),
                c("an egress rule with to: [] allows every destination, even outside the cluster",
                        "prod/web-1 > 2001:db8::1 443/tcp", "allow egress=allow ingress=external [prod/all-out]",
                        policy("prod/all-out", "{podSelector: {}, policyTypes: [Egress], egress: [{to: []}]}")),

                // --- peers: podSelector, namespaceSelector, both ---
                c("podSelector alone picks pods of the policy's own namespace: web-1 to api allowed",
                        "prod/web-1 > prod/api 9000/tcp", "allow egress=not-isolated ingress=allow [prod/api-from-web]",
                        API_FROM_WEB),
                c("podSelector alone never matches a same-labelled pod of another namespace",
                        "staging/web > prod/api 9000/tcp", "deny egress=not-isolated ingress=deny [prod/api-from-web]",
                        API_FROM_WEB),
                c("podSelector alone does not match a pod without the label in the same namespace",
                        "prod/batch > prod/api 9000/tcp", "deny egress=not-isolated ingress=deny [prod/api-from-web]",
                        API_FROM_WEB),
                c("podSelector {} alone is every pod of the policy's namespace",
                        "prod/batch > prod/api 9000/tcp", "allow egress=not-isolated ingress=allow [prod/same-ns]",
                        policy("prod/same-ns", "{podSelector: {}, ingress: [{from: [{podSelector: {}}]}]}")),
                c("podSelector {} alone does not reach into other namespaces",
                        "staging/web > prod/api 9000/tcp", "deny egress=not-isolated ingress=deny [prod/same-ns]",
                        policy("prod/same-ns", "{podSelector: {}, ingress: [{from: [{podSelector: {}}]}]}")),
                c("namespaceSelector alone picks every pod of the matching namespaces",
                        "staging/web > prod/api 9000/tcp", "allow egress=not-isolated ingress=allow [prod/from-web-team]",
                        policy("prod/from-web-team", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: web}}}]}]}")),
                c("namespaceSelector alone does not match pods of other namespaces",
                        "monitoring/prom > prod/api 9000/tcp", "deny egress=not-isolated ingress=deny [prod/from-web-team]",
                        policy("prod/from-web-team", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: web}}}]}]}")),
                c("namespaceSelector {} is every namespace, even one with no Namespace object",
                        "default/nolabels > prod/api 9000/tcp", "allow egress=not-isolated ingress=allow [prod/any-ns]",
                        policy("prod/any-ns", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}")),
                c("namespaceSelector {} is pods only: an address outside the cluster does not match",
                        "203.0.113.7 > prod/api 9000/tcp", "deny egress=external ingress=deny [prod/any-ns]",
                        policy("prod/any-ns", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}")),
                c("namespaceSelector by the kubernetes.io/metadata.name label the API server puts on every namespace",
                        "prod/web-1 > db/postgres 5432/tcp", "allow egress=not-isolated ingress=allow [db/from-prod]",
                        DB_FROM_PROD),
                c("namespaceSelector by name label: a namespace with another name does not match",
                        "staging/web > db/postgres 5432/tcp", "deny egress=not-isolated ingress=deny [db/from-prod]",
                        DB_FROM_PROD),
                c("podSelector and namespaceSelector in one peer: both match, allowed",
                        "staging/web > prod/api 9000/tcp", "allow egress=not-isolated ingress=allow [prod/and]",
                        policy("prod/and", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: web}},"
                                + " podSelector: {matchLabels: {app: web}}}]}]}")),
                c("podSelector and namespaceSelector in one peer are ANDed: namespace matches, pod does not, denied",
                        "prod/batch > prod/api 9000/tcp", "deny egress=not-isolated ingress=deny [prod/and]",
                        policy("prod/and", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: web}},"
                                + " podSelector: {matchLabels: {app: web}}}]}]}")),
                c("podSelector and namespaceSelector in one peer are ANDed: pod matches in the wrong namespace, denied",
                        "prod/web-1 > prod/api 9000/tcp", "deny egress=not-isolated ingress=deny [prod/and]",
                        policy("prod/and", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {env: staging}},"
                                + " podSelector: {matchLabels: {app: web}}}]}]}")),
                c("the same selectors as two peers are ORed: the pod matches the second one, allowed",
                        "prod/web-1 > prod/api 9000/tcp", "allow egress=not-isolated ingress=allow [prod/or]",
                        policy("prod/or", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {env: staging}}},"
                                + " {podSelector: {matchLabels: {app: web}}}]}]}")),
                c("podSelector {} with a namespaceSelector is every pod of the matching namespaces",
                        "staging/web > db/postgres 5432/tcp", "allow egress=not-isolated ingress=allow [db/from-staging]",
                        policy("db/from-staging", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {env: staging}},"
                                + " podSelector: {}}]}]}")),

                // --- matchExpressions ---
                c("matchExpressions In matches a listed value",
                        "prod/batch > db/postgres 5432/tcp", "allow egress=not-isolated ingress=allow [db/in]",
                        policy("db/in", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions:"
                                + " [{key: app, operator: In, values: [web, batch]}]}}]}]}")),
                c("matchExpressions In does not match an unlisted value",
                        "prod/api > db/postgres 5432/tcp", "deny egress=not-isolated ingress=deny [db/in]",
                        policy("db/in", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions:"
                                + " [{key: app, operator: In, values: [web, batch]}]}}]}]}")),
                c("matchExpressions NotIn matches a pod that lacks the key altogether",
                        "prod/batch > prod/api 9000/tcp", "allow egress=not-isolated ingress=allow [prod/not-frontend]",
                        policy("prod/not-frontend", "{podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector:"
                                + " {matchExpressions: [{key: tier, operator: NotIn, values: [frontend]}]}}]}]}")),
                c("matchExpressions NotIn does not match a listed value",
                        "prod/web-1 > prod/api 9000/tcp", "deny egress=not-isolated ingress=deny [prod/not-frontend]",
                        policy("prod/not-frontend", "{podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector:"
                                + " {matchExpressions: [{key: tier, operator: NotIn, values: [frontend]}]}}]}]}")),
                c("matchExpressions Exists matches any value of the key",
                        "prod/web-2 > prod/api 9000/tcp", "allow egress=not-isolated ingress=allow [prod/versioned]",
                        policy("prod/versioned", "{podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector:"
                                + " {matchExpressions: [{key: version, operator: Exists}]}}]}]}")),
                c("matchExpressions Exists does not match a pod without the key",
                        "prod/web-1 > prod/api 9000/tcp", "deny egress=not-isolated ingress=deny [prod/versioned]",
                        policy("prod/versioned", "{podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector:"
                                + " {matchExpressions: [{key: version, operator: Exists}]}}]}]}")),
                c("matchExpressions DoesNotExist matches a pod without the key",
                        "prod/web-1 > prod/api 9000/tcp", "allow egress=not-isolated ingress=allow [prod/unversioned]",
                        policy("prod/unversioned", "{podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector:"
                                + " {matchExpressions: [{key: version, operator: DoesNotExist}]}}]}]}")),
                c("matchExpressions DoesNotExist does not match a pod with the key",
                        "prod/web-2 > prod/api 9000/tcp", "deny egress=not-isolated ingress=deny [prod/unversioned]",
                        policy("prod/unversioned", "{podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector:"
                                + " {matchExpressions: [{key: version, operator: DoesNotExist}]}}]}]}")),
                c("matchLabels and matchExpressions together must all hold: web-1 has app=web but no version",
                        "prod/web-1 > prod/api 9000/tcp", "deny egress=not-isolated ingress=deny [prod/web-v]",
                        policy("prod/web-v", "{podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector:"
                                + " {matchLabels: {app: web}, matchExpressions: [{key: version, operator: Exists}]}}]}]}")),
                c("matchExpressions in a namespaceSelector: NotIn [prod] matches staging",
                        "staging/web > db/postgres 5432/tcp", "allow egress=not-isolated ingress=allow [db/not-prod]",
                        policy("db/not-prod", "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchExpressions:"
                                + " [{key: env, operator: NotIn, values: [prod]}]}}]}]}")),
                c("matchExpressions in the policy's own podSelector decide which pods it isolates",
                        "prod/web-1 > prod/batch 1234/tcp", "allow egress=not-isolated ingress=not-isolated []",
                        policy("prod/tiered", "{podSelector: {matchExpressions: [{key: tier, operator: Exists}]}}")),

                // --- ipBlock ---
                c("ipBlock allows an external source inside its CIDR",
                        "203.0.113.7 > prod/web-1 8080/tcp", "allow egress=external ingress=allow [prod/from-net]",
                        policy("prod/from-net", "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 203.0.113.0/24}}]}]}")),
                c("ipBlock does not match an external source outside its CIDR",
                        "198.51.100.1 > prod/web-1 8080/tcp", "deny egress=external ingress=deny [prod/from-net]",
                        policy("prod/from-net", "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 203.0.113.0/24}}]}]}")),
                c("ipBlock except carves addresses out of the CIDR: an excepted source is denied",
                        "203.0.113.7 > prod/web-1 8080/tcp", "deny egress=external ingress=deny [prod/from-net-except]",
                        policy("prod/from-net-except", "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 203.0.113.0/24,"
                                + " except: [203.0.113.0/28, 203.0.113.128/25]}}]}]}")),
                c("ipBlock except: an address of the CIDR outside every exception is still allowed",
                        "203.0.113.77 > prod/web-1 8080/tcp", "allow egress=external ingress=allow [prod/from-net-except]",
                        policy("prod/from-net-except", "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 203.0.113.0/24,"
                                + " except: [203.0.113.0/28, 203.0.113.128/25]}}]}]}")),
                c("IPv6 ipBlock allows an IPv6 source to a dual-stack pod's IPv6 address",
                        "2001:db8::1 > fd00:1::10 8080/tcp", "allow egress=external ingress=allow [prod/from-v6]",
                        policy("prod/from-v6", "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: '2001:db8::/32'}}]}]}")),
                c("IPv6 ipBlock except denies the excepted IPv6 prefix",
                        "2001:db8::1 > fd00:1::10 8080/tcp", "deny egress=external ingress=deny [prod/from-v6-except]",
                        policy("prod/from-v6-except", "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: '2001:db8::/32',"
                                + " except: ['2001:db8::/64']}}]}]}")),
                c("IPv6 ipBlock except: an address outside the exception is allowed",
                        "2001:db8:0:1::1 > fd00:1::10 8080/tcp", "allow egress=external ingress=allow [prod/from-v6-except]",
                        policy("prod/from-v6-except", "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: '2001:db8::/32',"
                                + " except: ['2001:db8::/64']}}]}]}")),
                c("an IPv4 ipBlock, even 0.0.0.0/0, never matches an IPv6 address",
                        "2001:db8::1 > fd00:1::10 8080/tcp", "deny egress=external ingress=deny [prod/from-any-v4]",
                        policy("prod/from-any-v4", "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}")),
                c("ipBlock matches pod IPs by address too (implementation-defined; Calico's behaviour)",
                        "prod/web-1 > db/postgres 5432/tcp", "allow egress=not-isolated ingress=allow [db/from-pod-net]",
                        policy("db/from-pod-net", "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.1.0.0/16}}]}]}")),
                c("egress ipBlock to a pod's address allows it by address",
                        "prod/web-1 > db/postgres 5432/tcp", "allow egress=allow ingress=not-isolated [prod/to-pod-net]",
                        policy("prod/to-pod-net", "{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.3.0.0/16}}]}]}")),
                c("egress ipBlock allows an external destination in its CIDR",
                        "prod/web-1 > 198.51.100.1 443/tcp", "allow egress=allow ingress=external [prod/to-partner]",
                        policy("prod/to-partner", "{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 198.51.100.0/24}}]}]}")),
                c("egress ipBlock: an external destination outside the CIDR is denied",
                        "prod/web-1 > 203.0.113.7 443/tcp", "deny egress=deny ingress=external [prod/to-partner]",
                        policy("prod/to-partner", "{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 198.51.100.0/24}}]}]}")),
                c("ipBlock host bits are cleared as the API server parses it: 203.0.113.9/24 is 203.0.113.0/24",
                        "203.0.113.200 > prod/web-1 8080/tcp", "allow egress=external ingress=allow [prod/sloppy-cidr]",
                        policy("prod/sloppy-cidr", "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 203.0.113.9/24}}]}]}")),

                // --- ports and protocols ---
                c("a numbered port allows that port",
                        "prod/batch > prod/api 9000/tcp", "allow egress=not-isolated ingress=allow [prod/port-9000]",
                        policy("prod/port-9000", "{podSelector: {}, ingress: [{ports: [{port: 9000}]}]}")),
                c("a numbered port does not allow a neighbouring port",
                        "prod/batch > prod/api 9001/tcp", "deny egress=not-isolated ingress=deny [prod/port-9000]",
                        policy("prod/port-9000", "{podSelector: {}, ingress: [{ports: [{port: 9000}]}]}")),
                c("a port without protocol means TCP: UDP to the same number is denied",
                        "prod/batch > prod/api 53/udp", "deny egress=not-isolated ingress=deny [prod/port-53]",
                        policy("prod/port-53", "{podSelector: {}, ingress: [{ports: [{port: 53}]}]}")),
                c("a UDP port allows UDP",
                        "prod/batch > prod/api 53/udp", "allow egress=not-isolated ingress=allow [prod/udp-53]",
                        policy("prod/udp-53", "{podSelector: {}, ingress: [{ports: [{port: 53, protocol: UDP}]}]}")),
                c("an SCTP port allows SCTP",
                        "prod/batch > prod/api 3868/sctp", "allow egress=not-isolated ingress=allow [prod/sctp]",
                        policy("prod/sctp", "{podSelector: {}, ingress: [{ports: [{port: 3868, protocol: SCTP}]}]}")),
                c("an SCTP port does not allow TCP on the same number",
                        "prod/batch > prod/api 3868/tcp", "deny egress=not-isolated ingress=deny [prod/sctp]",
                        policy("prod/sctp", "{podSelector: {}, ingress: [{ports: [{port: 3868, protocol: SCTP}]}]}")),
                c("a protocol without a port allows every port of that protocol",
                        "prod/batch > prod/api 12345/udp", "allow egress=not-isolated ingress=allow [prod/all-udp]",
                        policy("prod/all-udp", "{podSelector: {}, ingress: [{ports: [{protocol: UDP}]}]}")),
                c("a protocol without a port does not allow other protocols",
                        "prod/batch > prod/api 12345/tcp", "deny egress=not-isolated ingress=deny [prod/all-udp]",
                        policy("prod/all-udp", "{podSelector: {}, ingress: [{ports: [{protocol: UDP}]}]}")),
                c("ports: [] is every port and protocol",
                        "prod/batch > prod/api 3868/sctp", "allow egress=not-isolated ingress=allow [prod/no-ports]",
                        policy("prod/no-ports", "{podSelector: {}, ingress: [{from: [{podSelector: {}}], ports: []}]}")),
                c("endPort: the first port of the range is allowed",
                        "203.0.113.7 > prod/api 32000/tcp", "allow egress=external ingress=allow [prod/range]",
                        policy("prod/range", "{podSelector: {}, ingress: [{ports: [{port: 32000, endPort: 32768}]}]}")),
                c("endPort is inclusive: the last port of the range is allowed",
                        "203.0.113.7 > prod/api 32768/tcp", "allow egress=external ingress=allow [prod/range]",
                        policy("prod/range", "{podSelector: {}, ingress: [{ports: [{port: 32000, endPort: 32768}]}]}")),
                c("endPort: one past the range is denied",
                        "203.0.113.7 > prod/api 32769/tcp", "deny egress=external ingress=deny [prod/range]",
                        policy("prod/range", "{podSelector: {}, ingress: [{ports: [{port: 32000, endPort: 32768}]}]}")),
                c("endPort: one below the range is denied",
                        "203.0.113.7 > prod/api 31999/tcp", "deny egress=external ingress=deny [prod/range]",
                        policy("prod/range", "{podSelector: {}, ingress: [{ports: [{port: 32000, endPort: 32768}]}]}")),
                c("endPort with UDP: the range is for UDP only",
                        "203.0.113.7 > prod/api 32100/tcp", "deny egress=external ingress=deny [prod/udp-range]",
                        policy("prod/udp-range", "{podSelector: {}, ingress: [{ports: [{port: 32000, endPort: 32768, protocol: UDP}]}]}")),
                c("a named port resolves against the destination pod: web-1 names 8080 http",
                        "prod/batch > prod/web-1 8080/tcp", "allow egress=not-isolated ingress=allow [prod/http]",
                        policy("prod/http", "{podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: http}]}]}")),
                c("a named port on a pod that numbers it differently: web-2 names 80 http",
                        "prod/batch > prod/web-2 80/tcp", "allow egress=not-isolated ingress=allow [prod/http]",
                        policy("prod/http", "{podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: http}]}]}")),
                c("a named port: 8080 is not http on web-2, so denied there",
                        "prod/batch > prod/web-2 8080/tcp", "deny egress=not-isolated ingress=deny [prod/http]",
                        policy("prod/http", "{podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: http}]}]}")),
                c("a named port the destination pod does not declare never matches",
                        "prod/batch > prod/web-2 9090/tcp", "deny egress=not-isolated ingress=deny [prod/metrics]",
                        policy("prod/metrics", "{podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: metrics}]}]}")),
                c("a name two containers of the pod declare is both their ports: the second one's is allowed too",
                        "prod/batch > prod/exporter 9113/tcp", "allow egress=not-isolated ingress=allow [prod/metrics-all]",
                        policy("prod/metrics-all", "{podSelector: {}, ingress: [{ports: [{port: metrics}]}]}")),
                c("a named port must match the container port's protocol too: dns is UDP, the policy port defaults to TCP",
                        "prod/batch > prod/api 53/tcp", "deny egress=not-isolated ingress=deny [prod/dns-tcp]",
                        policy("prod/dns-tcp", "{podSelector: {}, ingress: [{ports: [{port: dns}]}]}")),
                c("a named UDP port resolves to the UDP container port",
                        "prod/batch > prod/api 53/udp", "allow egress=not-isolated ingress=allow [prod/dns-udp]",
                        policy("prod/dns-udp", "{podSelector: {}, ingress: [{ports: [{port: dns, protocol: UDP}]}]}")),
                c("a named SCTP port resolves among the ports of the pod's second container",
                        "prod/batch > prod/api 3868/sctp", "allow egress=not-isolated ingress=allow [prod/sig]",
                        policy("prod/sig", "{podSelector: {}, ingress: [{ports: [{port: sig, protocol: SCTP}]}]}")),
                c("an egress named port resolves against the destination pod, not the source: web-2 serves http on 80",
                        "prod/web-1 > prod/web-2 80/tcp", "allow egress=allow ingress=not-isolated [prod/out-http]",
                        policy("prod/out-http", "{podSelector: {matchLabels: {app: web}}, policyTypes: [Egress],"
                                + " egress: [{ports: [{port: http}]}]}")),
                c("an egress named port: the source's own number for the name (8080) is not the destination's",
                        "prod/web-1 > prod/web-2 8080/tcp", "deny egress=deny ingress=not-isolated [prod/out-http]",
                        policy("prod/out-http", "{podSelector: {matchLabels: {app: web}}, policyTypes: [Egress],"
                                + " egress: [{ports: [{port: http}]}]}")),
                c("an egress named port never matches a destination outside the cluster",
                        "prod/web-1 > 203.0.113.7 8080/tcp", "deny egress=deny ingress=external [prod/out-http]",
                        policy("prod/out-http", "{podSelector: {matchLabels: {app: web}}, policyTypes: [Egress],"
                                + " egress: [{ports: [{port: http}]}]}")),
                c("a rule needs a matching peer and a matching port: right peer, wrong port, denied",
                        "prod/web-1 > prod/api 9001/tcp", "deny egress=not-isolated ingress=deny [prod/web-9000]",
                        policy("prod/web-9000", "{podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector:"
                                + " {matchLabels: {app: web}}}], ports: [{port: 9000}]}]}")),
                c("a rule needs a matching peer and a matching port: right port, wrong peer, denied",
                        "prod/batch > prod/api 9000/tcp", "deny egress=not-isolated ingress=deny [prod/web-9000]",
                        policy("prod/web-9000", "{podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector:"
                                + " {matchLabels: {app: web}}}], ports: [{port: 9000}]}]}")),
                c("rules of one policy are ORed: the second rule allows what the first does not",
                        "prod/batch > prod/api 9001/tcp", "allow egress=not-isolated ingress=allow [prod/two-rules]",
                        policy("prod/two-rules", "{podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector:"
                                + " {matchLabels: {app: web}}}]}, {ports: [{port: 9001}]}]}")),

                // --- several policies selecting one pod ---
                c("policies add up: deny-all plus a policy allowing web, allowed, only the allowing one named",
                        "prod/web-1 > prod/api 9000/tcp", "allow egress=not-isolated ingress=allow [prod/api-from-web]",
                        PROD_DENY_ALL_INGRESS, API_FROM_WEB),
                c("policies add up: denied by both, so both isolating policies are named",
                        "staging/web > prod/api 9000/tcp", "deny egress=not-isolated ingress=deny [prod/api-from-web, prod/deny-all]",
                        PROD_DENY_ALL_INGRESS, API_FROM_WEB),
                c("two policies both allowing: both are named",
                        "prod/web-1 > prod/api 9000/tcp", "allow egress=not-isolated ingress=allow [prod/api-from-web, prod/port-9000]",
                        API_FROM_WEB, policy("prod/port-9000", "{podSelector: {}, ingress: [{ports: [{port: 9000}]}]}")),
                c("a deny-all policy never takes away what another policy allows (no policy order, no deny rules)",
                        "203.0.113.7 > prod/web-2 80/tcp", "allow egress=external ingress=allow [prod/http]",
                        policy("prod/http", "{podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: http}]}]}"),
                        PROD_DENY_ALL_INGRESS, policy("prod/lockdown", "{podSelector: {}, policyTypes: [Ingress, Egress]}")),
                c("an Ingress-only policy and an Egress-only policy on one pod: each isolates its own direction",
                        "prod/web-1 > prod/web-2 80/tcp", "deny egress=deny ingress=deny [prod/deny-all, prod/deny-egress]",
                        PROD_DENY_ALL_INGRESS, PROD_DENY_ALL_EGRESS),

                // --- ingress and egress together ---
                c("egress allowed by the source's policy, ingress denied by the destination's: denied, only the ingress side named",
                        "prod/web-1 > db/postgres 5432/tcp", "deny egress=allow ingress=deny [db/deny-all]",
                        PROD_TO_DB, DB_DENY_ALL_INGRESS),
                c("egress denied by the source's policy, ingress allowed by the destination's: denied, only the egress side named",
                        "prod/web-1 > db/postgres 5433/tcp", "deny egress=deny ingress=allow [prod/to-db]",
                        PROD_TO_DB, DB_FROM_PROD),
                c("both sides deny: the policies of both sides are named",
                        "prod/web-1 > db/postgres 5433/tcp", "deny egress=deny ingress=deny [db/deny-all, prod/to-db]",
                        PROD_TO_DB, DB_DENY_ALL_INGRESS),
                c("both sides allow: the allowing policies of both sides are named",
                        "prod/web-1 > db/postgres 5432/tcp", "allow egress=allow ingress=allow [db/from-prod, prod/to-db]",
                        PROD_TO_DB, DB_FROM_PROD, DB_DENY_ALL_INGRESS),
                c("egress isolation never judges a pod's incoming connections: to-db does not stop staging reaching prod",
                        "staging/web > prod/web-1 8080/tcp", "allow egress=not-isolated ingress=not-isolated []",
                        PROD_TO_DB),

                // --- outside the cluster ---
                c("from outside the cluster to an isolated pod: the source side is external and has no say",
                        "203.0.113.7 > prod/api 9000/tcp", "deny egress=external ingress=deny [prod/deny-all]",
                        PROD_DENY_ALL_INGRESS),
                c("both ends outside the cluster: no policy applies",
                        "203.0.113.7 > 198.51.100.1 443/tcp", "allow egress=external ingress=external []",
                        PROD_DENY_ALL_INGRESS, PROD_DENY_ALL_EGRESS),
                c("an address in the pod network that no pod holds is outside the cluster as far as policies go",
                        "prod/web-1 > 10.1.0.200 80/tcp", "deny egress=deny ingress=external [prod/deny-egress]",
                        PROD_DENY_ALL_EGRESS),
                c("a finished pod's address is no pod's: policies selecting its labels do not apply to it",
                        "10.1.0.99 > prod/web-1 8080/tcp", "allow egress=external ingress=not-isolated []",
                        PROD_DENY_ALL_EGRESS),
                c("a hostNetwork pod's address is its node's: not judged as a pod even though it matches the policy",
                        "192.168.0.10 > prod/api 9000/tcp", "deny egress=external ingress=deny [prod/api-from-web]",
                        API_FROM_WEB, PROD_DENY_ALL_EGRESS),
                c("a dual-stack pod is the same pod by its IPv6 address: its policies apply",
                        "fd00:1::10 > fd00:3::5 5432/tcp", "deny egress=allow ingress=deny [db/deny-all]",
                        PROD_TO_DB, DB_DENY_ALL_INGRESS),

                // --- exceptions no policy can take away: the pod's own node, the pod itself ---
                c("from the pod's own node (a kubelet probe) is allowed whatever its ingress policies say",
                        "192.168.0.10 > prod/web-1 8080/tcp", "allow egress=external ingress=node []",
                        PROD_DENY_ALL_INGRESS),
                c("from another node: an outside address like any other, judged by ipBlock",
                        "192.168.0.11 > prod/web-1 8080/tcp", "deny egress=external ingress=deny [prod/deny-all]",
                        PROD_DENY_ALL_INGRESS),
                c("to the pod's own node is allowed whatever its egress policies say",
                        "prod/web-1 > 192.168.0.10 10250/tcp", "allow egress=node ingress=external []",
                        PROD_DENY_ALL_EGRESS),
                c("a pod cannot block access to itself: its connection to its own address is allowed",
                        "prod/web-1 > prod/web-1 8080/tcp", "allow egress=self ingress=self []",
                        PROD_DENY_ALL_INGRESS, PROD_DENY_ALL_EGRESS));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void verdict(Case c) {
        String[] parts = c.flow().split(" ");
        String[] portProto = parts[3].split("/");
        Connection conn = new Connection(CLUSTER.address(parts[0]), CLUSTER.address(parts[2]),
                Integer.parseInt(portProto[0]), Protocol.valueOf(portProto[1].toUpperCase(Locale.ROOT)));
        Verdict v = new PolicyEvaluator(CLUSTER.with(c.policies())).evaluate(conn);
        assertEquals(c.expected(), render(v));
    }

    static String render(Verdict v) {
        return (v.allowed() ? "allow" : "deny") + " egress=" + v.egress().outcome() + " ingress=" + v.ingress().outcome()
                + " " + v.policies().stream().map(PolicyRef::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    @Test
    void anAllowedSideNamesTheRulesThatAllowedIt() {
        Policy twoRules = policy("prod/two-ways", "{podSelector: {matchLabels: {app: api}}, ingress: ["
                + "{from: [{podSelector: {matchLabels: {app: batch}}}]}, {ports: [{port: 9000}]}, {from: [{podSelector: {}}]}]}");
        Verdict v = new PolicyEvaluator(CLUSTER.with(List.of(twoRules, API_FROM_WEB)))
                .evaluate(Connection.of("10.1.0.30", "10.1.0.20", 9000, Protocol.TCP));
        assertEquals(new Verdict.Allowed(List.of(
                        new RuleRef(new PolicyRef("prod", "two-ways"), Direction.INGRESS, 0),
                        new RuleRef(new PolicyRef("prod", "two-ways"), Direction.INGRESS, 1),
                        new RuleRef(new PolicyRef("prod", "two-ways"), Direction.INGRESS, 2))),
                v.ingress());
        assertEquals("prod/two-ways ingress[1]", ((Verdict.Allowed) v.ingress()).rules().get(1).toString());
    }

    @Test
    void aDeniedSideNamesTheIsolatingPoliciesInOrder() {
        Verdict v = new PolicyEvaluator(CLUSTER.with(List.of(PROD_DENY_ALL_INGRESS, API_FROM_WEB)))
                .evaluate(Connection.of("203.0.113.7", "10.1.0.20", 9000, Protocol.TCP));
        assertEquals(new Verdict.Denied(List.of(new PolicyRef("prod", "api-from-web"), new PolicyRef("prod", "deny-all"))),
                v.ingress());
        assertEquals(new Verdict.External(), v.egress());
    }
}
