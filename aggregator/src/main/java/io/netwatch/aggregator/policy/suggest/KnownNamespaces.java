package io.netwatch.aggregator.policy.suggest;

import io.netwatch.aggregator.policy.ClusterSnapshot;
import io.netwatch.aggregator.policy.NamespaceView;
import io.netwatch.aggregator.policy.PodView;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The namespaces of a cluster, to tell a misspelt namespace from a quiet one before
 * suggesting: for a name the cluster does not have, "0 policies from 0 flows" hid the typo.
 * A namespace is known when the cluster lists it or a pod of it.
 */
public final class KnownNamespaces {
    /** Namespaces named in a refusal; the rest are counted (a cluster may have hundreds). */
    static final int MAX_NAMED = 10;

    private final SortedSet<String> names = new TreeSet<>();

    private KnownNamespaces() {
    }

    public static KnownNamespaces of(ClusterSnapshot cluster) {
        KnownNamespaces k = new KnownNamespaces();
        for (NamespaceView n : cluster.namespaces()) {
            k.names.add(n.name());
        }
        for (PodView p : cluster.pods()) {
            k.names.add(p.namespace());
        }
        return k;
    }

    /**
     * Why {@code namespace} is none of the cluster's ("'shpo' is not a namespace of WHERE (it
     * has kube-system, shop)"), or null when it is one, or when the cluster has none at all
     * (nothing listed yet, or a file of policies only: nothing to tell a typo by).
     */
    public String unknown(String namespace, String where) {
        if (names.isEmpty() || names.contains(namespace)) {
            return null;
        }
        List<String> named = names.stream().limit(MAX_NAMED).toList();
        int more = names.size() - named.size();
        return "'" + namespace + "' is not a namespace of " + where + " (it has " + String.join(", ", named)
                + (more > 0 ? " and " + more + " more" : "") + ")";
    }
}
