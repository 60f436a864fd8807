package io.netwatch.aggregator.policy;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** Kubernetes objects for policy tests, written as YAML and read through fabric8's model. */
final class PolicyFixtures {
    static final YAMLMapper YAML = new YAMLMapper();

    private PolicyFixtures() {
    }

    /** A NetworkPolicy from "namespace/name" and its spec in YAML (flow style fits on a line). */
    static NetworkPolicy networkPolicy(String ref, String spec) {
        String[] parts = ref.split("/", 2);
        String yaml = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                + "metadata: {namespace: " + parts[0] + ", name: " + parts[1] + "}\nspec: " + spec + "\n";
        return YAML.readValue(yaml, NetworkPolicy.class);
    }

    static Policy policy(String ref, String spec) {
        return switch (ObjectCompiler.policy(networkPolicy(ref, spec))) {
            case Compiled.Ok<Policy> ok -> ok.value();
            case Compiled.Invalid<Policy> bad -> throw new AssertionError(bad.message());
        };
    }

    /** The namespaces and pods of src/test/resources/policy/cluster.yaml. */
    record Cluster(List<NamespaceView> namespaces, List<PodView> pods) {
        ClusterSnapshot with(List<Policy> policies) {
            return new ClusterSnapshot(namespaces, pods, policies);
        }

        /** "prod/web-1" is that pod's first IP; anything else is taken as an address. */
        byte[] address(String token) {
            if (token.contains("/")) {
                for (PodView p : pods) {
                    if (token.equals(p.namespace() + "/" + p.name())) {
                        return p.ips().getFirst();
                    }
                }
                throw new IllegalArgumentException("no pod " + token + " with an IP in the fixture");
            }
            return Connection.literal(token);
        }
    }

    static Cluster cluster() {
        List<NamespaceView> namespaces = new ArrayList<>();
        List<PodView> pods = new ArrayList<>();
        try (InputStream in = PolicyFixtures.class.getResourceAsStream("/policy/cluster.yaml")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (JsonNode doc : YAML.readerFor(JsonNode.class).<JsonNode>readValues(text).readAll()) {
                switch (doc.get("kind").asString()) {
                    case "Namespace" -> namespaces.add(ok(ObjectCompiler.namespace(YAML.treeToValue(doc, Namespace.class))));
                    case "Pod" -> pods.add(ok(ObjectCompiler.pod(YAML.treeToValue(doc, Pod.class))));
                    default -> throw new IllegalStateException("unexpected kind in the fixture: " + doc.get("kind"));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new Cluster(namespaces, pods);
    }

    static <T> T ok(Compiled<T> c) {
        return switch (c) {
            case Compiled.Ok<T> ok -> ok.value();
            case Compiled.Invalid<T> bad -> throw new AssertionError(bad.message());
        };
    }
}
