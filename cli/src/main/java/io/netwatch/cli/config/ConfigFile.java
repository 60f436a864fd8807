package io.netwatch.cli.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads a component's YAML file onto its configuration. The YAML parser (Jackson over
 * snakeyaml-engine) does the YAML; this class walks the tree it gives and checks every key
 * against the schema, so an unknown key, a section where a value belongs, a repeated key or
 * a value of the wrong type is an error naming the file and the full key path.
 */
public final class ConfigFile {
    /** Largest file read: a configuration is a few KiB; anything bigger is a mistake. */
    public static final long MAX_BYTES = 1 << 20;
    /** Deepest nesting looked at; the schemas nest three levels. */
    static final int MAX_DEPTH = 16;

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();

    private ConfigFile() {
    }

    /** Reads {@code file} onto {@code values}. */
    public static void apply(Path file, ConfigValues values) {
        String text;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new ConfigError(file + ": larger than " + MAX_BYTES + " bytes; is this the configuration file?");
            }
            text = io.netwatch.common.TextFiles.readUtf8(file);
        } catch (io.netwatch.common.TextFiles.NotUtf8 e) {
            throw new ConfigError(e.getMessage());
        } catch (io.netwatch.common.TextFiles.NotSmallFile e) {
            throw new ConfigError("configuration file " + e.getMessage() + "; --config names the YAML file");
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigError("configuration file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigError("cannot read configuration file " + file + ": "
                    + io.netwatch.common.TextFiles.whyUnreadable(e));
        }
        apply(text, file.getFileName().toString(), values);
    }

    /**
     * What the YAML parser found wrong, in its words: the context line ("while scanning for the
     * next token") and, when there is one, the problem line after it ("found character '\t'
     * that cannot start any token"), without the position lines (the caller says where).
     */
    static String yamlReason(JacksonException e) {
        // The parser's message: context, position, the text quoted (indented) with a caret under
        // it, then the problem, its position and quote.
        java.util.List<String> lines = e.getOriginalMessage().lines()
                .filter(l -> !l.isBlank() && !l.startsWith("    ") && !l.strip().startsWith("in reader"))
                .map(String::strip)
                .toList();
        if (lines.isEmpty()) {
            return "not YAML";
        }
        String reason = lines.getFirst();
        if (lines.size() > 1 && reason.startsWith("while ")) {
            // The problem's place leads the message; the context's, when elsewhere, is where
            // to look for what was left open (a '[' or a quote the file ends inside).
            MarkedYamlEngineException marked = marked(e);
            if (marked != null && marked.getContextMark().isPresent() && marked.getProblemMark().isPresent()
                    && marked.getContextMark().get().getIndex() != marked.getProblemMark().get().getIndex()) {
                Mark m = marked.getContextMark().get();
                reason += " (started at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1) + ")";
            }
            reason += ": " + lines.get(1);
        }
        return reason;
    }

    /**
     * " line 2, column 1:", where the YAML parser found the problem; "" when nobody knows. Found
     * by a new user: Jackson's own location is that of the last token it read, which for a tab
     * indenting line 2 was the end of line 1 ("line 1, column 8"), and for a quote left open the
     * key before it; snakeyaml-engine's problem mark is the place itself.
     */
    static String where(JacksonException e) {
        MarkedYamlEngineException marked = marked(e);
        if (marked != null && marked.getProblemMark().isPresent()) {
            Mark m = marked.getProblemMark().get();
            return " line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1) + ":";
        }
        TokenStreamLocation at = e.getLocation();
        return at == null || at.getLineNr() < 1 ? "" : " line " + at.getLineNr() + ", column " + at.getColumnNr() + ":";
    }

    /** snakeyaml-engine's exception under Jackson's, which knows the places; null when there is none. */
    private static MarkedYamlEngineException marked(JacksonException e) {
        Throwable c = e.getCause();
        // Bounded: a cause chain that loops would otherwise never end.
        for (int depth = 0; c != null && depth < 8; depth++, c = c.getCause()) {
            if (c instanceof MarkedYamlEngineException marked) {
                return marked;
            }
        }
        return null;
    }

    private static String article(String noun) {
        return ("aeiou".indexOf(noun.charAt(0)) >= 0 ? "an " : "a ") + noun;
    }

    /** Reads YAML text named {@code name} in errors onto {@code values}. */
    public static void apply(String text, String name, ConfigValues values) {
        JsonNode root;
        Map<String, String> numbers;
        try {
            root = YAML.readTree(text);
            numbers = numbersAsWritten(text);
        } catch (JacksonException e) {
            String where = where(e);
            String reason = yamlReason(e);
            if (reason.startsWith("Duplicate property")) {
                // Jackson names its own feature; the user needs only the key.
                reason = "key " + reason.substring("Duplicate property ".length()).replaceAll(" for .*", "")
                        + " appears twice in one section";
            } else if (reason.startsWith("Trailing token")) {
                reason = "a second YAML document (after ---); the configuration is one document";
            } else if (reason.startsWith("Document nesting depth")) {
                reason = "nested too deeply (more than 500 levels); the configuration is at most a few levels deep";
            }
            throw new ConfigError(name + ":" + where + " " + reason);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return;
        }
        ConfigSource source = ConfigSource.file(name);
        if (!root.isObject()) {
            throw new ConfigError(name + ": must be a mapping of keys (" + String.join(", ",
                    values.schema().children("")) + "), not " + article(root.getNodeType().name().toLowerCase()));
        }
        walk(root, "", "", 0, values, source, numbers, new java.util.HashSet<>());
    }

    /**
     * Every number's text as the file writes it, by JSON pointer ({@code /flows/max_flows}): the
     * tree holds {@code 1e3} as 1000.0, and an error must quote what the user wrote (found by a
     * new user: "max_flows: 1e3" was refused as "1000.0" is not an integer).
     */
    static Map<String, String> numbersAsWritten(String text) {
        Map<String, String> numbers = new HashMap<>();
        try (JsonParser p = YAML.createParser(text)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t.isNumeric()) {
                    numbers.put(p.streamReadContext().pathAsPointer().toString(), p.getString());
                }
            }
        }
        return numbers;
    }

    /**
     * The JSON pointer of {@code key} in the mapping at {@code parent}, escaped as RFC 6901 says
     * ("~" as "~0", then "/" as "~1"), as the parser writes it for {@link #numbersAsWritten}.
     * From the keys as written, not from the dotted path: a top-level "flows.max_flows: 1e3" is
     * {@code /flows.max_flows}, not {@code /flows/max_flows} (found in review).
     */
    static String pointer(String parent, String key) {
        return parent + "/" + key.replace("~", "~0").replace("/", "~1");
    }

    /**
     * @param section the dotted path of {@code node} ("" at the top), which may itself hold dots
     *                when the file wrote a key dotted ("flows.max_flows: 1000")
     * @param at      the JSON pointer of {@code node}, from the keys as written
     * @param seen    the keys set so far: one written both dotted and nested is given twice,
     *                which the parser cannot see (found in review: the later one silently won)
     */
    private static void walk(JsonNode node, String section, String at, int depth, ConfigValues values,
                             ConfigSource source, Map<String, String> numbers, java.util.Set<String> seen) {
        ConfigSchema schema = values.schema();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String path = section.isEmpty() ? e.getKey() : section + "." + e.getKey();
            String pointer = pointer(at, e.getKey());
            JsonNode v = e.getValue();
            if (schema.isSection(path)) {
                if (!v.isObject()) {
                    throw new ConfigError(source.at(path) + "is a section, not a value; its keys are "
                            + String.join(", ", schema.children(path)));
                }
                if (depth >= MAX_DEPTH) {
                    throw new ConfigError(source.at(path) + "nested too deep");
                }
                walk(v, path, pointer, depth + 1, values, source, numbers, seen);
            } else if (schema.find(path) == null) {
                throw new ConfigError(source.at(path) + "unknown key" + schema.didYouMean(path)
                        + "; the keys " + (section.isEmpty() ? "at the top level" : "in " + section) + " are "
                        + String.join(", ", schema.children(section)));
            } else if (!seen.add(path)) {
                throw new ConfigError(source.at(path) + "is given twice (once as a dotted key, once nested "
                        + "in its section); keep one");
            } else {
                values.set(path, v.isObject() && schema.find(path).type().readsMappings()
                        ? assignments(v, path, pointer, source, numbers) : input(v, path, pointer, source, numbers),
                        source);
            }
        }
    }

    private static ConfigInput input(JsonNode v, String path, String pointer, ConfigSource source,
                                     Map<String, String> numbers) {
        if (v.isNull()) {
            throw new ConfigError(source.at(path) + "has no value; remove the key to keep the default");
        }
        if (v.isObject()) {
            throw new ConfigError(source.at(path) + "is a value, not a section");
        }
        if (v.isArray()) {
            List<String> items = new ArrayList<>();
            for (JsonNode item : v.values()) {
                if (!item.isValueNode() || item.isNull()) {
                    throw new ConfigError(source.at(path) + "list items must be plain values");
                }
                items.add(asWritten(item, pointer + "/" + items.size(), numbers));
            }
            return ConfigInput.list(items);
        }
        return ConfigInput.scalar(asWritten(v, pointer, numbers));
    }

    /**
     * A mapping of {@code NAME: VALUE} as the list {@code NAME=VALUE} its key's type reads. A
     * value written as a YAML list ({@code HOME_NET: [10.0.0.0/8, 100.64.0.0/10]}, where
     * suricata.yaml quotes it) is the bracketed list it was meant to be.
     */
    private static ConfigInput assignments(JsonNode mapping, String path, String pointer, ConfigSource source,
                                           Map<String, String> numbers) {
        List<String> items = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : mapping.properties()) {
            String at = pointer(pointer, e.getKey());
            JsonNode v = e.getValue();
            String value;
            if (v.isArray()) {
                List<String> parts = new ArrayList<>();
                for (JsonNode item : v.values()) {
                    if (!item.isValueNode() || item.isNull()) {
                        throw new ConfigError(source.at(path) + e.getKey() + ": list items must be plain values");
                    }
                    parts.add(asWritten(item, at + "/" + parts.size(), numbers));
                }
                value = "[" + String.join(",", parts) + "]";
            } else if (v.isValueNode() && !v.isNull()) {
                value = asWritten(v, at, numbers);
                if (value.isBlank()) {
                    // YAML reads an unquoted !$HOME_NET as a tag on an empty value: say so, not "empty".
                    throw new ConfigError(source.at(path) + e.getKey() + ": is empty; quote a value that starts with "
                            + "! (\"!$HOME_NET\"): unquoted, YAML reads it as a tag");
                }
            } else {
                throw new ConfigError(source.at(path) + e.getKey() + ": " + (v.isNull() ? "has no value"
                        : "is a section, not a value"));
            }
            items.add(e.getKey() + "=" + value);
        }
        return ConfigInput.list(items);
    }

    private static String asWritten(JsonNode v, String pointer, Map<String, String> numbers) {
        return v.isNumber() ? numbers.getOrDefault(pointer, v.asString()) : v.asString();
    }
}
