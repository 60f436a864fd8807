package io.netwatch.aggregator.policy.suggest;

import io.netwatch.aggregator.policy.LabelSyntax;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * How suggestions are made.
 *
 * @param namespace    suggest for the workloads of this namespace
 * @param workload     only this workload of it: its name, or {@code kind/name}
 *                     ({@code deployment/cart}, any case); null for every workload seen
 * @param external     what to do with peers outside the cluster
 * @param dnsNamespace the namespace of the cluster DNS pods every policy lets its pods reach
 * @param dnsLabels    the labels of those pods (CoreDNS and kube-dns both carry
 *                     {@code k8s-app: kube-dns})
 */
public record SuggestOptions(String namespace, String workload, ExternalPeers external, String dnsNamespace,
                             Map<String, String> dnsLabels) {
    public static final String DEFAULT_DNS_NAMESPACE = "kube-system";
    public static final Map<String, String> DEFAULT_DNS_LABELS = Map.of("k8s-app", "kube-dns");
    /** Labels the DNS pods' selector may hold: each goes into every suggested policy. */
    public static final int MAX_DNS_LABELS = 16;
    /** A namespace name as Kubernetes takes one (an RFC 1123 label). */
    private static final Pattern DNS_NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    public SuggestOptions {
        if (namespace == null || namespace.isBlank()) {
            throw new IllegalArgumentException("a namespace to suggest policies for is needed");
        }
        if (workload != null && workload.isBlank()) {
            workload = null;
        }
        Objects.requireNonNull(external, "external");
        if (dnsNamespace == null || dnsNamespace.isBlank()) {
            throw new IllegalArgumentException("the cluster DNS namespace is needed");
        }
        // Both go into every suggested policy: what no cluster takes was rendered into YAML the API
        // server refuses at apply, and a request's megabytes of labels were copied into each
        // policy (found with a hostile client: a 1 MB label value made every suggestion 1 MB more).
        if (!DNS_NAMESPACE.matcher(dnsNamespace).matches()) {
            throw new IllegalArgumentException("the cluster DNS namespace " + LabelSyntax.quoted(dnsNamespace)
                    + " is not a namespace name (at most 63 lowercase letters, digits and '-', starting and ending"
                    + " with a letter or digit)");
        }
        dnsLabels = Map.copyOf(dnsLabels);
        if (dnsLabels.isEmpty()) {
            // An empty selector would let every pod of the DNS namespace in on port 53.
            throw new IllegalArgumentException("the cluster DNS pods' labels are needed (e.g. k8s-app=kube-dns)");
        }
        if (dnsLabels.size() > MAX_DNS_LABELS) {
            throw new IllegalArgumentException("the cluster DNS pods' labels: " + dnsLabels.size() + ", more than the "
                    + MAX_DNS_LABELS + " a selector of them may hold");
        }
        for (Map.Entry<String, String> label : new TreeMap<>(dnsLabels).entrySet()) {
            String key = LabelSyntax.keyProblem(label.getKey());
            String value = key != null ? null : LabelSyntax.valueProblem(label.getValue());
            if (key != null || value != null) {
                throw new IllegalArgumentException("the cluster DNS pods' label " + LabelSyntax.quoted(label.getKey())
                        + (key != null ? " is not a label key: " + key
                        : "=" + LabelSyntax.quoted(label.getValue()) + " is not a label value: " + value));
            }
        }
    }

    /** Every workload of a namespace, external peers AUTO, the usual cluster DNS. */
    public static SuggestOptions forNamespace(String namespace) {
        return new SuggestOptions(namespace, null, ExternalPeers.AUTO, DEFAULT_DNS_NAMESPACE, DEFAULT_DNS_LABELS);
    }

    public SuggestOptions withWorkload(String w) {
        return new SuggestOptions(namespace, w, external, dnsNamespace, dnsLabels);
    }

    public SuggestOptions withExternal(ExternalPeers e) {
        return new SuggestOptions(namespace, workload, e, dnsNamespace, dnsLabels);
    }

    /** Whether {@code w} is the workload asked for (or any of the namespace's when none was). */
    public boolean covers(WorkloadRef w) {
        if (!w.namespace().equals(namespace)) {
            return false;
        }
        if (workload == null) {
            return true;
        }
        int slash = workload.indexOf('/');
        return slash < 0 ? w.name().equals(workload)
                : w.kind().equalsIgnoreCase(workload.substring(0, slash)) && w.name().equals(workload.substring(slash + 1));
    }
}
