package io.netwatch.cli;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.netwatch.aggregator.policy.ClusterSnapshot;
import io.netwatch.aggregator.policy.Compiled;
import io.netwatch.aggregator.policy.NamespaceView;
import io.netwatch.aggregator.policy.ObjectCompiler;
import io.netwatch.aggregator.policy.PodView;
import io.netwatch.aggregator.policy.Policy;
import io.netwatch.aggregator.policy.suggest.PodOwners;
import io.netwatch.aggregator.policy.suggest.WorkloadRef;
import io.netwatch.common.TextFiles;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * A cluster's Namespaces, Pods and NetworkPolicies read from YAML: a {@code v1 List} as
 * {@code kubectl get namespaces,pods,networkpolicies -A -o yaml} prints it, or several
 * documents separated by {@code ---}, or both. Objects of other kinds are skipped and
 * counted. An invalid object is an error naming the document and the field.
 */
final class ClusterFile {
    /** A key given twice (kind: Namespace, then kind: Pod) is refused, not read as its last value. */
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(tools.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /** What was read, and how many objects of each other kind (with its apiVersion) were skipped. */
    record Contents(ClusterSnapshot snapshot, int namespaces, int pods, int policies, Map<String, Integer> ignored,
                    Map<String, WorkloadRef> owners) {
        /** The workload that owns the pod (from its controller), or the pod itself. */
        WorkloadRef owner(PodView pod) {
            WorkloadRef w = owners.get(pod.namespace() + "/" + pod.name());
            return w != null ? w : new WorkloadRef(pod.namespace(), "Pod", pod.name());
        }
    }

    private final String file;
    private final List<NamespaceView> namespaces = new ArrayList<>();
    private final List<PodView> pods = new ArrayList<>();
    private final List<Policy> policies = new ArrayList<>();
    private final Map<String, String> seen = new HashMap<>();
    private final Map<String, Integer> ignored = new TreeMap<>();
    private final Map<String, WorkloadRef> owners = new HashMap<>();

    private ClusterFile(String file) {
        this.file = file;
    }

    /**
     * The file's stream, keeping the error of a read that failed: the YAML parser hands it up
     * wrapped in its own exception, where it looks as a decoding error does (both are
     * IOExceptions), and found in review, a file whose read failed (EIO) was "not valid YAML".
     */
    private static final class ReadFailures extends FilterInputStream {
        IOException failure;

        ReadFailures(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }
    }

    static Contents read(Path path) {
        ClusterFile reader = new ClusterFile(path.toString());
        List<JsonNode> docs;
        if (Files.isDirectory(path)) {
            // Opening one succeeds; YAML's first read fails and called it "not valid YAML".
            throw new NetwatchMain.UserError("cannot read " + path + ": it is a directory, not a file");
        }
        ReadFailures in = null;
        try (InputStream file = Files.newInputStream(path)) {
            in = new ReadFailures(file);
            docs = YAML.readerFor(JsonNode.class).<JsonNode>readValues(in).readAll();
        } catch (IOException e) {
            throw new NetwatchMain.UserError("cannot read " + path + ": " + TextFiles.whyUnreadable(e));
        } catch (JacksonException e) {
            if (in != null && in.failure != null) {
                throw new NetwatchMain.UserError("cannot read " + path + ": " + TextFiles.whyUnreadable(in.failure));
            }
            throw new NetwatchMain.UserError(path + ": not valid YAML: " + e.getMessage());
        }
        for (int i = 0; i < docs.size(); i++) {
            reader.document(docs.get(i), "document " + (i + 1));
        }
        ClusterSnapshot snapshot = new ClusterSnapshot(reader.namespaces, reader.pods, reader.policies);
        if (!snapshot.conflicts().isEmpty()) {
            ClusterSnapshot.IpConflict c = snapshot.conflicts().getFirst();
            throw new NetwatchMain.UserError(path + ": pods " + c.kept() + " and " + c.other() + " both have IP " + c.ip()
                    + " in status.podIP/podIPs");
        }
        return new Contents(snapshot, reader.namespaces.size(), reader.pods.size(), reader.policies.size(),
                Map.copyOf(reader.ignored), Map.copyOf(reader.owners));
    }

    private void document(JsonNode doc, String where) {
        if (doc == null || doc.isMissingNode() || doc.isNull()) {
            return; // an empty document, as between "---" lines
        }
        if (!doc.isObject()) {
            throw error(where, "not a Kubernetes object (a mapping with apiVersion and kind)");
        }
        String kind = text(doc, "kind");
        String apiVersion = text(doc, "apiVersion");
        if (kind == null) {
            throw error(where, "kind: is missing");
        }
        JsonNode items = doc.get("items");
        if (kind.endsWith("List") && items != null) {
            // "List" from kubectl across kinds, "PodList" and the like from the API.
            if (!items.isArray()) {
                throw error(where, "items: is not a list");
            }
            for (int i = 0; i < items.size(); i++) {
                document(items.get(i), where + ", items[" + i + "]");
            }
            return;
        }
        String key = kind + " (" + (apiVersion == null ? "no apiVersion" : apiVersion) + ")";
        switch (key) {
            case "Namespace (v1)" -> namespaces.add(accept(where, ObjectCompiler.namespace(map(doc, Namespace.class, where))));
            case "Pod (v1)" -> {
                Pod pod = map(doc, Pod.class, where);
                PodView view = accept(where, ObjectCompiler.pod(pod));
                pods.add(view);
                owners.put(view.namespace() + "/" + view.name(), PodOwners.of(pod));
            }
            case "NetworkPolicy (networking.k8s.io/v1)" ->
                    policies.add(accept(where, ObjectCompiler.policy(map(doc, NetworkPolicy.class, where))));
            // Other kinds, and look-alikes from other API groups (Calico's and Cilium's
            // policies), are not what Kubernetes enforces as a NetworkPolicy: counted, not read.
            default -> ignored.merge(key, 1, Integer::sum);
        }
    }

    private <T> T map(JsonNode doc, Class<T> type, String where) {
        try {
            return YAML.treeToValue(doc, type);
        } catch (JacksonException e) {
            StringBuilder field = new StringBuilder();
            for (JacksonException.Reference r : e.getPath()) {
                if (r.getPropertyName() != null) {
                    field.append(field.isEmpty() ? "" : ".").append(r.getPropertyName());
                } else if (r.getIndex() >= 0) {
                    field.append('[').append(r.getIndex()).append(']');
                }
            }
            String reason = e.getOriginalMessage().lines().findFirst().orElse("invalid");
            throw error(where + " (" + type.getSimpleName() + " " + nameOf(doc) + ")",
                    (field.isEmpty() ? "" : field + ": ") + reason);
        }
    }

    private <T> T accept(String where, Compiled<T> compiled) {
        return switch (compiled) {
            case Compiled.Invalid<T> bad -> throw error(where, bad.message());
            case Compiled.Ok<T> ok -> {
                String id = switch (ok.value()) {
                    case NamespaceView n -> "Namespace " + n.name();
                    case PodView p -> "Pod " + p;
                    case Policy p -> "NetworkPolicy " + p.ref();
                    default -> throw new IllegalStateException("unexpected " + ok.value());
                };
                String before = seen.putIfAbsent(id, where);
                if (before != null) {
                    throw error(where, id + " is already in " + before);
                }
                yield ok.value();
            }
        };
    }

    private NetwatchMain.UserError error(String where, String message) {
        return new NetwatchMain.UserError(file + ": " + where + ": " + message);
    }

    private static String nameOf(JsonNode doc) {
        JsonNode meta = doc.get("metadata");
        String ns = meta == null ? null : text(meta, "namespace");
        String name = meta == null ? null : text(meta, "name");
        return (ns == null ? "" : ns + "/") + (name == null ? "(no name)" : name);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isString() ? v.asString() : null;
    }
}
