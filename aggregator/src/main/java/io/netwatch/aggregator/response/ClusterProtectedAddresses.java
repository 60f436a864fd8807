package io.netwatch.aggregator.response;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.netwatch.aggregator.identity.ClusterNodes;
import io.netwatch.aggregator.policy.IpAddresses;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * What the cluster says must never be blocked: the API server (the {@code default/kubernetes}
 * Service and its endpoints), cluster DNS (Services and pods labelled {@code k8s-app=kube-dns}
 * in kube-system), every address of every Node ({@code status.addresses}: InternalIP and
 * ExternalIP of both families on a dual-stack node), whatever runs there, and every pod of a
 * protected namespace with its {@code status.hostIPs}, which still name its node's addresses
 * when that Node cannot be read (not listed yet, or gone). A node's addresses carry its kubelet,
 * its API server when it is a control-plane node, and its host-network pods (Netwatch's agent
 * among them): they were protected only while a pod of a protected namespace ran there (found
 * in review), so another {@code response.protected_namespaces} could drop a node. Read from the
 * API server when a decision needs it, at most once per refresh period, on the response thread,
 * but for the Nodes: they are {@link ClusterNodes}' list, which the identity stage makes every
 * 30 s for its own use (this listed them again, as often: one list serves both now). Until the
 * first read and the first list of the Nodes succeed every address counts as protected (fail
 * closed); after that, a read or a list that fails keeps the last good one.
 */
final class ClusterProtectedAddresses implements ProtectedAddresses {
    static final long REFRESH_MILLIS = 30_000;
    private static final String DNS_LABEL = "k8s-app";
    private static final String DNS_VALUE = "kube-dns";

    private final KubernetesClient client;
    private final Set<String> namespaces;
    private final ClusterNodes nodes;
    private final LongSupplier clockMillis;
    private final AtomicLong failures = new AtomicLong();
    /** The last read: asked before the Nodes, then {@link Read#pods} after them. Null until one succeeded. */
    private Read known;
    private long loadedAt = Long.MIN_VALUE;
    private String problem = "not read yet";

    /**
     * One read of the API server, canonical address to why, in the order they are asked: a
     * reason named first wins (an API server endpoint on a node is the API server's).
     *
     * @param services the API server's Service and endpoints, cluster DNS's Services
     * @param pods     cluster DNS's pods and the protected namespaces' pods, with their host addresses
     */
    private record Read(Map<String, String> services, Map<String, String> pods) {
    }

    /** @param nodes the Nodes as the identity stage lists them */
    ClusterProtectedAddresses(KubernetesClient client, Set<String> namespaces, ClusterNodes nodes,
                              LongSupplier clockMillis) {
        this.client = client;
        this.namespaces = namespaces;
        this.nodes = Objects.requireNonNull(nodes, "nodes");
        this.clockMillis = clockMillis;
    }

    @Override
    public synchronized String why(String ip) {
        long now = clockMillis.getAsLong();
        if (loadedAt == Long.MIN_VALUE || now - loadedAt >= REFRESH_MILLIS) {
            try {
                known = load();
                loadedAt = now;
                problem = null;
            } catch (RuntimeException e) {
                // The API server unreachable or refusing, or an object read that this code did not
                // expect: the addresses stay protected (below) rather than the decision throwing.
                failures.incrementAndGet();
                problem = e instanceof KubernetesClientException ? e.getMessage()
                        : "an object read from the API server was not understood: " + e;
                loadedAt = now; // retried after the period, not on every decision
            }
        }
        if (known == null) {
            return "the cluster's protected addresses could not be read yet (" + problem + ")";
        }
        String why = known.services().get(ip);
        if (why != null) {
            return why;
        }
        if (!nodes.listedYet()) {
            String cause = nodes.listProblem();
            return "the cluster's protected addresses could not be read yet (the Nodes are not listed yet"
                    + (cause == null ? "" : ": " + cause) + ")";
        }
        why = nodes.describe(ip);
        return why != null ? why : known.pods().get(ip);
    }

    /** Reads of the API server that failed. */
    long failures() {
        return failures.get();
    }

    private Read load() {
        Map<String, String> m = new HashMap<>();
        Service api = client.services().inNamespace("default").withName("kubernetes").get();
        if (api != null && api.getSpec() != null) {
            addAll(m, api.getSpec().getClusterIPs(), "API server service default/kubernetes");
            add(m, api.getSpec().getClusterIP(), "API server service default/kubernetes");
        }
        for (EndpointSlice s : client.discovery().v1().endpointSlices().inNamespace("default")
                .withLabel("kubernetes.io/service-name", "kubernetes").list().getItems()) {
            // An API server writes a slice with no endpoints as "endpoints": null.
            for (Endpoint e : s.getEndpoints() == null ? List.<Endpoint>of() : s.getEndpoints()) {
                addAll(m, e.getAddresses(), "API server endpoint");
            }
        }
        for (Service s : client.services().inNamespace("kube-system").withLabel(DNS_LABEL, DNS_VALUE).list()
                .getItems()) {
            if (s.getSpec() == null) {
                continue;
            }
            addAll(m, s.getSpec().getClusterIPs(), "cluster DNS service kube-system/" + s.getMetadata().getName());
            add(m, s.getSpec().getClusterIP(), "cluster DNS service kube-system/" + s.getMetadata().getName());
        }
        // The Nodes come here, from ClusterNodes (see why()).
        Map<String, String> pods = new HashMap<>();
        for (Pod p : client.pods().inNamespace("kube-system").withLabel(DNS_LABEL, DNS_VALUE).list().getItems()) {
            pod(pods, p, "cluster DNS pod");
        }
        for (String ns : namespaces) {
            for (Pod p : client.pods().inNamespace(ns).list().getItems()) {
                pod(pods, p, "pod in protected namespace");
            }
        }
        return new Read(Map.copyOf(m), Map.copyOf(pods));
    }

    private static void pod(Map<String, String> m, Pod p, String what) {
        if (p.getStatus() == null) {
            return;
        }
        String name = p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
        String node = p.getSpec() == null || p.getSpec().getNodeName() == null ? "" : p.getSpec().getNodeName();
        String nodeWhy = "node address" + (node.isEmpty() ? "" : " of " + node) + " (runs " + name + ")";
        add(m, p.getStatus().getHostIP(), nodeWhy);
        if (p.getStatus().getHostIPs() != null) {
            p.getStatus().getHostIPs().forEach(ip -> add(m, ip.getIp(), nodeWhy));
        }
        add(m, p.getStatus().getPodIP(), what + " " + name);
        if (p.getStatus().getPodIPs() != null) {
            p.getStatus().getPodIPs().forEach(ip -> add(m, ip.getIp(), what + " " + name));
        }
    }

    private static void addAll(Map<String, String> m, List<String> ips, String why) {
        if (ips != null) {
            ips.forEach(ip -> add(m, ip, why));
        }
    }

    private static void add(Map<String, String> m, String ip, String why) {
        byte[] b = ip == null ? null : IpAddresses.parse(ip);
        if (b != null) {
            m.putIfAbsent(IpAddresses.format(b), why);
        }
    }
}
