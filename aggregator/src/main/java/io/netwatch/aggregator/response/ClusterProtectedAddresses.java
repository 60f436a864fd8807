package io.netwatch.aggregator.response;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.netwatch.aggregator.policy.IpAddresses;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * API server when a decision needs it, at most once per refresh period, on the response thread;
 * until the first read succeeds every address counts as protected (fail closed).
 */
final class ClusterProtectedAddresses implements ProtectedAddresses {
    static final long REFRESH_MILLIS = 30_000;
    private static final String DNS_LABEL = "k8s-app";
    private static final String DNS_VALUE = "kube-dns";

    private final KubernetesClient client;
    private final Set<String> namespaces;
    private final LongSupplier clockMillis;
    private final AtomicLong failures = new AtomicLong();
    private Map<String, String> known;
    private long loadedAt = Long.MIN_VALUE;
    private String problem = "not read yet";

    ClusterProtectedAddresses(KubernetesClient client, Set<String> namespaces, LongSupplier clockMillis) {
        this.client = client;
        this.namespaces = namespaces;
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
        return known.get(ip);
    }

    /** Reads of the API server that failed. */
    long failures() {
        return failures.get();
    }

    private Map<String, String> load() {
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
        for (Node n : client.nodes().list().getItems()) {
            if (n.getStatus() != null && n.getStatus().getAddresses() != null) {
                for (NodeAddress a : n.getStatus().getAddresses()) {
                    // Hostname and the DNS types hold names, which add() passes over.
                    add(m, a.getAddress(), (a.getType() == null ? "address" : a.getType()) + " of node "
                            + n.getMetadata().getName());
                }
            }
        }
        for (Pod p : client.pods().inNamespace("kube-system").withLabel(DNS_LABEL, DNS_VALUE).list().getItems()) {
            pod(m, p, "cluster DNS pod");
        }
        for (String ns : namespaces) {
            for (Pod p : client.pods().inNamespace(ns).list().getItems()) {
                pod(m, p, "pod in protected namespace");
            }
        }
        return m;
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
