package io.netwatch.cli.config;

import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/** Prints the effective configuration as YAML, every key included, in the schema's order. */
public final class ConfigPrinter {
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(YAMLWriteFeature.MINIMIZE_QUOTES)
            .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
            .build();

    private ConfigPrinter() {
    }

    public static String yaml(ConfigValues values) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        for (ConfigKey<?> k : values.schema().keys()) {
            String[] parts = k.path().split("\\.");
            ObjectNode at = root;
            for (int i = 0; i < parts.length - 1; i++) {
                at = at.has(parts[i]) ? (ObjectNode) at.get(parts[i]) : at.putObject(parts[i]);
            }
            put(at, parts[parts.length - 1], printable(k, values));
        }
        return YAML.writeValueAsString(root);
    }

    private static <T> Object printable(ConfigKey<T> k, ConfigValues values) {
        return k.type().yaml(values.get(k));
    }

    private static void put(ObjectNode at, String name, Object v) {
        switch (v) {
            case Boolean b -> at.put(name, b);
            case Integer i -> at.put(name, i);
            case Long l -> at.put(name, l);
            case Double d -> at.put(name, d);
            case List<?> list -> {
                ArrayNode a = at.putArray(name);
                list.forEach(item -> a.add(String.valueOf(item)));
            }
            default -> at.put(name, String.valueOf(v));
        }
    }
}
