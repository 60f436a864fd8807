package io.netwatch.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.netwatch.cli.config.ConfigValues;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every manifest in manifests/ (and manifests/optional/), read by fabric8 into typed objects
 * and checked for the properties a deployment relies on. Each check is also run on a copy
 * broken on purpose, to show it would notice.
 */
class ManifestsTest {
    private static ManifestSet main;
    private static ManifestSet optional;
    private static ManifestChecks checks;

    @BeforeAll
    static void load() throws IOException {
        Path dir = Samples.repoRoot().resolve("manifests");
        assertTrue(Files.isDirectory(dir), "no manifests/ under the repository root " + Samples.repoRoot());
        main = ManifestSet.load(dir);
        optional = ManifestSet.load(dir.resolve("optional"));
        checks = new ManifestChecks(projectVersion());
    }

    static String projectVersion() throws IOException {
        String pom = Files.readString(Samples.repoRoot().resolve("pom.xml"));
        Matcher m = Pattern.compile("<artifactId>netwatch-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertTrue(m.find(), "no version after netwatch-parent in pom.xml");
        return m.group(1);
    }

    private static void assertNone(List<String> problems) {
        assertTrue(problems.isEmpty(), () -> String.join("\n", problems));
    }

    /** Breaks a copy of the main manifests and asserts the check now reports a problem mentioning {@code expected}. */
    private static void assertNoticed(Function<ManifestSet, List<String>> check, Consumer<ManifestSet> breakIt, String expected) {
        ManifestSet broken = main.copy();
        breakIt.accept(broken);
        List<String> problems = check.apply(broken);
        assertFalse(problems.isEmpty(), "the check did not notice the breakage (" + expected + ")");
        assertTrue(problems.stream().anyMatch(p -> p.contains(expected)), () -> "expected '" + expected + "' in " + problems);
    }

    private static Container agentContainer(ManifestSet s) {
        return ManifestSet.onlyContainer(s.agent().getSpec().getTemplate());
    }

    private static Container aggregatorContainer(ManifestSet s) {
        return ManifestSet.onlyContainer(s.aggregator().getSpec().getTemplate());
    }

    // ---------------------------------------------------------------- files

    @Test
    void kustomizationsListEveryFileAndOnlyFilesThatExist() {
        assertNone(checks.kustomizationListsEveryFile(main));
        assertNone(checks.kustomizationListsEveryFile(optional));
        assertFalse(main.listed().stream().anyMatch(f -> f.startsWith("optional")),
                "the ServiceMonitor needs the Prometheus Operator's CRDs: keep optional/ out of the main kustomization");
        assertEquals(main.listed().size(), main.entries().size());
    }

    @Test
    void anUnlistedFileIsNoticed(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - a.yaml
                  - missing.yaml
                """);
        Files.writeString(tmp.resolve("a.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n");
        Files.writeString(tmp.resolve("b.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: b\n");
        List<String> problems = checks.kustomizationListsEveryFile(ManifestSet.load(tmp));
        assertTrue(problems.contains("b.yaml is not listed in kustomization.yaml"), problems.toString());
        assertTrue(problems.contains("missing.yaml is listed but does not exist"), problems.toString());
    }

    /**
     * Found by a new user: the rules ConfigMap's comment said the agent reads it "by its --rules
     * option", which the DaemonSet does not pass (rules.paths of agent.yaml names it). An option
     * a comment names, outside a quoted command, is one a container of the manifests is given.
     */
    @Test
    void anOptionACommentNamesIsOneAContainerIsGiven() throws IOException {
        Set<String> given = new java.util.TreeSet<>();
        for (var template : main.podTemplates().values()) {
            for (Container c : template.getSpec().getContainers()) {
                c.getArgs().forEach(a -> given.add(a.split("=", 2)[0]));
            }
        }
        assertTrue(given.contains("--config"), given.toString());
        List<String> problems = new ArrayList<>();
        for (String file : main.listed()) {
            problems.addAll(optionsNamedNotGiven(file, Files.readString(main.dir().resolve(file)), given));
        }
        assertNone(problems);
        assertEquals(List.of("agent-rules-configmap.yaml:2: names --rules, which no container is given"),
                optionsNamedNotGiven("agent-rules-configmap.yaml", "# Your rules, mounted and read by its\n"
                        + "# --rules option (check them with `netwatch rules check --no-default-rules`).\n", given));
    }

    private static final Pattern COMMENT_OPTION = Pattern.compile("--[a-z][a-z0-9-]*");

    /** The options the comments of {@code text} name, outside `quoted commands`, that are not in {@code given}. */
    private static List<String> optionsNamedNotGiven(String file, String text, Set<String> given) {
        List<String> out = new ArrayList<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.startsWith("#")) {
                continue;
            }
            Matcher m = COMMENT_OPTION.matcher(line.replaceAll("`[^`]*`", ""));
            while (m.find()) {
                if (!given.contains(m.group())) {
                    out.add(file + ":" + (i + 1) + ": names " + m.group() + ", which no container is given");
                }
            }
        }
        return out;
    }

    @Test
    void everyObjectLoadsAsItsTypedClassWithNoUnknownField() {
        assertNone(checks.everyObjectIsKnown(main, Set.of()));
        assertNone(checks.everyObjectIsKnown(optional, Set.of("monitoring.coreos.com/v1/ServiceMonitor",
                "monitoring.coreos.com/v1/PodMonitor")));
        assertEquals(Set.of("Namespace", "PriorityClass", "ServiceAccount", "ConfigMap", "DaemonSet", "ClusterRole",
                        "ClusterRoleBinding", "Deployment", "Service", "NetworkPolicy", "PodDisruptionBudget"),
                Set.copyOf(main.objects().stream().map(o -> o.getKind()).toList()));
    }

    @Test
    void aMisspeltFieldOrKindIsNoticed(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\n"
                + "kind: Kustomization\nresources: [ds.yaml, pc.yaml]\n");
        Files.writeString(tmp.resolve("ds.yaml"), """
                apiVersion: apps/v1
                kind: DaemonSet
                metadata: {name: x}
                spec:
                  template:
                    spec:
                      hostNetowrk: true
                      containers: [{name: c, image: i, resources: {limit: {cpu: "1"}}}]
                """);
        Files.writeString(tmp.resolve("pc.yaml"), "apiVersion: scheduling.k8s.io/v2\nkind: PriorityClass\n"
                + "metadata: {name: p}\nvalue: 1\n");
        List<String> problems = checks.everyObjectIsKnown(ManifestSet.load(tmp), Set.of());
        assertTrue(problems.stream().anyMatch(p -> p.contains("spec.template.spec.hostNetowrk")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("containers[0].resources.limit")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("scheduling.k8s.io/v2 PriorityClass is not a known")),
                problems.toString());
    }

    @Test
    void everyObjectCarriesTheStandardLabelsAndItsNamespace() {
        assertNone(checks.labelsAndNamespaces(main));
        assertNone(checks.labelsAndNamespaces(optional));
        assertNoticed(checks::labelsAndNamespaces,
                s -> s.the(ClusterRole.class, "netwatch-aggregator-read").getMetadata().getLabels().remove("app.kubernetes.io/part-of"),
                "ClusterRole netwatch-aggregator-read: label app.kubernetes.io/part-of");
        assertNoticed(checks::labelsAndNamespaces,
                s -> s.aggregator().getSpec().getTemplate().getMetadata().getLabels().remove("app.kubernetes.io/component"),
                "pod template: app.kubernetes.io/component");
        assertNoticed(checks::labelsAndNamespaces,
                s -> s.aggregator().getMetadata().setNamespace("default"), "is in namespace default");
    }

    // ---------------------------------------------------------------- workloads

    @Test
    void workloadsHaveResourcesProbesImagesAndHardenedContainers() {
        assertNone(checks.workloads(main));
        assertNoticed(checks::workloads, s -> agentContainer(s).getResources().getLimits().remove("memory"),
                "container agent: no memory limit");
        assertNoticed(checks::workloads, s -> aggregatorContainer(s).getResources().getRequests().put("cpu", new Quantity("4")),
                "cpu request 4 is above the limit");
        assertNoticed(checks::workloads, s -> agentContainer(s).getReadinessProbe().getHttpGet().setPort(new IntOrString(9092)),
                "readiness probe port 9092 is not a port of the container");
        assertNoticed(checks::workloads, s -> aggregatorContainer(s).getLivenessProbe().getHttpGet().setPort(new IntOrString("http")),
                "liveness probe port http");
        assertNoticed(checks::workloads, s -> agentContainer(s).setImage("netwatch-agent:latest"), "image is netwatch-agent:latest");
        assertNoticed(checks::workloads, s -> aggregatorContainer(s).getSecurityContext().setReadOnlyRootFilesystem(false),
                "root filesystem is not read-only");
        assertNoticed(checks::workloads, s -> agentContainer(s).getSecurityContext().setAllowPrivilegeEscalation(null),
                "allowPrivilegeEscalation is not false");
        assertNoticed(checks::workloads, s -> s.agent().getSpec().getTemplate().getSpec().getVolumes().getLast()
                .getConfigMap().setName("netwatch-rulez"), "ConfigMap netwatch-rulez, which is not in the manifests");
        assertNoticed(checks::workloads, s -> agentContainer(s).setCommand(List.of("sh")), "sets command");
    }

    @Test
    void theAgentRunsOnTheHostNetworkWithOnlyTheCapabilitiesCaptureNeeds() {
        assertNone(checks.agent(main));
        assertEquals(List.of("NET_RAW", "NET_ADMIN"), agentContainer(main).getSecurityContext().getCapabilities().getAdd());
        assertNoticed(checks::agent, s -> agentContainer(s).getSecurityContext().getCapabilities().getAdd().add("SYS_ADMIN"),
                "agent: adds capabilities [NET_RAW, NET_ADMIN, SYS_ADMIN]");
        assertNoticed(checks::agent, s -> agentContainer(s).getSecurityContext().getCapabilities().getAdd().remove("NET_ADMIN"),
                "agent: adds capabilities [NET_RAW]");
        assertNoticed(checks::agent, s -> s.agent().getSpec().getTemplate().getSpec().setDnsPolicy("ClusterFirst"),
                "must be ClusterFirstWithHostNet");
        assertNoticed(checks::agent, s -> s.agent().getSpec().getTemplate().getSpec().getTolerations().getFirst().setEffect("NoSchedule"),
                "no toleration for every taint");
        assertNoticed(checks::agent, s -> agentContainer(s).getPorts().getFirst().setHostPort(19091), "must be equal");
        assertNoticed(checks::agent, s -> s.agent().getSpec().getTemplate().getSpec().setAutomountServiceAccountToken(true),
                "token is mounted");
        assertNoticed(checks::agent, s -> s.agent().getSpec().getTemplate().getMetadata().getAnnotations()
                .put("prometheus.io/port", "9090"), "Prometheus annotations");
        assertNoticed(checks::agent, s -> agentContainer(s).getLivenessProbe().getHttpGet().setPath("/health"),
                "agent liveness probe does not GET /healthz");
    }

    private static void editConfig(ManifestSet s, String configMap, String from, String to) {
        s.the(ConfigMap.class, configMap).getData().replaceAll((file, text) -> text.replace(from, to));
    }

    @Test
    void theAgentArgsAndConfigurationAreWhatTheRealCommandAccepts() {
        List<String> problems = new ArrayList<>();
        AgentCommand cmd = (AgentCommand) ManifestChecks.parseArgs("agent", agentContainer(main), problems);
        assertNone(problems);
        assertEquals("node-1", cmd.node, "--node comes from $(NODE_NAME)");
        ConfigValues v = ManifestChecks.settings(main, main.agent().getSpec().getTemplate(), cmd, "agent", problems);
        assertNone(problems);
        assertEquals(List.of("any"), v.get(AgentSettings.INTERFACES), "read from agent.yaml in the ConfigMap");
        assertEquals(List.of("/etc/netwatch/rules"), v.get(AgentSettings.RULE_PATHS));
        assertNoticed(checks::agent, s -> agentContainer(s).getArgs().add("--no-such-option"),
                "netwatch agent would refuse its args");
        assertNoticed(checks::agent, s -> agentContainer(s).getArgs().replaceAll(a -> a.replace("NODE_NAME", "NODE")),
                "refers to $(NODE)");
        assertNoticed(checks::agent, s -> editConfig(s, "netwatch-agent-config", ":50051", ":50052"),
                "aggregator port 50052 is not a port of Service netwatch-aggregator");
        assertNoticed(checks::agent, s -> editConfig(s, "netwatch-agent-config", ":9091", ":9100"),
                "metrics.listen :9100 is not the metrics port 9091");
        assertNoticed(checks::agent, s -> editConfig(s, "netwatch-agent-config", "interfaces: [any]", "pcap: /x.pcap"),
                "captures no interface");
        assertNoticed(checks::agent, s -> editConfig(s, "netwatch-agent-config", "grace_period: 20s", "grace_period: 30s"),
                "agent: shutdown.grace_period 30s is not below terminationGracePeriodSeconds 30");
        assertNoticed(checks::agent, s -> s.the(ConfigMap.class, "netwatch-agent-config").getData()
                        .put("agent.yaml", "flows:\n  max_flow: 5\n"),
                "agent: agent.yaml: flows.max_flow: unknown key (did you mean flows.max_flows?)");
        assertNoticed(checks::agent, s -> agentContainer(s).getArgs().replaceAll(a -> a.replace("/config/", "/conf/")),
                "--config /etc/netwatch/conf/agent.yaml is in no ConfigMap mounted in the pod");
    }

    @Test
    void theAggregatorRunsAsNonRootBehindItsService() {
        assertNone(checks.aggregator(main));
        List<String> problems = new ArrayList<>();
        AggregatorCommand cmd = (AggregatorCommand) ManifestChecks.parseArgs("aggregator", aggregatorContainer(main), problems);
        assertNone(problems);
        ConfigValues v = ManifestChecks.settings(main, main.aggregator().getSpec().getTemplate(), cmd, "aggregator",
                problems);
        assertNone(problems);
        assertEquals(":50051", v.get(AggregatorSettings.LISTEN));
        assertNoticed(checks::aggregator, s -> s.aggregator().getSpec().getTemplate().getSpec().getSecurityContext().setRunAsUser(0L),
                "must run as a non-root user");
        assertNoticed(checks::aggregator, s -> aggregatorContainer(s).getArgs().add("--interface=any"),
                "netwatch aggregator would refuse its args");
        assertNoticed(checks::aggregator, s -> editConfig(s, "netwatch-aggregator-config", ":50051", ":6000"),
                "listen :6000 is not the grpc port");
        assertNoticed(checks::aggregator, s -> editConfig(s, "netwatch-aggregator-config", "max_age: 24h", "max_age: 24"),
                "aggregator: aggregator.yaml: store.max_age: \"24\" is not a duration");
        assertNoticed(checks::aggregator, s -> s.aggregator().getSpec().getTemplate().getSpec()
                .setTerminationGracePeriodSeconds(10L), "shutdown.grace_period 10s is not below terminationGracePeriodSeconds 10");
        assertNoticed(checks::aggregator, s -> s.service("netwatch-aggregator").orElseThrow().getSpec().getPorts().getFirst()
                .setTargetPort(new IntOrString(50052)), "targets 50052");
        assertNoticed(checks::aggregator, s -> s.service("netwatch-aggregator").orElseThrow().getSpec().getSelector()
                .put("app.kubernetes.io/component", "agent"), "does not select the pods");
        assertEquals(":9092", v.get(AggregatorSettings.METRICS));
        assertNoticed(checks::aggregator, s -> editConfig(s, "netwatch-aggregator-config", ":9092", ":9100"),
                "metrics.listen :9100 is not the metrics port 9092");
        assertNoticed(checks::aggregator, s -> s.aggregator().getSpec().getTemplate().getMetadata().getAnnotations()
                .remove("prometheus.io/scrape"), "aggregator: Prometheus annotations");
        assertNoticed(checks::aggregator, s -> aggregatorContainer(s).getReadinessProbe().getHttpGet().setPath("/healthz"),
                "aggregator readiness probe does not GET /readyz");
    }

    @Test
    void noServiceVariableReachesTheConfigurationParsers() {
        assertNone(checks.serviceLinks(main, optional));
        Map<String, String> links = ManifestChecks.serviceVariables(main.all(io.fabric8.kubernetes.api.model.Service.class),
                "netwatch");
        assertEquals("tcp://10.96.0.1:50051", links.get("NETWATCH_AGGREGATOR_PORT"), links.toString());
        assertEquals("50051", links.get("NETWATCH_AGGREGATOR_SERVICE_PORT_GRPC"), links.toString());
        // Kubernetes' default is true: leaving the field out is the same as setting it. The
        // loaders pass over the link variables (found in review: the aggregator refused
        // NETWATCH_AGGREGATOR_PORT and never started), so the pods start either way.
        ManifestSet linked = withLinks();
        linked.aggregator().getSpec().getTemplate().getSpec().setEnableServiceLinks(null);
        assertNone(checks.serviceLinks(linked, optional));
        // The agent's prefix is NETWATCH_AGENT_: a Service named netwatch-agent-* with a cluster IP.
        linked = withLinks();
        linked.service("netwatch-aggregator").orElseThrow().getMetadata().setName("netwatch-agent-ingest");
        assertNone(checks.serviceLinks(linked, optional));
    }

    /** The manifests with both pods given their namespace's Service links. */
    private static ManifestSet withLinks() {
        ManifestSet s = ManifestSet.load(Samples.repoRoot().resolve("manifests"));
        s.aggregator().getSpec().getTemplate().getSpec().setEnableServiceLinks(true);
        s.agent().getSpec().getTemplate().getSpec().setEnableServiceLinks(true);
        return s;
    }

    @Test
    void agentAndAggregatorTalkMutualTlsFromTheirSecrets() {
        assertNone(checks.tls(main));
        // TLS is configured in the ConfigMaps' agent.yaml and aggregator.yaml (tls.*, query.*).
        assertNoticed(checks::tls, s -> {
            for (String file : List.of("ca.crt", "tls.crt", "tls.key")) {
                editConfig(s, "netwatch-agent-config", "/etc/netwatch/tls/" + file, "\"\"");
            }
        }, "agent: runs without TLS");
        assertNoticed(checks::tls, s -> editConfig(s, "netwatch-aggregator-config", "netwatch:netwatch-agent",
                "netwatch:default"), "the agents' pods send tokens of 'netwatch:netwatch-agent'");
        assertNoticed(checks::tls, s -> s.agent().getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getProjected() != null).forEach(v -> v.getProjected().getSources().getFirst()
                        .getServiceAccountToken().setAudience("https://kubernetes.default.svc")),
                "the node token's audience is https://kubernetes.default.svc, not netwatch-aggregator");
        assertNoticed(checks::tls, s -> editConfig(s, "netwatch-aggregator-config", "client_ca:", "# client_ca:"),
                "--tls-client-ca is not set");
        assertNoticed(checks::tls, s -> editConfig(s, "netwatch-agent-config", "/tls/tls.key", "/key.pem"),
                "--tls-key /etc/netwatch/key.pem is in no mounted volume");
        assertNoticed(checks::tls, s -> s.agent().getSpec().getTemplate().getSpec().getVolumes().stream()
                        .filter(v -> v.getSecret() != null).forEach(v -> v.getSecret().setSecretName("other")),
                "is not in a volume of Secret " + CertsCommand.AGENT_SECRET);
        assertNoticed(checks::tls, s -> editConfig(s, "netwatch-aggregator-config", "tls/ca.crt", "tls/ca.pem"),
                "is not the Secret's key ca.crt");
        assertNoticed(checks::tls, s -> editConfig(s, "netwatch-aggregator-config", "/etc/netwatch/query-token/token", "\"\""),
                "--query-token-file is not set");
        // An option given in the container's args wins over the file, and is checked too.
        assertNoticed(checks::tls, s -> aggregatorContainer(s).getArgs().add("--tls-key=/etc/netwatch/config/key.pem"),
                "is not in a volume of Secret " + CertsCommand.AGGREGATOR_SECRET);
        assertNoticed(checks::tls, s -> s.aggregator().getSpec().getTemplate().getSpec().getSecurityContext().setFsGroup(null),
                "must be readable by the fsGroup");
        assertNoticed(checks::tls, s -> s.aggregator().getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getSecret() != null).forEach(v -> v.getSecret().setDefaultMode(0444)), "not by others");
    }

    // ---------------------------------------------------------------- RBAC and around the aggregator

    @Test
    void rbacGrantsTheAggregatorExactlyItsReadsAndWritesAndTheAgentNothing() {
        assertNone(checks.rbac(main));
        assertNoticed(checks::rbac, s -> s.the(ClusterRole.class, "netwatch-aggregator-respond").getRules().getFirst()
                .getVerbs().add("delete"), "may write");
        assertNoticed(checks::rbac, s -> s.the(ClusterRole.class, "netwatch-aggregator-read").getRules().getFirst()
                .getResources().add("secrets"), "core/secrets:get");
        assertNoticed(checks::rbac, s -> s.the(ClusterRole.class, "netwatch-aggregator-read").getRules().getFirst()
                .setVerbs(List.of("*")), "wildcard");
        assertNoticed(checks::agent, s -> s.all(io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding.class).getFirst()
                .getSubjects().getFirst().setName("netwatch-agent"), "grants its service account a role");
    }

    @Test
    void aNetworkPolicyAdmitsOnlyTheAggregatorsGrpcPort() {
        assertNone(checks.networkPolicy(main));
        assertNoticed(checks::networkPolicy, s -> s.all(io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class)
                .getFirst().getSpec().getIngress().getFirst().getPorts().getFirst().setPort(new IntOrString(8080)),
                "admits port 8080");
        assertNoticed(checks::networkPolicy, s -> s.all(io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class)
                .getFirst().getSpec().setPolicyTypes(List.of("Egress")), "do not restrict ingress");
    }

    @Test
    void theDisruptionBudgetCoversTheAggregatorWithoutBlockingDrains() {
        assertNone(checks.disruptionBudget(main));
        assertNoticed(checks::disruptionBudget, s -> {
            var spec = s.all(io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class).getFirst().getSpec();
            spec.setMaxUnavailable(null);
            spec.setMinAvailable(new IntOrString(1));
        }, "would block every node drain");
    }

    @Test
    void theNamespaceAdmitsTheAgent() {
        assertNone(checks.namespace(main));
    }

    @Test
    void theOptionalServiceMonitorScrapesEveryAgent() {
        assertNone(checks.serviceMonitor(optional, main));
        ManifestSet broken = optional.copy();
        broken.all(io.fabric8.kubernetes.api.model.Service.class).getFirst().getSpec().getPorts().getFirst().setName("prom");
        assertTrue(checks.serviceMonitor(broken, main).stream().anyMatch(p -> p.contains("endpoint port metrics")));
    }

    @Test
    void theOptionalPodMonitorScrapesTheAggregator() {
        assertNone(checks.podMonitor(optional, main));
        ManifestSet broken = main.copy();
        ManifestSet.onlyContainer(broken.aggregator().getSpec().getTemplate()).getPorts()
                .removeIf(p -> p.getName().equals("metrics"));
        assertTrue(checks.podMonitor(optional, broken).stream().anyMatch(p -> p.contains("endpoint port metrics")));
    }
}
