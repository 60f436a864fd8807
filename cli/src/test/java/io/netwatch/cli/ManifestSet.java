package io.netwatch.cli;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The objects of one kustomization directory ({@code manifests/} or {@code manifests/optional/}),
 * each read by fabric8 into its typed class, with the file it came from. Test support only.
 */
record ManifestSet(Path dir, List<String> listed, List<Entry> entries) {
    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /** One object and the file (relative to the directory) it came from. */
    record Entry(String file, HasMetadata object) {
    }

    /** Reads {@code dir/kustomization.yaml} and every file it lists. */
    static ManifestSet load(Path dir) {
        try {
            GenericKubernetesResource k = SERIALIZATION.unmarshal(
                    Files.readString(dir.resolve("kustomization.yaml")), GenericKubernetesResource.class);
            Object resources = k.getAdditionalProperties().get("resources");
            List<String> listed = new ArrayList<>();
            if (resources instanceof List<?> list) {
                list.forEach(r -> listed.add(String.valueOf(r)));
            }
            List<Entry> entries = new ArrayList<>();
            for (String file : listed) {
                Path p = dir.resolve(file);
                if (Files.isRegularFile(p)) {
                    entries.add(new Entry(file, SERIALIZATION.unmarshal(Files.readString(p))));
                }
            }
            return new ManifestSet(dir, List.copyOf(listed), entries);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A deep copy whose objects a test may break without touching the others. */
    ManifestSet copy() {
        return new ManifestSet(dir, listed,
                entries.stream().map(e -> new Entry(e.file(), SERIALIZATION.clone(e.object()))).toList());
    }

    /** The YAML files in the directory itself (not subdirectories), kustomization.yaml aside. */
    List<String> yamlFiles() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") || n.endsWith(".yml"))
                    .filter(n -> !n.equals("kustomization.yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<HasMetadata> objects() {
        return entries.stream().map(Entry::object).toList();
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects().stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> Optional<T> named(Class<T> type, String name) {
        return all(type).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst();
    }

    <T extends HasMetadata> T the(Class<T> type, String name) {
        return named(type, name).orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }

    DaemonSet agent() {
        return the(DaemonSet.class, "netwatch-agent");
    }

    Deployment aggregator() {
        return the(Deployment.class, "netwatch-aggregator");
    }

    /** Workloads with a pod template, by a name for messages. */
    Map<String, PodTemplateSpec> podTemplates() {
        Map<String, PodTemplateSpec> out = new java.util.LinkedHashMap<>();
        all(DaemonSet.class).forEach(d -> out.put("DaemonSet " + d.getMetadata().getName(), d.getSpec().getTemplate()));
        all(Deployment.class).forEach(d -> out.put("Deployment " + d.getMetadata().getName(), d.getSpec().getTemplate()));
        return out;
    }

    boolean hasConfigMap(String name) {
        return named(ConfigMap.class, name).isPresent();
    }

    boolean hasServiceAccount(String name) {
        return named(ServiceAccount.class, name).isPresent();
    }

    Optional<Service> service(String name) {
        return named(Service.class, name);
    }

    static Container onlyContainer(PodTemplateSpec template) {
        List<Container> cs = template.getSpec().getContainers();
        if (cs.size() != 1) {
            throw new AssertionError("expected one container, found " + cs.size());
        }
        return cs.getFirst();
    }

    /**
     * Fields fabric8 did not recognise (it keeps them as "additional properties" instead of
     * failing), as paths: a misspelt field ({@code hostNetowrk}) or one at the wrong level
     * would otherwise be silently ignored by the API server too.
     */
    static List<String> unknownFields(Object model) {
        List<String> out = new ArrayList<>();
        walk(model, "", out);
        return out;
    }

    private static void walk(Object o, String path, List<String> out) {
        if (o == null) {
            return;
        }
        if (o instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                walk(list.get(i), path + "[" + i + "]", out);
            }
            return;
        }
        if (o instanceof Map<?, ?> map) {
            map.forEach((k, v) -> walk(v, path + "." + k, out));
            return;
        }
        if (!o.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")
                || o instanceof GenericKubernetesResource) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 0 || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue;
            }
            String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(k -> out.add((path.isEmpty() ? "" : path + ".") + k));
                }
            } else if (value instanceof List<?> || value instanceof Map<?, ?>
                    || (value != null && value.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model"))) {
                walk(value, path.isEmpty() ? field : path + "." + field, out);
            }
        }
    }
}
