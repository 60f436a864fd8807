package io.netwatch.aggregator.alert;

import io.netwatch.aggregator.YamlShape;
import io.netwatch.common.Durations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * A node of the alerts file with where it came from (file, line, key path), so that every
 * error names the file, the line, the key and what is allowed there. Read with
 * snakeyaml-engine's composer, which keeps each node's position.
 */
final class YamlTree {
    /** Bytes read from an alerts file: a config, not a data set. */
    static final int MAX_FILE_BYTES = 1 << 20;

    private final Path file;
    private final Node node;
    private final String path;

    private YamlTree(Path file, Node node, String path) {
        this.file = file;
        this.node = node;
        this.path = path;
    }

    static YamlTree read(Path file) throws AlertsConfigException {
        String text;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new AlertsConfigException(file + ": larger than " + MAX_FILE_BYTES + " bytes; is it the alerts file?");
            }
            text = io.netwatch.common.TextFiles.readUtf8(file);
        } catch (io.netwatch.common.TextFiles.NotUtf8 e) {
            throw new AlertsConfigException(e.getMessage());
        } catch (io.netwatch.common.TextFiles.NotSmallFile e) {
            throw new AlertsConfigException(e.getMessage() + "; alerts.file names the alerts YAML file");
        } catch (java.nio.file.NoSuchFileException e) {
            throw new AlertsConfigException(file + ": no such file (alerts.file)");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new AlertsConfigException(file + ": cannot read the alerts file (alerts.file): permission denied");
        } catch (IOException e) {
            throw new AlertsConfigException(file + ": cannot read the alerts file (alerts.file): " + e.getMessage());
        }
        try {
            Node root = YamlShape.compose(LoadSettings.builder().setLabel(file.toString()).build(), text)
                    .orElseThrow(() -> new AlertsConfigException(file + ": empty; it needs at least route and receivers"));
            return new YamlTree(file, root, "");
        } catch (YamlShape.Refused e) {
            throw new AlertsConfigException(file + ": " + e.getMessage());
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(0);
            throw new AlertsConfigException(file + " line " + line + ": not YAML: " + e.getProblem());
        } catch (YamlEngineException e) {
            throw new AlertsConfigException(file + ": not YAML: " + e.getMessage());
        }
    }

    /** 1-based line of this node. */
    int line() {
        return node.getStartMark().map(Mark::getLine).orElse(-1) + 1;
    }

    String path() {
        return path.isEmpty() ? "(top level)" : path;
    }

    Path file() {
        return file;
    }

    AlertsConfigException error(String what) {
        return new AlertsConfigException(file + " line " + line() + ", key " + path() + ": " + what);
    }

    /** The entries of a mapping, refusing keys not in {@code allowed} (and naming those that are). */
    Map<String, YamlTree> fields(Set<String> allowed) throws AlertsConfigException {
        if (!(node instanceof MappingNode m)) {
            throw error("must be a mapping with keys among " + String.join(", ", sorted(allowed)));
        }
        Map<String, YamlTree> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                throw new YamlTree(file, t.getKeyNode(), path).error("keys must be plain words");
            }
            YamlTree value = new YamlTree(file, t.getValueNode(), path.isEmpty() ? k.getValue() : path + "." + k.getValue());
            if (!allowed.contains(k.getValue())) {
                throw new YamlTree(file, k, value.path).error("unknown key; allowed here: "
                        + String.join(", ", sorted(allowed)));
            }
            if (out.put(k.getValue(), value) != null) {
                throw new YamlTree(file, k, value.path).error("given twice");
            }
        }
        return out;
    }

    List<YamlTree> items() throws AlertsConfigException {
        if (!(node instanceof SequenceNode s)) {
            throw error("must be a list");
        }
        List<YamlTree> out = new ArrayList<>();
        for (Node n : s.getValue()) {
            out.add(new YamlTree(file, n, path + "[" + out.size() + "]"));
        }
        return out;
    }

    String text() throws AlertsConfigException {
        if (!(node instanceof ScalarNode s)) {
            throw error("must be a single value");
        }
        return s.getValue();
    }

    /** A list of values, or one value standing for a list of one. */
    List<String> texts() throws AlertsConfigException {
        if (node instanceof ScalarNode s) {
            return List.of(s.getValue());
        }
        List<String> out = new ArrayList<>();
        for (YamlTree item : items()) {
            out.add(item.text());
        }
        return out;
    }

    /** An empty mapping ({@code {}}) or no value at all. */
    boolean empty() {
        return node instanceof MappingNode m ? m.getValue().isEmpty()
                : node instanceof ScalarNode s && (s.getValue().isEmpty() || s.getValue().equals("null")
                || s.getValue().equals("~"));
    }

    boolean bool() throws AlertsConfigException {
        return switch (text()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw error("'" + text() + "' is not allowed; use true or false");
        };
    }

    int integer(int min, int max) throws AlertsConfigException {
        try {
            int v = Integer.parseInt(text());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // Reported below with what is allowed.
        }
        throw error("'" + text() + "' is not allowed; use a whole number from " + min + " to " + max);
    }

    /** A duration such as 500ms, 30s, 5m, 4h, 1d, 1h30m or PT30S (see {@link Durations}), at least {@code min}. */
    Duration duration(Duration min) throws AlertsConfigException {
        Duration d;
        try {
            d = Durations.parse(text());
        } catch (IllegalArgumentException e) {
            throw error("'" + text() + "' " + e.getMessage());
        }
        if (d.compareTo(min) < 0) {
            throw error("'" + text() + "' is not allowed; use a duration of at least " + Durations.format(min));
        }
        return d;
    }

    /** The latest time a file may name: RFC 3339's four-digit years. */
    private static final Instant LAST_INSTANT = Instant.parse("9999-12-31T23:59:59Z");

    /** An RFC 3339 time such as 2026-12-01T00:00:00Z. */
    Instant instant() throws AlertsConfigException {
        Instant t;
        try {
            t = java.time.OffsetDateTime.parse(text()).toInstant();
        } catch (DateTimeParseException e) {
            throw error("'" + text() + "' is not allowed; use an RFC 3339 time such as 2026-12-01T00:00:00Z");
        }
        if (t.isBefore(Instant.EPOCH) || t.isAfter(LAST_INSTANT)) {
            // Found in review: a silence ending in the year 999999999 overflowed the router's clock
            // arithmetic on every tick, so that no alert was routed at all.
            throw error("'" + text() + "' is not allowed; use a time from 1970 to 9999");
        }
        return t;
    }

    private static List<String> sorted(Set<String> s) {
        return s.stream().sorted().toList();
    }
}
