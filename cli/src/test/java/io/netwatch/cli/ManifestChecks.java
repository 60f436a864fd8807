package io.netwatch.cli;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import io.netwatch.aggregator.ingest.NodeTokens;
import io.netwatch.cli.config.ConfigError;
import io.netwatch.cli.config.ConfigValues;
import io.netwatch.common.Durations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * The properties the manifests must have, each as a check that returns what is wrong (empty
 * when nothing is). ManifestsTest runs every check on the real files, and on copies broken
 * on purpose to show that the check notices.
 */
final class ManifestChecks {
    static final String NAMESPACE = "netwatch";
    static final Set<String> COMPONENTS = Set.of("agent", "aggregator", "shared");
    /** What the agent may do beyond an unprivileged process, and nothing more. */
    static final Set<String> AGENT_CAPABILITIES = Set.of("NET_RAW", "NET_ADMIN");
    /** The paths MetricsServer serves. */
    static final String HEALTH_PATH = "/healthz";
    static final String READY_PATH = "/readyz";
    static final String METRICS_PATH = "/metrics";

    /** (apiGroup, resource, verb) the aggregator may read. */
    static final Set<String> AGGREGATOR_READS = grants(
            "", "pods", "get,list,watch",
            "", "namespaces", "get,list,watch",
            "", "services", "get,list,watch",
            "", "nodes", "list",
            "discovery.k8s.io", "endpointslices", "get,list,watch",
            "networking.k8s.io", "networkpolicies", "get,list,watch",
            "apps", "replicasets", "get,list,watch",
            "batch", "jobs", "get,list,watch");
    /**
     * (apiGroup, resource, verb) the aggregator may write: quarantine, Events, and TokenReviews
     * (a question about an agent's pod token; nothing is stored).
     */
    static final Set<String> AGGREGATOR_WRITES = grants(
            "", "pods", "patch",
            "networking.k8s.io", "networkpolicies", "create",
            "", "events", "create",
            "authentication.k8s.io", "tokenreviews", "create");
    private static final Set<String> READ_VERBS = Set.of("get", "list", "watch");

    private final String version;

    /** @param version the Maven project version: the images' tag and the version label */
    ManifestChecks(String version) {
        this.version = version;
    }

    private static Set<String> grants(String... triples) {
        Set<String> out = new TreeSet<>();
        for (int i = 0; i < triples.length; i += 3) {
            for (String verb : triples[i + 2].split(",")) {
                out.add(grant(triples[i], triples[i + 1], verb));
            }
        }
        return out;
    }

    private static String grant(String group, String resource, String verb) {
        return (group.isEmpty() ? "core" : group) + "/" + resource + ":" + verb;
    }

    private static String name(HasMetadata o) {
        return o.getKind() + " " + o.getMetadata().getName();
    }

    // ---------------------------------------------------------------- files and objects

    /** kustomization.yaml lists every YAML file of its directory, once, and only files that exist. */
    List<String> kustomizationListsEveryFile(ManifestSet set) {
        List<String> problems = new ArrayList<>();
        Set<String> listed = new HashSet<>();
        for (String f : set.listed()) {
            if (!listed.add(f)) {
                problems.add(f + " is listed twice");
            }
            if (!java.nio.file.Files.isRegularFile(set.dir().resolve(f))) {
                problems.add(f + " is listed but does not exist");
            }
        }
        for (String f : set.yamlFiles()) {
            if (!listed.contains(f)) {
                problems.add(f + " is not listed in kustomization.yaml");
            }
        }
        return problems;
    }

    /** Every object loads as its typed class (a typo in apiVersion or kind would not) with no unknown field. */
    List<String> everyObjectIsKnown(ManifestSet set, Set<String> genericKinds) {
        List<String> problems = new ArrayList<>();
        for (ManifestSet.Entry e : set.entries()) {
            HasMetadata o = e.object();
            if (o instanceof GenericKubernetesResource g) {
                if (!genericKinds.contains(g.getApiVersion() + "/" + g.getKind())) {
                    problems.add(e.file() + ": " + g.getApiVersion() + " " + g.getKind() + " is not a known Kubernetes type");
                }
                continue;
            }
            for (String field : ManifestSet.unknownFields(o)) {
                problems.add(e.file() + ": unknown field " + field + " in " + name(o));
            }
        }
        return problems;
    }

    /** The standard app.kubernetes.io labels on every object and pod template; the namespace on namespaced ones. */
    List<String> labelsAndNamespaces(ManifestSet set) {
        List<String> problems = new ArrayList<>();
        for (HasMetadata o : set.objects()) {
            problems.addAll(standardLabels(name(o), o.getMetadata().getLabels()));
            boolean namespaced = o instanceof Namespaced
                    || (o instanceof GenericKubernetesResource && o.getMetadata().getNamespace() != null);
            if (namespaced && !NAMESPACE.equals(o.getMetadata().getNamespace())) {
                problems.add(name(o) + " is in namespace " + o.getMetadata().getNamespace() + ", not " + NAMESPACE);
            }
            if (!namespaced && o.getMetadata().getNamespace() != null) {
                problems.add(name(o) + " is cluster-scoped but names a namespace");
            }
        }
        set.podTemplates().forEach((workload, t) -> {
            problems.addAll(standardLabels(workload + " pod template", t.getMetadata().getLabels()));
        });
        return problems;
    }

    private List<String> standardLabels(String what, Map<String, String> labels) {
        List<String> problems = new ArrayList<>();
        Map<String, String> l = labels == null ? Map.of() : labels;
        expect(problems, what, l, "app.kubernetes.io/name", "netwatch");
        expect(problems, what, l, "app.kubernetes.io/part-of", "netwatch");
        expect(problems, what, l, "app.kubernetes.io/managed-by", "kustomize");
        expect(problems, what, l, "app.kubernetes.io/version", version);
        String component = l.get("app.kubernetes.io/component");
        if (component == null || !COMPONENTS.contains(component)) {
            problems.add(what + ": app.kubernetes.io/component is " + component + ", not one of " + COMPONENTS);
        }
        return problems;
    }

    private static void expect(List<String> problems, String what, Map<String, String> labels, String key, String value) {
        if (!value.equals(labels.get(key))) {
            problems.add(what + ": label " + key + " is " + labels.get(key) + ", not " + value);
        }
    }

    // ---------------------------------------------------------------- every workload

    /** Selectors select the pod template; every container has requests and limits; images and references resolve. */
    List<String> workloads(ManifestSet set) {
        List<String> problems = new ArrayList<>();
        for (DaemonSet d : set.all(DaemonSet.class)) {
            problems.addAll(selects(name(d), d.getSpec().getSelector(), d.getSpec().getTemplate()));
        }
        for (Deployment d : set.all(Deployment.class)) {
            problems.addAll(selects(name(d), d.getSpec().getSelector(), d.getSpec().getTemplate()));
        }
        set.podTemplates().forEach((workload, t) -> {
            PodSpec pod = t.getSpec();
            String component = t.getMetadata().getLabels().get("app.kubernetes.io/component");
            if (pod.getServiceAccountName() == null || !set.hasServiceAccount(pod.getServiceAccountName())) {
                problems.add(workload + ": service account " + pod.getServiceAccountName() + " is not in the manifests");
            }
            if (pod.getPriorityClassName() != null && set.named(PriorityClass.class, pod.getPriorityClassName()).isEmpty()) {
                problems.add(workload + ": priority class " + pod.getPriorityClassName() + " is not in the manifests");
            }
            for (Volume v : pod.getVolumes()) {
                if (v.getConfigMap() != null && !set.hasConfigMap(v.getConfigMap().getName())) {
                    problems.add(workload + ": volume " + v.getName() + " mounts ConfigMap " + v.getConfigMap().getName()
                            + ", which is not in the manifests");
                }
            }
            for (Container c : pod.getContainers()) {
                String what = workload + " container " + c.getName();
                problems.addAll(resources(what, c));
                problems.addAll(probePorts(what, c));
                String image = "netwatch-" + component + ":" + version;
                if (!image.equals(c.getImage())) {
                    problems.add(what + ": image is " + c.getImage() + ", not " + image);
                }
                if (c.getCommand() != null && !c.getCommand().isEmpty()) {
                    problems.add(what + ": sets command " + c.getCommand() + "; the image's entrypoint runs netwatch");
                }
                problems.addAll(hardened(what, pod.getSecurityContext(), c.getSecurityContext()));
            }
        });
        return problems;
    }

    private static List<String> selects(String what, LabelSelector selector, PodTemplateSpec template) {
        List<String> problems = new ArrayList<>();
        if (selector == null || selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty()) {
            problems.add(what + " has no selector labels");
        } else if (!matches(selector.getMatchLabels(), template.getMetadata().getLabels())) {
            problems.add(what + ": selector " + selector.getMatchLabels() + " does not select its pod template");
        }
        return problems;
    }

    static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty() && labels != null
                && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    private static List<String> resources(String what, Container c) {
        List<String> problems = new ArrayList<>();
        var r = c.getResources();
        Map<String, Quantity> requests = r == null || r.getRequests() == null ? Map.of() : r.getRequests();
        Map<String, Quantity> limits = r == null || r.getLimits() == null ? Map.of() : r.getLimits();
        for (String res : List.of("cpu", "memory")) {
            Quantity req = requests.get(res);
            Quantity lim = limits.get(res);
            if (req == null) {
                problems.add(what + ": no " + res + " request");
            }
            if (lim == null) {
                problems.add(what + ": no " + res + " limit");
            }
            if (req != null && lim != null && req.compareTo(lim) > 0) {
                problems.add(what + ": " + res + " request " + req + " is above the limit " + lim);
            }
        }
        return problems;
    }

    /** Every probe has a port, and that port is one the container declares. */
    private static List<String> probePorts(String what, Container c) {
        List<String> problems = new ArrayList<>();
        Map<String, Probe> probes = new java.util.LinkedHashMap<>();
        probes.put("liveness", c.getLivenessProbe());
        probes.put("readiness", c.getReadinessProbe());
        probes.put("startup", c.getStartupProbe());
        if (c.getLivenessProbe() == null || c.getReadinessProbe() == null) {
            problems.add(what + ": needs a liveness and a readiness probe");
        }
        probes.forEach((kind, p) -> {
            if (p == null) {
                return;
            }
            IntOrString port = p.getHttpGet() != null ? p.getHttpGet().getPort()
                    : p.getTcpSocket() != null ? p.getTcpSocket().getPort()
                    : p.getGrpc() != null ? new IntOrString(p.getGrpc().getPort()) : null;
            if (port == null) {
                problems.add(what + ": " + kind + " probe checks no port");
            } else if (containerPort(c, port) == null) {
                problems.add(what + ": " + kind + " probe port " + text(port) + " is not a port of the container");
            }
        });
        return problems;
    }

    /** The container port a probe or Service names (by name or number), or null. */
    static ContainerPort containerPort(Container c, IntOrString port) {
        for (ContainerPort p : c.getPorts()) {
            if (port.getStrVal() != null ? port.getStrVal().equals(p.getName()) : Objects.equals(port.getIntVal(), p.getContainerPort())) {
                return p;
            }
        }
        return null;
    }

    private static String text(IntOrString v) {
        return v.getStrVal() != null ? v.getStrVal() : String.valueOf(v.getIntVal());
    }

    /** What every container here has: no privilege, no escalation, read-only root, nothing but the capabilities it names, a seccomp profile. */
    private static List<String> hardened(String what, PodSecurityContext pod, SecurityContext c) {
        List<String> problems = new ArrayList<>();
        if (c == null) {
            return List.of(what + ": no securityContext");
        }
        if (Boolean.TRUE.equals(c.getPrivileged())) {
            problems.add(what + ": privileged");
        }
        if (!Boolean.FALSE.equals(c.getAllowPrivilegeEscalation())) {
            problems.add(what + ": allowPrivilegeEscalation is not false");
        }
        if (!Boolean.TRUE.equals(c.getReadOnlyRootFilesystem())) {
            problems.add(what + ": root filesystem is not read-only");
        }
        Capabilities caps = c.getCapabilities();
        if (caps == null || caps.getDrop() == null || !caps.getDrop().equals(List.of("ALL"))) {
            problems.add(what + ": does not drop ALL capabilities");
        }
        String seccomp = c.getSeccompProfile() != null ? c.getSeccompProfile().getType()
                : pod != null && pod.getSeccompProfile() != null ? pod.getSeccompProfile().getType() : null;
        if (!"RuntimeDefault".equals(seccomp)) {
            problems.add(what + ": seccomp profile is " + seccomp + ", not RuntimeDefault");
        }
        return problems;
    }

    // ---------------------------------------------------------------- the command lines

    private static final Pattern ENV_REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    /**
     * The container's args, parsed by picocli against the real command ({@code netwatch
     * agent} or {@code netwatch aggregator}), after Kubernetes' $(VAR) expansion of the
     * container's env. Returns the parsed command object, or a problem.
     */
    static Object parseArgs(String subcommand, Container c, List<String> problems) {
        Set<String> env = new HashSet<>();
        for (EnvVar e : c.getEnv()) {
            env.add(e.getName());
        }
        List<String> argv = new ArrayList<>();
        argv.add(subcommand);
        for (String arg : c.getArgs()) {
            Matcher m = ENV_REF.matcher(arg);
            StringBuilder expanded = new StringBuilder();
            while (m.find()) {
                if (!env.contains(m.group(1))) {
                    problems.add(subcommand + " arg " + arg + " refers to $(" + m.group(1) + "), which the container does not define");
                }
                m.appendReplacement(expanded, "node-1");
            }
            m.appendTail(expanded);
            argv.add(expanded.toString());
        }
        try {
            CommandLine.ParseResult pr = new CommandLine(new NetwatchMain()).parseArgs(argv.toArray(String[]::new));
            if (pr.subcommand() == null) {
                problems.add("args " + argv + " run no subcommand");
                return null;
            }
            return pr.subcommand().commandSpec().userObject();
        } catch (CommandLine.ParameterException e) {
            problems.add("netwatch " + subcommand + " would refuse its args " + c.getArgs() + ": " + e.getMessage());
            return null;
        }
    }

    private static int port(String hostPort, String what) {
        return HostPort.parse(hostPort, what).getPort();
    }

    // ---------------------------------------------------------------- mutual TLS

    /**
     * Both workloads run with TLS: every TLS file option points into a read-only volume of the
     * Secret that `netwatch certs` (and cert-manager) fill, under a key that Secret has, and the
     * aggregator's non-root user can read its Secrets while others cannot.
     */
    List<String> tls(ManifestSet set) {
        List<String> problems = new ArrayList<>();
        PodTemplateSpec agent = set.agent().getSpec().getTemplate();
        if (parseArgs("agent", ManifestSet.onlyContainer(agent), problems) instanceof AgentCommand cmd
                && settings(set, agent, cmd, "agent", problems) instanceof ConfigValues v) {
            // The effective files: options, else the config file's tls.* keys.
            AgentSettings.tlsFiles(v, cmd.tls);
            if (!cmd.tls.any()) {
                problems.add("agent: runs without TLS (--tls-ca, --tls-cert, --tls-key)");
            }
            problems.addAll(secretFile("agent", agent, "--tls-ca", cmd.tls.ca, CertsCommand.AGENT_SECRET, "ca.crt"));
            problems.addAll(secretFile("agent", agent, "--tls-cert", cmd.tls.cert, CertsCommand.AGENT_SECRET, "tls.crt"));
            problems.addAll(secretFile("agent", agent, "--tls-key", cmd.tls.key, CertsCommand.AGENT_SECRET, "tls.key"));
            problems.addAll(nodeToken(agent, v.get(AgentSettings.NODE_TOKEN_FILE)));
            String account = v.get(AgentSettings.NODE_TOKEN_FILE).isBlank() ? ""
                    : set.agent().getMetadata().getNamespace() + ":" + agent.getSpec().getServiceAccountName();
            PodTemplateSpec aggregatorPod = set.aggregator().getSpec().getTemplate();
            if (parseArgs("aggregator", ManifestSet.onlyContainer(aggregatorPod), problems) instanceof AggregatorCommand a
                    && settings(set, aggregatorPod, a, "aggregator", problems) instanceof ConfigValues av
                    && !av.get(AggregatorSettings.AGENT_ACCOUNT).equals(account)) {
                // A mismatch would refuse every agent (or check none) while each file looks right.
                problems.add("aggregator: ingest.agent_service_account is '" + av.get(AggregatorSettings.AGENT_ACCOUNT)
                        + "', the agents' pods send tokens of '" + account + "'");
            }
        }
        PodTemplateSpec aggregator = set.aggregator().getSpec().getTemplate();
        if (parseArgs("aggregator", ManifestSet.onlyContainer(aggregator), problems) instanceof AggregatorCommand cmd
                && settings(set, aggregator, cmd, "aggregator", problems) instanceof ConfigValues values) {
            // The effective files: options, else the config file's tls.* and query.* keys.
            AggregatorSettings.tlsFiles(values, cmd.tls);
            problems.addAll(secretFile("aggregator", aggregator, "--tls-cert", cmd.tls.cert, CertsCommand.AGGREGATOR_SECRET, "tls.crt"));
            problems.addAll(secretFile("aggregator", aggregator, "--tls-key", cmd.tls.key, CertsCommand.AGGREGATOR_SECRET, "tls.key"));
            problems.addAll(secretFile("aggregator", aggregator, "--tls-client-ca", cmd.tls.clientCa,
                    CertsCommand.AGGREGATOR_SECRET, "ca.crt"));
            problems.addAll(secretFile("aggregator", aggregator, "--query-token-file", cmd.tls.tokenFile,
                    CertsCommand.TOKEN_SECRET, "token"));
            PodSecurityContext pod = aggregator.getSpec().getSecurityContext();
            Long group = pod == null ? null : pod.getFsGroup();
            for (Volume v : aggregator.getSpec().getVolumes()) {
                if (v.getSecret() == null) {
                    continue;
                }
                Integer mode = v.getSecret().getDefaultMode();
                if (group == null || mode == null || (mode & 0040) == 0 || (mode & 0007) != 0) {
                    problems.add("aggregator: Secret volume " + v.getName() + " must be readable by the fsGroup ("
                            + group + ") and not by others (defaultMode " + (mode == null ? "unset" : Integer.toOctalString(mode)) + ")");
                }
            }
        }
        return problems;
    }

    /** The agent's node token: a projected service-account token for the aggregator's audience, mounted read-only. */
    private static List<String> nodeToken(PodTemplateSpec t, String file) {
        if (file.isBlank()) {
            return List.of("agent: tls.node_token_file is not set: the aggregator cannot check which node an agent"
                    + " runs on");
        }
        java.nio.file.Path path = java.nio.file.Path.of(file);
        Container c = ManifestSet.onlyContainer(t);
        String dir = path.getParent() == null ? "" : path.getParent().toString();
        var mount = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(dir)).findFirst().orElse(null);
        Volume v = mount == null ? null
                : t.getSpec().getVolumes().stream().filter(x -> x.getName().equals(mount.getName())).findFirst().orElse(null);
        var token = v == null || v.getProjected() == null ? null : v.getProjected().getSources().stream()
                .map(s -> s.getServiceAccountToken()).filter(Objects::nonNull)
                .filter(s -> path.getFileName().toString().equals(s.getPath())).findFirst().orElse(null);
        if (token == null) {
            return List.of("agent: tls.node_token_file " + file + " is no projected service-account token");
        }
        if (!NodeTokens.AUDIENCE.equals(token.getAudience())) {
            return List.of("agent: the node token's audience is " + token.getAudience() + ", not "
                    + NodeTokens.AUDIENCE);
        }
        return Boolean.TRUE.equals(mount.getReadOnly()) ? List.of() : List.of("agent: the node token is mounted writable");
    }

    private static List<String> secretFile(String workload, PodTemplateSpec t, String option, java.nio.file.Path file,
                                           String secret, String key) {
        if (file == null) {
            return List.of(workload + ": " + option + " is not set");
        }
        Container c = ManifestSet.onlyContainer(t);
        String dir = file.getParent() == null ? "" : file.getParent().toString();
        var mount = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(dir)).findFirst().orElse(null);
        if (mount == null) {
            return List.of(workload + ": " + option + " " + file + " is in no mounted volume");
        }
        Volume v = t.getSpec().getVolumes().stream().filter(x -> x.getName().equals(mount.getName())).findFirst().orElse(null);
        if (v == null || v.getSecret() == null || !secret.equals(v.getSecret().getSecretName())) {
            return List.of(workload + ": " + option + " " + file + " is not in a volume of Secret " + secret);
        }
        if (!Boolean.TRUE.equals(mount.getReadOnly())) {
            return List.of(workload + ": the Secret " + secret + " is mounted writable");
        }
        if (!key.equals(file.getFileName().toString())) {
            return List.of(workload + ": " + option + " " + file + " is not the Secret's key " + key);
        }
        return List.of();
    }

    // ---------------------------------------------------------------- the agent

    List<String> agent(ManifestSet set) {
        List<String> problems = new ArrayList<>();
        DaemonSet ds = set.agent();
        PodTemplateSpec t = ds.getSpec().getTemplate();
        PodSpec pod = t.getSpec();
        Container c = ManifestSet.onlyContainer(t);
        if (!Boolean.TRUE.equals(pod.getHostNetwork())) {
            problems.add("agent: hostNetwork is not true (capture needs the node's interfaces)");
        }
        if (!"ClusterFirstWithHostNet".equals(pod.getDnsPolicy())) {
            problems.add("agent: dnsPolicy is " + pod.getDnsPolicy() + "; with hostNetwork it must be ClusterFirstWithHostNet");
        }
        Capabilities caps = c.getSecurityContext() == null ? null : c.getSecurityContext().getCapabilities();
        Set<String> added = caps == null || caps.getAdd() == null ? Set.of() : new TreeSet<>(caps.getAdd());
        if (!added.equals(AGENT_CAPABILITIES) || caps.getAdd().size() != AGENT_CAPABILITIES.size()) {
            problems.add("agent: adds capabilities " + (caps == null ? null : caps.getAdd()) + ", not exactly " + AGENT_CAPABILITIES);
        }
        boolean toleratesAll = pod.getTolerations().stream().anyMatch(ManifestChecks::toleratesEverything);
        if (!toleratesAll) {
            problems.add("agent: no toleration for every taint (operator Exists, no key, no effect)");
        }
        if (pod.getPriorityClassName() == null) {
            problems.add("agent: no priority class");
        }
        for (ContainerPort p : c.getPorts()) {
            if (!Objects.equals(p.getHostPort(), p.getContainerPort())) {
                problems.add("agent: port " + p.getName() + " has hostPort " + p.getHostPort() + " but containerPort "
                        + p.getContainerPort() + " (with hostNetwork they must be equal)");
            }
        }
        ServiceAccount sa = set.named(ServiceAccount.class, pod.getServiceAccountName()).orElse(null);
        if (sa == null || !Boolean.FALSE.equals(sa.getAutomountServiceAccountToken())
                || Boolean.TRUE.equals(pod.getAutomountServiceAccountToken())) {
            problems.add("agent: its service account token is mounted; the agent needs no API access");
        }
        for (ClusterRoleBinding b : set.all(ClusterRoleBinding.class)) {
            for (Subject s : b.getSubjects()) {
                if (s.getName().equals(pod.getServiceAccountName())) {
                    problems.add("agent: " + name(b) + " grants its service account a role");
                }
            }
        }
        boolean nodeFromDownwardApi = c.getEnv().stream().anyMatch(e -> e.getName().equals("NODE_NAME")
                && e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null
                && "spec.nodeName".equals(e.getValueFrom().getFieldRef().getFieldPath()));
        if (!nodeFromDownwardApi) {
            problems.add("agent: NODE_NAME does not come from spec.nodeName");
        }

        ContainerPort metricsPort = scraped("agent", t, c, problems);
        if (metricsPort == null) {
            return problems;
        }

        if (parseArgs("agent", c, problems) instanceof AgentCommand cmd
                && settings(set, t, cmd, "agent", problems) instanceof ConfigValues v) {
            if (v.get(AgentSettings.INTERFACES).isEmpty()) {
                problems.add("agent: capture.interfaces is empty: the configuration captures no interface (a "
                        + "DaemonSet agent captures live)");
            }
            String metrics = v.get(AgentSettings.METRICS);
            if (metrics.equalsIgnoreCase("none") || port(metrics, "metrics.listen") != metricsPort.getContainerPort()) {
                problems.add("agent: metrics.listen " + metrics + " is not the metrics port " + metricsPort.getContainerPort());
            }
            String aggregator = v.get(AgentSettings.AGGREGATOR);
            InetSocketAddress target = HostPort.parse(aggregator, "aggregator");
            Service svc = set.service(target.getHostString().split("\\.")[0]).orElse(null);
            if (svc == null) {
                problems.add("agent: aggregator " + aggregator + " names no Service in the manifests");
            } else if (svc.getSpec().getPorts().stream().noneMatch(p -> p.getPort() == target.getPort())) {
                problems.add("agent: aggregator port " + target.getPort() + " is not a port of Service " + svc.getMetadata().getName());
            }
            problems.addAll(graceWithinTermination("agent", v.get(AgentSettings.GRACE), t));
        }
        return problems;
    }

    /**
     * Both workloads start with the variables Kubernetes gives a pod for the Services of its
     * namespace. Unless the pod sets {@code enableServiceLinks: false}, the kubelet adds, for
     * each Service with a cluster IP, NAME_SERVICE_HOST, NAME_SERVICE_PORT[_PORTNAME] and the
     * Docker-link NAME_PORT=tcp://IP:PORT and NAME_PORT_PORT_PROTO[_PROTO|_PORT|_ADDR]. The
     * Service netwatch-aggregator so gives NETWATCH_AGGREGATOR_PORT, which the aggregator
     * reads as one of its settings (NETWATCH_AGGREGATOR_*), names no key, and refuses: the pod
     * would never start. Run through the real parsers with every Service here and in optional/.
     */
    List<String> serviceLinks(ManifestSet main, ManifestSet optional) {
        List<String> problems = new ArrayList<>();
        List<Service> services = new ArrayList<>(main.all(Service.class));
        services.addAll(optional.all(Service.class));
        Map<String, PodTemplateSpec> pods = Map.of("agent", main.agent().getSpec().getTemplate(),
                "aggregator", main.aggregator().getSpec().getTemplate());
        for (Map.Entry<String, PodTemplateSpec> e : new java.util.TreeMap<>(pods).entrySet()) {
            String who = e.getKey();
            PodTemplateSpec t = e.getValue();
            if (Boolean.FALSE.equals(t.getSpec().getEnableServiceLinks())) {
                continue;
            }
            String namespace = who.equals("agent") ? main.agent().getMetadata().getNamespace()
                    : main.aggregator().getMetadata().getNamespace();
            Map<String, String> injected = serviceVariables(services, namespace);
            // Args the command refuses are agent()'s and aggregator()'s to report.
            Object cmd = parseArgs(who, ManifestSet.onlyContainer(t), new ArrayList<>());
            List<String> found = new ArrayList<>();
            if (cmd != null) {
                settings(main, t, cmd, who, injected, found);
            }
            for (String p : found) {
                problems.add(p + " (the variables of the namespace's Services: set enableServiceLinks: false)");
            }
        }
        return problems;
    }

    /** What the kubelet's service links put in a pod of {@code namespace} (pkg/kubelet/envvars), 10.96.0.1 for every IP. */
    static Map<String, String> serviceVariables(List<Service> services, String namespace) {
        Map<String, String> env = new java.util.TreeMap<>();
        for (Service s : services) {
            String ip = s.getSpec().getClusterIP();
            if (!namespace.equals(s.getMetadata().getNamespace()) || "None".equals(ip)
                    || "ExternalName".equals(s.getSpec().getType()) || s.getSpec().getPorts().isEmpty()) {
                continue; // headless and ExternalName Services have no cluster IP, so no variables
            }
            String addr = ip == null || ip.isEmpty() ? "10.96.0.1" : ip;
            String name = s.getMetadata().getName().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
            ServicePort first = s.getSpec().getPorts().getFirst();
            env.put(name + "_SERVICE_HOST", addr);
            env.put(name + "_SERVICE_PORT", String.valueOf(first.getPort()));
            String firstProto = first.getProtocol() == null ? "tcp" : first.getProtocol().toLowerCase(java.util.Locale.ROOT);
            env.put(name + "_PORT", firstProto + "://" + addr + ":" + first.getPort());
            for (ServicePort p : s.getSpec().getPorts()) {
                String proto = p.getProtocol() == null ? "TCP" : p.getProtocol().toUpperCase(java.util.Locale.ROOT);
                if (p.getName() != null && !p.getName().isEmpty()) {
                    env.put(name + "_SERVICE_PORT_" + p.getName().toUpperCase(java.util.Locale.ROOT).replace('-', '_'),
                            String.valueOf(p.getPort()));
                }
                String prefix = name + "_PORT_" + p.getPort() + "_" + proto;
                env.put(prefix, proto.toLowerCase(java.util.Locale.ROOT) + "://" + addr + ":" + p.getPort());
                env.put(prefix + "_PROTO", proto.toLowerCase(java.util.Locale.ROOT));
                env.put(prefix + "_PORT", String.valueOf(p.getPort()));
                env.put(prefix + "_ADDR", addr);
            }
        }
        return env;
    }

    /** The kubelet must wait longer than the process's own grace period, or it kills it mid-flush. */
    private static List<String> graceWithinTermination(String who, java.time.Duration grace, PodTemplateSpec t) {
        Long termination = t.getSpec().getTerminationGracePeriodSeconds();
        long seconds = termination == null ? 30 : termination;
        if (grace.compareTo(java.time.Duration.ofSeconds(seconds)) >= 0) {
            return List.of(who + ": shutdown.grace_period " + Durations.format(grace)
                    + " is not below terminationGracePeriodSeconds " + seconds);
        }
        return List.of();
    }

    /**
     * The command's effective configuration as it would run in the pod: the YAML file its
     * --config names, read from the ConfigMap mounted at that directory, the container's
     * literal environment (NETWATCH_* overrides), then its args. Null, with a problem, when the
     * file is in no mounted ConfigMap or the configuration would be refused.
     */
    static ConfigValues settings(ManifestSet set, PodTemplateSpec t, Object command, String who, List<String> problems) {
        return settings(set, t, command, who, Map.of(), problems);
    }

    /** As above, with {@code injected}: variables Kubernetes adds to the container's (service links). */
    static ConfigValues settings(ManifestSet set, PodTemplateSpec t, Object command, String who,
                                 Map<String, String> injected, List<String> problems) {
        Map<String, String> env = new java.util.HashMap<>(injected);
        for (EnvVar e : ManifestSet.onlyContainer(t).getEnv()) {
            if (e.getValue() != null) {
                env.put(e.getName(), e.getValue());
            }
        }
        Path configFile = switch (command) {
            case AgentCommand a -> a.configuration.file;
            case AggregatorCommand g -> g.configuration.file;
            default -> throw new IllegalArgumentException("not a configured command: " + command);
        };
        Path dir = null;
        try {
            Path copy = null;
            if (configFile != null) {
                String text = configMapFile(set, t, configFile);
                if (text == null) {
                    problems.add(who + ": --config " + configFile + " is in no ConfigMap mounted in the pod");
                    return null;
                }
                // The command reads a copy named as in the pod, so its errors name the same file.
                dir = Files.createTempDirectory("netwatch-manifest");
                copy = Files.writeString(dir.resolve(configFile.getFileName().toString()), text);
            }
            return switch (command) {
                case AgentCommand a -> {
                    a.configuration.environment = env;
                    a.configuration.file = copy;
                    try {
                        yield a.settings();
                    } finally {
                        a.configuration.file = configFile;
                    }
                }
                case AggregatorCommand g -> {
                    g.configuration.environment = env;
                    g.configuration.file = copy;
                    try {
                        yield g.settings();
                    } finally {
                        g.configuration.file = configFile;
                    }
                }
                default -> null;
            };
        } catch (ConfigError e) {
            problems.add(who + ": " + e.getMessage());
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (dir != null) {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.delete(f);
                    }
                    Files.delete(dir);
                } catch (IOException e) {
                    // a temporary file left behind
                }
            }
        }
    }

    /** The text of {@code file} as the pod sees it: a key of the ConfigMap mounted at its directory, or null. */
    static String configMapFile(ManifestSet set, PodTemplateSpec t, Path file) {
        Container c = ManifestSet.onlyContainer(t);
        String dir = file.getParent() == null ? "" : file.getParent().toString();
        for (VolumeMount m : c.getVolumeMounts()) {
            if (!Path.of(m.getMountPath()).toString().equals(dir)) {
                continue;
            }
            for (Volume v : t.getSpec().getVolumes()) {
                if (v.getName().equals(m.getName()) && v.getConfigMap() != null) {
                    return set.named(ConfigMap.class, v.getConfigMap().getName())
                            .map(cm -> cm.getData() == null ? null : cm.getData().get(file.getFileName().toString()))
                            .orElse(null);
                }
            }
        }
        return null;
    }

    /**
     * The container's port named metrics, probed on /healthz and /readyz and announced to
     * Prometheus by the pod's annotations; null (with a problem) when there is none.
     */
    private static ContainerPort scraped(String who, PodTemplateSpec t, Container c, List<String> problems) {
        ContainerPort metricsPort = c.getPorts().stream().filter(p -> "metrics".equals(p.getName())).findFirst().orElse(null);
        if (metricsPort == null) {
            problems.add(who + ": no container port named metrics");
            return null;
        }
        problems.addAll(httpProbe(who + " liveness", c.getLivenessProbe(), HEALTH_PATH));
        problems.addAll(httpProbe(who + " readiness", c.getReadinessProbe(), READY_PATH));
        Map<String, String> annotations = t.getMetadata().getAnnotations() == null ? Map.of() : t.getMetadata().getAnnotations();
        if (!"true".equals(annotations.get("prometheus.io/scrape"))
                || !String.valueOf(metricsPort.getContainerPort()).equals(annotations.get("prometheus.io/port"))
                || !METRICS_PATH.equals(annotations.get("prometheus.io/path"))) {
            problems.add(who + ": Prometheus annotations " + annotations + " do not point at port "
                    + metricsPort.getContainerPort() + " " + METRICS_PATH);
        }
        return metricsPort;
    }

    private static boolean toleratesEverything(Toleration t) {
        return "Exists".equals(t.getOperator()) && t.getKey() == null && t.getEffect() == null;
    }

    private static List<String> httpProbe(String what, Probe p, String path) {
        if (p == null || p.getHttpGet() == null || !path.equals(p.getHttpGet().getPath())) {
            return List.of(what + " probe does not GET " + path);
        }
        return List.of();
    }

    // ---------------------------------------------------------------- the aggregator

    List<String> aggregator(ManifestSet set) {
        List<String> problems = new ArrayList<>();
        Deployment d = set.aggregator();
        PodTemplateSpec t = d.getSpec().getTemplate();
        Container c = ManifestSet.onlyContainer(t);
        PodSecurityContext pod = t.getSpec().getSecurityContext();
        SecurityContext sc = c.getSecurityContext();
        Boolean nonRoot = sc != null && sc.getRunAsNonRoot() != null ? sc.getRunAsNonRoot() : pod == null ? null : pod.getRunAsNonRoot();
        Long user = sc != null && sc.getRunAsUser() != null ? sc.getRunAsUser() : pod == null ? null : pod.getRunAsUser();
        if (!Boolean.TRUE.equals(nonRoot) || user == null || user == 0) {
            problems.add("aggregator: must run as a non-root user (runAsNonRoot true and a numeric runAsUser other than 0)");
        }
        if (sc != null && sc.getCapabilities() != null && sc.getCapabilities().getAdd() != null
                && !sc.getCapabilities().getAdd().isEmpty()) {
            problems.add("aggregator: adds capabilities " + sc.getCapabilities().getAdd());
        }
        ContainerPort grpc = c.getPorts().stream().filter(p -> "grpc".equals(p.getName())).findFirst().orElse(null);
        if (grpc == null || grpc.getContainerPort() != NetwatchMain.DEFAULT_PORT) {
            problems.add("aggregator: no container port grpc " + NetwatchMain.DEFAULT_PORT);
            return problems;
        }
        ContainerPort metricsPort = scraped("aggregator", t, c, problems);
        if (parseArgs("aggregator", c, problems) instanceof AggregatorCommand cmd
                && settings(set, t, cmd, "aggregator", problems) instanceof ConfigValues v) {
            String listen = v.get(AggregatorSettings.LISTEN);
            if (port(listen, "listen") != grpc.getContainerPort()) {
                problems.add("aggregator: listen " + listen + " is not the grpc port " + grpc.getContainerPort());
            }
            String metrics = v.get(AggregatorSettings.METRICS);
            if (metricsPort != null && (metrics.equalsIgnoreCase("none")
                    || port(metrics, "metrics.listen") != metricsPort.getContainerPort())) {
                problems.add("aggregator: metrics.listen " + metrics + " is not the metrics port "
                        + metricsPort.getContainerPort());
            }
            problems.addAll(graceWithinTermination("aggregator", v.get(AggregatorSettings.GRACE), t));
        }
        Service svc = set.service("netwatch-aggregator").orElse(null);
        if (svc == null) {
            problems.add("aggregator: no Service netwatch-aggregator");
        } else {
            problems.addAll(serviceTargets(svc, t));
        }
        return problems;
    }

    /** The Service selects the pods and each of its ports reaches a port the container declares. */
    static List<String> serviceTargets(Service svc, PodTemplateSpec t) {
        List<String> problems = new ArrayList<>();
        if (!matches(svc.getSpec().getSelector(), t.getMetadata().getLabels())) {
            problems.add(name(svc) + ": selector " + svc.getSpec().getSelector() + " does not select the pods");
        }
        Container c = ManifestSet.onlyContainer(t);
        for (ServicePort p : svc.getSpec().getPorts()) {
            IntOrString target = p.getTargetPort() != null ? p.getTargetPort() : new IntOrString(p.getPort());
            if (containerPort(c, target) == null) {
                problems.add(name(svc) + ": port " + p.getName() + " targets " + text(target) + ", which the container does not expose");
            }
        }
        return problems;
    }

    // ---------------------------------------------------------------- RBAC

    /** No wildcards; what the aggregator can do is exactly the reads and writes it needs; bindings resolve. */
    List<String> rbac(ManifestSet set) {
        List<String> problems = new ArrayList<>();
        for (ClusterRole r : set.all(ClusterRole.class)) {
            for (PolicyRule rule : r.getRules()) {
                for (List<String> field : List.of(rule.getApiGroups(), rule.getResources(), rule.getVerbs())) {
                    if (field.contains("*")) {
                        problems.add(name(r) + ": wildcard in " + rule);
                    }
                }
                if (!rule.getResourceNames().isEmpty() || !rule.getNonResourceURLs().isEmpty()) {
                    problems.add(name(r) + ": unexpected resourceNames or nonResourceURLs in " + rule);
                }
            }
        }
        Set<String> granted = new TreeSet<>();
        for (ClusterRoleBinding b : set.all(ClusterRoleBinding.class)) {
            ClusterRole role = set.named(ClusterRole.class, b.getRoleRef().getName()).orElse(null);
            if (!"ClusterRole".equals(b.getRoleRef().getKind()) || role == null) {
                problems.add(name(b) + ": binds " + b.getRoleRef().getKind() + " " + b.getRoleRef().getName()
                        + ", which is not in the manifests");
                continue;
            }
            for (Subject s : b.getSubjects()) {
                if (!"ServiceAccount".equals(s.getKind()) || !NAMESPACE.equals(s.getNamespace()) || !set.hasServiceAccount(s.getName())) {
                    problems.add(name(b) + ": subject " + s.getKind() + " " + s.getNamespace() + "/" + s.getName()
                            + " is not a service account of the manifests");
                }
                if (s.getName().equals("netwatch-aggregator")) {
                    for (PolicyRule rule : role.getRules()) {
                        for (String g : rule.getApiGroups()) {
                            for (String res : rule.getResources()) {
                                for (String v : rule.getVerbs()) {
                                    granted.add(grant(g, res, v));
                                }
                            }
                        }
                    }
                }
            }
        }
        Set<String> reads = new TreeSet<>();
        Set<String> writes = new TreeSet<>();
        for (String g : granted) {
            (READ_VERBS.contains(g.substring(g.indexOf(':') + 1)) ? reads : writes).add(g);
        }
        if (!reads.equals(AGGREGATOR_READS)) {
            problems.add("aggregator may read " + reads + ", not exactly " + AGGREGATOR_READS);
        }
        if (!writes.equals(AGGREGATOR_WRITES)) {
            problems.add("aggregator may write " + writes + ", not exactly " + AGGREGATOR_WRITES);
        }
        return problems;
    }

    // ---------------------------------------------------------------- around the aggregator

    /** The NetworkPolicy selects the aggregator, restricts ingress, and admits only its ports. */
    List<String> networkPolicy(ManifestSet set) {
        List<String> problems = new ArrayList<>();
        PodTemplateSpec t = set.aggregator().getSpec().getTemplate();
        Container c = ManifestSet.onlyContainer(t);
        List<NetworkPolicy> protecting = set.all(NetworkPolicy.class).stream()
                .filter(np -> matches(np.getSpec().getPodSelector().getMatchLabels(), t.getMetadata().getLabels())).toList();
        if (protecting.isEmpty()) {
            return List.of("no NetworkPolicy selects the aggregator's pods");
        }
        for (NetworkPolicy np : protecting) {
            if (!np.getSpec().getPolicyTypes().contains("Ingress")) {
                problems.add(name(np) + ": policyTypes " + np.getSpec().getPolicyTypes() + " do not restrict ingress");
            }
            boolean admitsGrpc = false;
            for (var rule : np.getSpec().getIngress()) {
                if (rule.getPorts().isEmpty()) {
                    problems.add(name(np) + ": an ingress rule admits every port");
                }
                for (NetworkPolicyPort p : rule.getPorts()) {
                    ContainerPort cp = p.getPort() == null ? null : containerPort(c, p.getPort());
                    if (cp == null) {
                        problems.add(name(np) + ": admits port " + (p.getPort() == null ? "(all)" : text(p.getPort()))
                                + ", which the aggregator does not serve");
                    } else if ("grpc".equals(cp.getName()) && !"UDP".equals(p.getProtocol())) {
                        admitsGrpc = true;
                    }
                }
            }
            if (!admitsGrpc) {
                problems.add(name(np) + ": does not admit the gRPC port, so no agent could connect");
            }
        }
        return problems;
    }

    /** The budget selects the aggregator and still lets a drain evict it. */
    List<String> disruptionBudget(ManifestSet set) {
        Deployment d = set.aggregator();
        int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        List<String> problems = new ArrayList<>();
        List<PodDisruptionBudget> pdbs = set.all(PodDisruptionBudget.class).stream()
                .filter(p -> matches(p.getSpec().getSelector().getMatchLabels(), d.getSpec().getTemplate().getMetadata().getLabels()))
                .toList();
        if (pdbs.isEmpty()) {
            return List.of("no PodDisruptionBudget selects the aggregator's pods");
        }
        for (PodDisruptionBudget p : pdbs) {
            IntOrString max = p.getSpec().getMaxUnavailable();
            IntOrString min = p.getSpec().getMinAvailable();
            boolean evictable = max != null ? (max.getIntVal() != null ? max.getIntVal() >= 1 : !"0%".equals(max.getStrVal()))
                    : min != null && min.getIntVal() != null && min.getIntVal() < replicas;
            if (!evictable) {
                problems.add(name(p) + ": with " + replicas + " replica(s) it would block every node drain");
            }
        }
        return problems;
    }

    /** The namespace lets the agent's pods in: hostNetwork and NET_ADMIN need the privileged level. */
    List<String> namespace(ManifestSet set) {
        Namespace ns = set.named(Namespace.class, NAMESPACE).orElse(null);
        if (ns == null) {
            return List.of("no Namespace " + NAMESPACE);
        }
        if (!"privileged".equals(ns.getMetadata().getLabels().get("pod-security.kubernetes.io/enforce"))) {
            return List.of("namespace " + NAMESPACE + " does not allow privileged pods; the agent would be refused");
        }
        return List.of();
    }

    // ---------------------------------------------------------------- optional/

    /** The ServiceMonitor finds the agent metrics Service, which reaches the agents' metrics port. */
    List<String> serviceMonitor(ManifestSet optional, ManifestSet main) {
        List<String> problems = new ArrayList<>();
        List<GenericKubernetesResource> monitors = optional.all(GenericKubernetesResource.class).stream()
                .filter(g -> "monitoring.coreos.com/v1".equals(g.getApiVersion()) && "ServiceMonitor".equals(g.getKind())).toList();
        if (monitors.size() != 1) {
            return List.of("expected one ServiceMonitor in optional/, found " + monitors.size());
        }
        GenericKubernetesResource m = monitors.getFirst();
        Map<String, String> selector = m.get("spec", "selector", "matchLabels");
        List<Service> targets = optional.all(Service.class).stream()
                .filter(s -> matches(selector, s.getMetadata().getLabels())).toList();
        if (targets.size() != 1) {
            return List.of("ServiceMonitor selector " + selector + " matches " + targets.size() + " Services in optional/, not one");
        }
        Service svc = targets.getFirst();
        List<String> namespaces = m.get("spec", "namespaceSelector", "matchNames");
        if (namespaces == null || !namespaces.contains(svc.getMetadata().getNamespace())) {
            problems.add("ServiceMonitor does not look in namespace " + svc.getMetadata().getNamespace());
        }
        List<Map<String, Object>> endpoints = m.get("spec", "endpoints");
        if (endpoints == null || endpoints.isEmpty()) {
            problems.add("ServiceMonitor has no endpoints");
        } else {
            for (Map<String, Object> e : endpoints) {
                Object port = e.get("port");
                if (svc.getSpec().getPorts().stream().noneMatch(p -> p.getName().equals(port))) {
                    problems.add("ServiceMonitor endpoint port " + port + " is not a port of " + name(svc));
                }
                if (!METRICS_PATH.equals(e.getOrDefault("path", METRICS_PATH))) {
                    problems.add("ServiceMonitor scrapes " + e.get("path") + ", not " + METRICS_PATH);
                }
            }
        }
        problems.addAll(serviceTargets(svc, main.agent().getSpec().getTemplate()));
        return problems;
    }

    /** The aggregator's PodMonitor selects its pods and scrapes their metrics port on /metrics. */
    List<String> podMonitor(ManifestSet optional, ManifestSet main) {
        List<GenericKubernetesResource> monitors = optional.all(GenericKubernetesResource.class).stream()
                .filter(g -> "monitoring.coreos.com/v1".equals(g.getApiVersion()) && "PodMonitor".equals(g.getKind())).toList();
        if (monitors.size() != 1) {
            return List.of("expected one PodMonitor in optional/, found " + monitors.size());
        }
        GenericKubernetesResource m = monitors.getFirst();
        List<String> problems = new ArrayList<>();
        PodTemplateSpec t = main.aggregator().getSpec().getTemplate();
        Map<String, String> selector = m.get("spec", "selector", "matchLabels");
        if (!matches(selector, t.getMetadata().getLabels())) {
            problems.add("PodMonitor selector " + selector + " does not select the aggregator's pods");
        }
        List<String> namespaces = m.get("spec", "namespaceSelector", "matchNames");
        if (namespaces == null || !namespaces.contains(main.aggregator().getMetadata().getNamespace())) {
            problems.add("PodMonitor does not look in namespace " + main.aggregator().getMetadata().getNamespace());
        }
        List<Map<String, Object>> endpoints = m.get("spec", "podMetricsEndpoints");
        if (endpoints == null || endpoints.isEmpty()) {
            return List.of("PodMonitor has no podMetricsEndpoints");
        }
        Container c = ManifestSet.onlyContainer(t);
        for (Map<String, Object> e : endpoints) {
            Object port = e.get("port");
            if (c.getPorts().stream().noneMatch(p -> p.getName().equals(port))) {
                problems.add("PodMonitor endpoint port " + port + " is not a port of the aggregator container");
            }
            if (!METRICS_PATH.equals(e.getOrDefault("path", METRICS_PATH))) {
                problems.add("PodMonitor scrapes " + e.get("path") + ", not " + METRICS_PATH);
            }
        }
        return problems;
    }
}
