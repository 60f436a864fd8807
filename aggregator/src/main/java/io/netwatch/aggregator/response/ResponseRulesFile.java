package io.netwatch.aggregator.response;

import io.netwatch.aggregator.YamlShape;
import io.netwatch.aggregator.store.FlowStore;
import io.netwatch.common.Durations;
import io.netwatch.common.TextFiles;
import io.netwatch.proto.anomaly.v1.Severity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads the response rules (the file named by {@code response.file}):
 * <pre>
 * rules:
 *   - name: scanners
 *     types: [port_scan, ip_sweep]
 *     min_severity: high
 *     min_confidence: 0.5
 *     action: node_drop
 *     ttl: 10m
 * </pre>
 * Every error names the file, the line, the key and what is allowed. The file is read once,
 * at start; its size is capped so a wrong path (a log file) fails fast.
 */
public final class ResponseRulesFile {
    /** Largest rules file read, bytes. */
    static final long MAX_BYTES = 1 << 20;
    /** Most rules in one file. */
    static final int MAX_RULES = 1000;
    private static final Set<String> RULE_KEYS = Set.of("name", "types", "min_severity", "min_confidence", "action",
            "ttl");

    private final String file;
    /** response.max_ttl, or null. */
    private final Duration maxTtl;

    private ResponseRulesFile(String file, Duration maxTtl) {
        this.file = file;
        this.maxTtl = maxTtl;
    }

    /** @throws IllegalArgumentException naming the file, line, key and what is allowed */
    public static List<ResponseRule> load(Path path) {
        return load(path, null);
    }

    /**
     * As {@link #load(Path)}, a rule's ttl past {@code maxTtl} ({@code response.max_ttl}) refused
     * at its line; null: no bound.
     */
    public static List<ResponseRule> load(Path path, Duration maxTtl) {
        String text;
        try {
            TextFiles.requireSmall(path, MAX_BYTES);
            text = TextFiles.readUtf8(path);
        } catch (TextFiles.NotSmallFile e) {
            // Found in review: a missing file was reported as java.nio.file.NoSuchFileException.
            throw new IllegalArgumentException("response.file: " + e.getMessage());
        } catch (TextFiles.NotUtf8 e) {
            throw new IllegalArgumentException("response.file " + e.getMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("response.file " + path + ": cannot read it (" + e + ")");
        }
        return parse(path.toString(), text, maxTtl);
    }

    /** Parses rules from {@code text}; {@code file} names it in errors. */
    public static List<ResponseRule> parse(String file, String text) {
        return parse(file, text, null);
    }

    /** As {@link #parse(String, String)}, a ttl past {@code maxTtl} (null: no bound) refused at its line. */
    public static List<ResponseRule> parse(String file, String text, Duration maxTtl) {
        return new ResponseRulesFile(file, maxTtl).rules(text);
    }

    private List<ResponseRule> rules(String text) {
        Optional<Node> root;
        try {
            root = YamlShape.compose(LoadSettings.builder().setMaxAliasesForCollections(10).build(), text);
        } catch (YamlEngineException e) {
            throw new IllegalArgumentException(file + ": not valid YAML: " + e.getMessage().lines().findFirst()
                    .orElse(""));
        } catch (YamlShape.Refused e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
        if (root.isEmpty()) {
            throw new IllegalArgumentException(file + ": empty; expected a 'rules:' list");
        }
        MappingNode top = mapping(root.get(), "the top level");
        List<ResponseRule> rules = new ArrayList<>();
        for (NodeTuple t : top.getValue()) {
            String key = scalar(t.getKeyNode(), "a key");
            if (!key.equals("rules")) {
                throw error(t.getKeyNode(), key, "unknown key; allowed: rules");
            }
            if (!(t.getValueNode() instanceof SequenceNode list)) {
                throw error(t.getValueNode(), "rules", "must be a list of rules");
            }
            if (list.getValue().size() > MAX_RULES) {
                throw error(list, "rules", "more than " + MAX_RULES + " rules");
            }
            for (Node n : list.getValue()) {
                rules.add(rule(n, rules.size()));
            }
        }
        return rules;
    }

    private ResponseRule rule(Node node, int index) {
        MappingNode m = mapping(node, "rule " + (index + 1));
        String name = "rule-" + (index + 1);
        Set<String> types = new LinkedHashSet<>();
        Severity minSeverity = Severity.SEVERITY_UNKNOWN;
        double minConfidence = 0;
        BlockAction action = null;
        Duration ttl = null;
        Node ttlNode = null;
        Set<String> seen = new java.util.HashSet<>();
        for (NodeTuple t : m.getValue()) {
            String key = scalar(t.getKeyNode(), "a key");
            if (!seen.add(key)) {
                throw error(t.getKeyNode(), key, "given twice in one rule");
            }
            Node v = t.getValueNode();
            switch (key) {
                case "name" -> name = scalar(v, key);
                case "types" -> {
                    List<Node> items = v instanceof SequenceNode s ? s.getValue() : List.of(v);
                    for (Node item : items) {
                        String type = scalar(item, key);
                        if (!FlowStore.ANOMALY_TYPES.contains(type)) {
                            throw error(item, key, "'" + type + "' is not an anomaly type; allowed: "
                                    + String.join(", ", FlowStore.ANOMALY_TYPES));
                        }
                        types.add(type);
                    }
                }
                case "min_severity" -> minSeverity = severity(v);
                case "min_confidence" -> {
                    String s = scalar(v, key);
                    try {
                        minConfidence = Double.parseDouble(s);
                    } catch (NumberFormatException e) {
                        minConfidence = -1;
                    }
                    if (!(minConfidence >= 0 && minConfidence <= 1)) {
                        throw error(v, key, "'" + s + "' is not a number from 0 to 1");
                    }
                }
                case "action" -> {
                    String s = scalar(v, key);
                    action = BlockAction.find(s);
                    if (action == null) {
                        throw error(v, key, "'" + s + "' is not an action; allowed: " + BlockAction.allowed());
                    }
                }
                case "ttl" -> {
                    ttl = duration(v);
                    ttlNode = v;
                }
                default -> throw error(t.getKeyNode(), key, "unknown key; allowed: " + String.join(", ",
                        RULE_KEYS.stream().sorted().toList()));
            }
        }
        if (action == null) {
            throw error(node, "action", "rule '" + name + "' has no action; allowed: " + BlockAction.allowed());
        }
        if (ttl != null && ttl.compareTo(ResponseRule.MIN_TTL) < 0) {
            // Found in review: it went out as 0 s, which every agent refuses (bad_ttl), while
            // dry-run said would_block. Named here, after the loop, where the rule's name is known.
            throw error(ttlNode, "ttl", "rule '" + name + "' asks for '" + scalar(ttlNode, "ttl")
                    + "', below the 1 s an agent accepts; write at least 1s (examples: 90s, 10m, 1h)");
        }
        if (ttl != null && maxTtl != null && ttl.compareTo(maxTtl) > 0) {
            throw error(ttlNode, "ttl", "rule '" + name + "' asks for '" + scalar(ttlNode, "ttl")
                    + "', more than response.max_ttl (" + Durations.format(maxTtl) + ")");
        }
        return new ResponseRule(name, types, minSeverity, minConfidence, action, ttl);
    }

    private Severity severity(Node v) {
        String s = scalar(v, "min_severity");
        try {
            Severity sev = Severity.valueOf("SEVERITY_" + s.toUpperCase(Locale.ROOT));
            if (sev != Severity.SEVERITY_UNKNOWN) {
                return sev;
            }
        } catch (IllegalArgumentException e) {
            // named below
        }
        throw error(v, "min_severity", "'" + s + "' is not a severity; allowed: info, low, medium, high, critical");
    }

    private Duration duration(Node v) {
        String s = scalar(v, "ttl");
        Duration d;
        try {
            d = Durations.parse(s);
        } catch (IllegalArgumentException e) {
            throw error(v, "ttl", "'" + s + "' " + e.getMessage());
        }
        if (d.isZero()) {
            throw error(v, "ttl", "'" + s + "' is zero; a block needs a time to live (examples: 90s, 10m, 1h)");
        }
        return d;
    }

    private MappingNode mapping(Node n, String what) {
        if (n instanceof MappingNode m) {
            return m;
        }
        throw new IllegalArgumentException(file + " line " + line(n) + ": " + what + " must be a mapping (key: value)");
    }

    private String scalar(Node n, String key) {
        if (n instanceof ScalarNode s) {
            return s.getValue();
        }
        throw error(n, key, "must be a single value");
    }

    private IllegalArgumentException error(Node n, String key, String message) {
        return new IllegalArgumentException(file + " line " + line(n) + ", key '" + key + "': " + message);
    }

    private static int line(Node n) {
        return n.getStartMark().map(m -> m.getLine() + 1).orElse(0);
    }
}
