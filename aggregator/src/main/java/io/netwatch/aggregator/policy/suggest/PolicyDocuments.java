package io.netwatch.aggregator.policy.suggest;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.netwatch.aggregator.policy.Compiled;
import io.netwatch.aggregator.policy.ObjectCompiler;
import io.netwatch.aggregator.policy.Policy;
import io.netwatch.aggregator.policy.PolicyRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * NetworkPolicies read from YAML text, as a user hands them to a simulation: documents
 * separated by {@code ---}, {@code …List}s with {@code items}, or both. Every policy is
 * validated as the API server would ({@link ObjectCompiler}); other kinds are counted and
 * skipped. A mistake is an {@link IllegalArgumentException} naming the document and field.
 */
public final class PolicyDocuments {
    /** Longest text accepted, characters: a simulation's policies, not a cluster dump. */
    public static final int MAX_CHARS = 4 << 20;
    private static final YAMLMapper YAML = new YAMLMapper();
    /**
     * A qualified Java type name in Jackson's messages ("io.fabric8...IntOrString", also within
     * "java.util.ArrayList<...>" and "(java.lang.NumberFormatException)"): said by its simple name.
     * Group 1 is a double-quoted value the user wrote, which is left alone.
     */
    private static final Pattern JAVA_NAME = Pattern.compile("(\"(?:[^\"\\\\]|\\\\.)*\")|\\b(?:[a-z_$][\\w$]*\\.)+([A-Z][\\w$]*)");

    /** The policies read, and how many objects of each other kind were skipped. */
    public record Read(List<Policy> policies, Map<String, Integer> ignored) {
        public Read {
            policies = List.copyOf(policies);
            ignored = Map.copyOf(ignored);
        }
    }

    private PolicyDocuments() {
    }

    /**
     * @param source what to call the text in messages ("policies.yaml", "request")
     * @param namespace where a policy that names no namespace goes (as kubectl's context would put it)
     */
    public static Read read(String text, String source, String namespace) {
        if (text.length() > MAX_CHARS) {
            throw new IllegalArgumentException(source + ": " + text.length() + " characters, more than the "
                    + MAX_CHARS + " accepted");
        }
        List<JsonNode> docs;
        try {
            docs = YAML.readerFor(JsonNode.class).<JsonNode>readValues(text).readAll();
        } catch (JacksonException e) {
            throw new IllegalArgumentException(source + ": not valid YAML: "
                    + jacksonMessage(e, ""));
        }
        List<Policy> policies = new ArrayList<>();
        Map<String, Integer> ignored = new TreeMap<>();
        Map<PolicyRef, String> seen = new HashMap<>();
        for (int i = 0; i < docs.size(); i++) {
            document(docs.get(i), source + ": document " + (i + 1), namespace, policies, ignored, seen);
        }
        return new Read(policies, ignored);
    }

    private static void document(JsonNode doc, String where, String namespace, List<Policy> out,
                                 Map<String, Integer> ignored, Map<PolicyRef, String> seen) {
        if (doc == null || doc.isMissingNode() || doc.isNull()) {
            return;
        }
        if (!doc.isObject()) {
            throw new IllegalArgumentException(where + ": not a Kubernetes object (a mapping with apiVersion and kind)");
        }
        String kind = text(doc, "kind");
        String apiVersion = text(doc, "apiVersion");
        if (kind == null) {
            throw new IllegalArgumentException(where + ": kind: is missing");
        }
        JsonNode items = doc.get("items");
        if (kind.endsWith("List") && items != null) {
            if (!items.isArray()) {
                throw new IllegalArgumentException(where + ": items: is not a list");
            }
            for (int i = 0; i < items.size(); i++) {
                document(items.get(i), where + ", items[" + i + "]", namespace, out, ignored, seen);
            }
            return;
        }
        if (!"NetworkPolicy".equals(kind) || !"networking.k8s.io/v1".equals(apiVersion)) {
            ignored.merge(kind + " (" + (apiVersion == null ? "no apiVersion" : apiVersion) + ")", 1, Integer::sum);
            return;
        }
        NetworkPolicy np;
        try {
            np = YAML.treeToValue(doc, NetworkPolicy.class);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(where + ": " + fieldOf(e)
                    + jacksonMessage(e, "invalid"));
        }
        if (np.getMetadata() != null && (np.getMetadata().getNamespace() == null || np.getMetadata().getNamespace().isBlank())) {
            np.getMetadata().setNamespace(namespace);
        }
        switch (ObjectCompiler.policy(np)) {
            case Compiled.Invalid<Policy> bad -> throw new IllegalArgumentException(where + ": " + bad.message());
            case Compiled.Ok<Policy> ok -> {
                String before = seen.putIfAbsent(ok.value().ref(), where);
                if (before != null) {
                    throw new IllegalArgumentException(where + ": NetworkPolicy " + ok.value().ref() + " is already in "
                            + before);
                }
                out.add(ok.value());
            }
        }
    }

    /**
     * The field a binding error is about, as the API server names it ("spec.ingress[0].ports[0].port: "),
     * or nothing when the error has no path. Found with a hostile client: a port of 1.5 was
     * refused as "Cannot construct instance of `io.fabric8.kubernetes.api.model.IntOrString` ...",
     * naming a class of the server and not the field to fix.
     */
    private static String fieldOf(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference r : e.getPath()) {
            if (r.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(r.getPropertyName());
            } else if (r.getIndex() >= 0) {
                path.append('[').append(r.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "" : path + ": ";
    }

    /** The first line of Jackson's message, Java types by their simple names. */
    private static String jacksonMessage(JacksonException e, String none) {
        // A value the user wrote, quoted by Jackson ("my.value.Here"), is kept as written: found
        // in review, an endPort of my.value.Here was said as from String "Here".
        return JAVA_NAME.matcher(e.getOriginalMessage().lines().findFirst().orElse(none))
                .replaceAll(m -> java.util.regex.Matcher.quoteReplacement(m.group(1) != null ? m.group(1) : m.group(2)));
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isString() ? v.asString() : null;
    }
}
