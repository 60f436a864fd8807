package io.netwatch.aggregator.policy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns fabric8's model objects (as a watch or a YAML file delivers them) into the records
 * the evaluator works on, validating them as the API server would: a bad CIDR, an unknown
 * operator, a label key or value no label can have, a port out of range, an {@code endPort}
 * below its port or with a named port come back as {@link Compiled.Invalid} naming the
 * object and the field, never as an exception.
 *
 * <p>fabric8 gives a missing list as an empty one. That loses nothing here: for every list
 * in a NetworkPolicy (policyTypes, ingress, egress, from, to, ports, except) the API gives
 * missing and empty the same meaning. For selectors, which it does not, fabric8 keeps null.
 */
public final class ObjectCompiler {
    /** Where kubectl puts an object that names no namespace (with the default context). */
    public static final String DEFAULT_NAMESPACE = "default";

    // IANA service name, as the API validates a port name: lowercase letters, digits and
    // single inner hyphens, at most 15 characters, at least one letter.
    /** An object's name as the API server takes a NetworkPolicy's: a DNS subdomain (its length apart). */
    private static final Pattern OBJECT_NAME =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    /** A namespace's name: a DNS label. */
    private static final Pattern NAMESPACE_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?");

    private ObjectCompiler() {
    }

    /**
     * A NetworkPolicy as it would be created (from a file, or proposed to simulate), with its
     * defaults applied (policyTypes, protocol, podSelector).
     */
    public static Compiled<Policy> policy(NetworkPolicy np) {
        return policy(np, false);
    }

    /**
     * A NetworkPolicy the API server has stored, as a watch delivers it. The API server did
     * not always check the values of {@code matchExpressions}, and still lets a stored policy
     * keep values it would refuse today (AllowInvalidLabelValueInSelector): such a policy is
     * in force, its odd values matching no label, so it is taken as it is, not dropped.
     */
    public static Compiled<Policy> storedPolicy(NetworkPolicy np) {
        return policy(np, true);
    }

    private static Compiled<Policy> policy(NetworkPolicy np, boolean stored) {
        ObjectMeta meta = np.getMetadata();
        String namespace = namespaceOf(meta);
        String object = "NetworkPolicy " + namespace + "/" + nameOf(meta);
        try {
            if (meta == null || blank(meta.getName())) {
                throw new Bad("metadata.name", "is missing");
            }
            // As the API server names objects (found with a hostile client: a simulation took
            // "x/y" in namespace "A B", a policy no cluster can hold, and judged flows by it).
            if (!stored && (meta.getName().length() > 253 || !OBJECT_NAME.matcher(meta.getName()).matches())) {
                throw new Bad("metadata.name", LabelSyntax.quoted(meta.getName()) + " is not a valid name (at most 253"
                        + " lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)");
            }
            if (!stored && !NAMESPACE_NAME.matcher(namespace).matches()) {
                throw new Bad("metadata.namespace", LabelSyntax.quoted(namespace) + " is not a valid namespace name (at"
                        + " most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)");
            }
            NetworkPolicySpec spec = np.getSpec();
            if (spec == null) {
                throw new Bad("spec", "is missing");
            }
            unknownFields(spec.getAdditionalProperties(), "spec");
            // podSelector is a plain struct in the API: missing is the same as {}.
            LabelSelector podSelector = spec.getPodSelector() == null ? LabelSelector.ALL
                    : selector(spec.getPodSelector(), "spec.podSelector", stored);
            List<NetworkPolicyIngressRule> ingressRules = orEmpty(spec.getIngress());
            List<NetworkPolicyEgressRule> egressRules = orEmpty(spec.getEgress());
            boolean isolatesIngress;
            boolean isolatesEgress;
            List<String> types = orEmpty(spec.getPolicyTypes());
            if (types.isEmpty()) {
                // The API server's default: Ingress always, Egress when there are egress rules
                // (a non-empty list: "egress: []" alone does not make a policy isolate egress).
                isolatesIngress = true;
                isolatesEgress = !egressRules.isEmpty();
            } else {
                if (types.size() > 2) {
                    throw new Bad("spec.policyTypes", "has " + types.size() + " entries, at most 2 are allowed");
                }
                isolatesIngress = false;
                isolatesEgress = false;
                for (int i = 0; i < types.size(); i++) {
                    String t = types.get(i);
                    if ("Ingress".equals(t)) {
                        isolatesIngress = true;
                    } else if ("Egress".equals(t)) {
                        isolatesEgress = true;
                    } else {
                        throw new Bad("spec.policyTypes[" + i + "]", "'" + t + "' is not Ingress or Egress");
                    }
                }
            }
            List<Rule> ingress = new ArrayList<>();
            for (int i = 0; i < ingressRules.size(); i++) {
                NetworkPolicyIngressRule r = ingressRules.get(i);
                String at = "spec.ingress[" + i + "]";
                if (r == null) {
                    throw new Bad(at, "is null");
                }
                unknownFields(r.getAdditionalProperties(), at);
                ingress.add(new Rule(peers(orEmpty(r.getFrom()), at + ".from", stored),
                        ports(orEmpty(r.getPorts()), at + ".ports")));
            }
            List<Rule> egress = new ArrayList<>();
            for (int i = 0; i < egressRules.size(); i++) {
                NetworkPolicyEgressRule r = egressRules.get(i);
                String at = "spec.egress[" + i + "]";
                if (r == null) {
                    throw new Bad(at, "is null");
                }
                unknownFields(r.getAdditionalProperties(), at);
                egress.add(new Rule(peers(orEmpty(r.getTo()), at + ".to", stored),
                        ports(orEmpty(r.getPorts()), at + ".ports")));
            }
            return new Compiled.Ok<>(new Policy(new PolicyRef(namespace, meta.getName()), podSelector,
                    isolatesIngress, isolatesEgress, ingress, egress));
        } catch (Bad b) {
            return new Compiled.Invalid<>(object, b.field, b.getMessage());
        }
    }

    /**
     * A pod. Its IPs are those of {@code status.podIP} and {@code status.podIPs}, except that
     * a hostNetwork pod gets none (its address is its node's, shared with every other
     * hostNetwork pod there, and policies do not apply to it), and neither does a pod that
     * has finished (phase Succeeded or Failed: its address may already be another pod's).
     * Its node's addresses are those of {@code status.hostIP} and {@code status.hostIPs}.
     */
    public static Compiled<PodView> pod(Pod pod) {
        ObjectMeta meta = pod.getMetadata();
        String namespace = namespaceOf(meta);
        String object = "Pod " + namespace + "/" + nameOf(meta);
        try {
            if (meta == null || blank(meta.getName())) {
                throw new Bad("metadata.name", "is missing");
            }
            List<PodView.ContainerPort> ports = new ArrayList<>();
            PodSpec spec = pod.getSpec();
            boolean hostNetwork = false;
            if (spec != null) {
                hostNetwork = Boolean.TRUE.equals(spec.getHostNetwork());
                List<Container> containers = orEmpty(spec.getContainers());
                for (int c = 0; c < containers.size(); c++) {
                    Container container = containers.get(c);
                    if (container == null) {
                        continue;
                    }
                    var declared = orEmpty(container.getPorts());
                    for (int i = 0; i < declared.size(); i++) {
                        var p = declared.get(i);
                        String at = "spec.containers[" + c + "].ports[" + i + "]";
                        if (p == null) {
                            throw new Bad(at, "is null");
                        }
                        Integer number = p.getContainerPort();
                        if (number == null || number < 1 || number > 65535) {
                            throw new Bad(at + ".containerPort", number == null ? "is missing"
                                    : number + " is out of range 1-65535");
                        }
                        Protocol protocol = protocol(p.getProtocol(), at + ".protocol");
                        String name = blank(p.getName()) ? null : p.getName();
                        ports.add(new PodView.ContainerPort(name, number, protocol));
                    }
                }
            }
            Set<String> ipTexts = new LinkedHashSet<>();
            Set<String> hostTexts = new LinkedHashSet<>();
            PodStatus status = pod.getStatus();
            if (status != null) {
                if (!blank(status.getPodIP())) {
                    ipTexts.add(checkedIp(status.getPodIP(), "status.podIP"));
                }
                List<PodIP> podIps = orEmpty(status.getPodIPs());
                for (int i = 0; i < podIps.size(); i++) {
                    PodIP ip = podIps.get(i);
                    if (ip != null && !blank(ip.getIp())) {
                        ipTexts.add(checkedIp(ip.getIp(), "status.podIPs[" + i + "].ip"));
                    }
                }
                if (!blank(status.getHostIP())) {
                    hostTexts.add(checkedIp(status.getHostIP(), "status.hostIP"));
                }
                List<HostIP> hostIps = orEmpty(status.getHostIPs());
                for (int i = 0; i < hostIps.size(); i++) {
                    HostIP ip = hostIps.get(i);
                    if (ip != null && !blank(ip.getIp())) {
                        hostTexts.add(checkedIp(ip.getIp(), "status.hostIPs[" + i + "].ip"));
                    }
                }
            }
            String phase = status == null ? null : status.getPhase();
            boolean finished = "Succeeded".equals(phase) || "Failed".equals(phase);
            List<byte[]> ips = new ArrayList<>();
            if (!hostNetwork && !finished) {
                for (String ip : ipTexts) {
                    ips.add(IpAddresses.parse(ip));
                }
            }
            List<byte[]> hosts = hostTexts.stream().map(IpAddresses::parse).toList();
            return new Compiled.Ok<>(new PodView(namespace, meta.getName(), labels(meta), ips, ports, hosts));
        } catch (Bad b) {
            return new Compiled.Invalid<>(object, b.field, b.getMessage());
        }
    }

    /**
     * A namespace. The {@code kubernetes.io/metadata.name} label is added when missing, as
     * the API server does on every namespace, so hand-written files behave like a cluster.
     */
    public static Compiled<NamespaceView> namespace(Namespace ns) {
        ObjectMeta meta = ns.getMetadata();
        if (meta == null || blank(meta.getName())) {
            return new Compiled.Invalid<>("Namespace " + nameOf(meta), "metadata.name", "is missing");
        }
        Map<String, String> labels = new HashMap<>(labels(meta));
        labels.putIfAbsent(NamespaceView.NAME_LABEL, meta.getName());
        return new Compiled.Ok<>(new NamespaceView(meta.getName(), labels));
    }

    private static List<Peer> peers(List<NetworkPolicyPeer> peers, String at, boolean stored) throws Bad {
        List<Peer> out = new ArrayList<>();
        for (int i = 0; i < peers.size(); i++) {
            NetworkPolicyPeer p = peers.get(i);
            String here = at + "[" + i + "]";
            if (p == null) {
                throw new Bad(here, "is null");
            }
            unknownFields(p.getAdditionalProperties(), here);
            boolean selectors = p.getPodSelector() != null || p.getNamespaceSelector() != null;
            if (p.getIpBlock() != null) {
                if (selectors) {
                    throw new Bad(here, "ipBlock may not be combined with podSelector or namespaceSelector");
                }
                out.add(ipBlock(p.getIpBlock(), here + ".ipBlock"));
            } else if (selectors) {
                out.add(new Peer.Pods(
                        p.getPodSelector() == null ? null : selector(p.getPodSelector(), here + ".podSelector", stored),
                        p.getNamespaceSelector() == null ? null
                                : selector(p.getNamespaceSelector(), here + ".namespaceSelector", stored)));
            } else {
                throw new Bad(here, "must specify a peer (podSelector, namespaceSelector or ipBlock)");
            }
        }
        return out;
    }

    private static Peer.IpBlock ipBlock(IPBlock b, String at) throws Bad {
        unknownFields(b.getAdditionalProperties(), at);
        if (blank(b.getCidr())) {
            throw new Bad(at + ".cidr", "is missing");
        }
        Cidr cidr = cidr(b.getCidr(), at + ".cidr");
        List<String> except = orEmpty(b.getExcept());
        List<Cidr> out = new ArrayList<>();
        for (int i = 0; i < except.size(); i++) {
            String field = at + ".except[" + i + "]";
            Cidr e = cidr(except.get(i) == null ? "" : except.get(i), field);
            if (!cidr.strictlyContains(e)) {
                throw new Bad(field, e + " must be a strict subset of cidr " + cidr);
            }
            out.add(e);
        }
        return new Peer.IpBlock(cidr, out);
    }

    private static Cidr cidr(String text, String field) throws Bad {
        try {
            return Cidr.parse(text);
        } catch (IllegalArgumentException e) {
            throw new Bad(field, e.getMessage());
        }
    }

    private static List<PortMatch> ports(List<NetworkPolicyPort> ports, String at) throws Bad {
        List<PortMatch> out = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            NetworkPolicyPort p = ports.get(i);
            String here = at + "[" + i + "]";
            if (p == null) {
                throw new Bad(here, "is null");
            }
            unknownFields(p.getAdditionalProperties(), here);
            Protocol protocol = protocol(p.getProtocol(), here + ".protocol");
            IntOrString port = p.getPort();
            Integer end = p.getEndPort();
            if (port == null || (port.getIntVal() == null && port.getStrVal() == null)) {
                if (end != null) {
                    throw new Bad(here + ".endPort", "may not be set without port");
                }
                out.add(new PortMatch.AnyPort(protocol));
            } else if (port.getIntVal() != null) {
                int first = port.getIntVal();
                if (first < 1 || first > 65535) {
                    throw new Bad(here + ".port", first + " is out of range 1-65535");
                }
                int last = first;
                if (end != null) {
                    if (end < first || end > 65535) {
                        throw new Bad(here + ".endPort", end + " must be at least port (" + first + ") and at most 65535");
                    }
                    last = end;
                }
                out.add(new PortMatch.Range(protocol, first, last));
            } else {
                String name = port.getStrVal();
                if (!validPortName(name)) {
                    throw new Bad(here + ".port", "'" + name + "' is not a valid port name (lowercase letters, digits"
                            + " and inner hyphens, at most 15, at least one letter)");
                }
                if (end != null) {
                    throw new Bad(here + ".endPort", "may not be set with a named port");
                }
                out.add(new PortMatch.Named(protocol, name));
            }
        }
        return out;
    }

    private static boolean validPortName(String name) {
        return PORT_NAME.matcher(name).matches() && !name.contains("--") && name.chars().anyMatch(Character::isLetter);
    }

    private static Protocol protocol(String text, String field) throws Bad {
        if (text == null) {
            return Protocol.TCP;
        }
        Protocol p = Protocol.fromKubernetes(text);
        if (p == null) {
            throw new Bad(field, "'" + text + "' is not TCP, UDP or SCTP");
        }
        return p;
    }

    /** @param stored whether to let matchExpressions values through, as for a policy already stored */
    private static LabelSelector selector(io.fabric8.kubernetes.api.model.LabelSelector s, String at, boolean stored)
            throws Bad {
        unknownFields(s.getAdditionalProperties(), at);
        Map<String, String> matchLabels = new HashMap<>();
        for (Map.Entry<String, String> e : orEmpty(s.getMatchLabels()).entrySet()) {
            if (blank(e.getKey())) {
                throw new Bad(at + ".matchLabels", "has an empty key");
            }
            String value = e.getValue() == null ? "" : e.getValue();
            label(e.getKey(), at + ".matchLabels");
            String problem = LabelSyntax.valueProblem(value);
            if (problem != null) {
                throw new Bad(at + ".matchLabels", "value " + LabelSyntax.quoted(value) + " of " + e.getKey()
                        + " is not a valid label value: " + problem);
            }
            matchLabels.put(e.getKey(), value);
        }
        List<LabelSelectorRequirement> expressions = orEmpty(s.getMatchExpressions());
        List<LabelSelector.Requirement> requirements = new ArrayList<>();
        for (int i = 0; i < expressions.size(); i++) {
            LabelSelectorRequirement r = expressions.get(i);
            String here = at + ".matchExpressions[" + i + "]";
            if (r == null) {
                throw new Bad(here, "is null");
            }
            if (blank(r.getKey())) {
                throw new Bad(here + ".key", "is missing");
            }
            label(r.getKey(), here + ".key");
            LabelSelector.Operator op = r.getOperator() == null ? null
                    : LabelSelector.Operator.fromKubernetes(r.getOperator());
            if (op == null) {
                throw new Bad(here + ".operator", r.getOperator() == null ? "is missing"
                        : "'" + r.getOperator() + "' is not In, NotIn, Exists or DoesNotExist");
            }
            List<String> values = orEmpty(r.getValues());
            for (int v = 0; v < values.size() && !stored; v++) {
                String problem = values.get(v) == null ? null : LabelSyntax.valueProblem(values.get(v));
                if (problem != null) {
                    throw new Bad(here + ".values[" + v + "]", LabelSyntax.quoted(values.get(v))
                            + " is not a valid label value: " + problem);
                }
            }
            try {
                requirements.add(new LabelSelector.Requirement(r.getKey(), op, Set.copyOf(values)));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new Bad(here + ".values", e instanceof NullPointerException ? "has a null value" : e.getMessage());
            }
        }
        return new LabelSelector(matchLabels, requirements);
    }

    /** A label key of a selector, refused as the API server refuses it. */
    private static void label(String key, String field) throws Bad {
        String problem = LabelSyntax.keyProblem(key);
        if (problem != null) {
            throw new Bad(field, LabelSyntax.quoted(key) + " is not a valid label key: " + problem);
        }
    }

    private static String checkedIp(String text, String field) throws Bad {
        if (IpAddresses.parse(text) == null) {
            throw new Bad(field, "'" + text + "' is not an IP address");
        }
        return text;
    }

    /**
     * fabric8 keeps fields it does not know in additionalProperties; in a policy they are
     * most likely typos ("namespaceSelecter") that would silently widen or empty a rule, so
     * they are errors, as with kubectl's strict field validation.
     */
    private static void unknownFields(Map<String, Object> extra, String at) throws Bad {
        if (extra != null && !extra.isEmpty()) {
            String name = extra.keySet().iterator().next();
            throw new Bad(at.isEmpty() ? name : at + "." + name, "is not a field of networking.k8s.io/v1 NetworkPolicy");
        }
    }

    private static Map<String, String> labels(ObjectMeta meta) {
        Map<String, String> out = new HashMap<>();
        if (meta != null && meta.getLabels() != null) {
            meta.getLabels().forEach((k, v) -> {
                if (k != null) {
                    out.put(k, v == null ? "" : v);
                }
            });
        }
        return out;
    }

    private static String namespaceOf(ObjectMeta meta) {
        return meta == null || blank(meta.getNamespace()) ? DEFAULT_NAMESPACE : meta.getNamespace();
    }

    private static String nameOf(ObjectMeta meta) {
        return meta == null || blank(meta.getName()) ? "(no name)" : meta.getName();
    }

    private static boolean blank(String s) {
        return s == null || s.isEmpty();
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
        return map == null ? Map.of() : map;
    }

    /** Unwinds the walk over one object to the one place that turns it into a result. */
    private static final class Bad extends Exception {
        final String field;

        Bad(String field, String reason) {
            super(reason, null, false, false);
            this.field = field;
        }
    }
}
