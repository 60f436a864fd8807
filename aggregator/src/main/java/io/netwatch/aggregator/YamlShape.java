package io.netwatch.aggregator;

import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * What a composed YAML document would become once its aliases are followed, checked before
 * anything walks it: an alias to a node that contains it (a walk would never end), nesting
 * deeper than {@link #MAX_DEPTH} (a walk would overflow the stack), or more than
 * {@link #MAX_NODES} nodes (a "billion laughs": a 1 KB file of anchors naming anchors twice
 * expands to millions). Each node is visited once, whatever the expansion, and without
 * recursion.
 */
public final class YamlShape {
    /** Deeper than any configuration file here needs (the alert routes tree included). */
    public static final int MAX_DEPTH = 64;
    /** Nodes once aliases are expanded: a few thousand rules or routes at most. */
    public static final long MAX_NODES = 100_000;

    private YamlShape() {
    }

    /** A document refused for its shape; the message says why, for the caller to prefix with the file. */
    public static final class Refused extends RuntimeException {
        Refused(String reason) {
            super(reason);
        }
    }

    /**
     * Composes {@code text} (empty when it holds no document) and checks its {@link #problem}
     * before anyone walks it. The YAML library composes nested collections by recursion and has
     * no depth bound of its own: its stack overflow is refused here as too deep a nesting.
     *
     * @throws Refused when the document is too deep, refers to itself, or expands too far
     */
    public static Optional<Node> compose(LoadSettings settings, String text) {
        Optional<Node> root;
        try {
            root = new Compose(settings).composeString(text);
        } catch (StackOverflowError e) {
            throw new Refused("nested deeper than " + MAX_DEPTH + " levels");
        }
        String problem = root.map(YamlShape::problem).orElse(null);
        if (problem != null) {
            throw new Refused(problem);
        }
        return root;
    }

    /** Null when the document is fine, else what is wrong with it, for an error message. */
    public static String problem(Node root) {
        // Per node done: {expanded size, depth}. A node on the walk's current path is in onPath.
        Map<Node, long[]> done = new IdentityHashMap<>();
        Map<Node, Boolean> onPath = new IdentityHashMap<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>(); // {node, children, next child index}
        stack.push(new Object[] {root, children(root), 0});
        onPath.put(root, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            @SuppressWarnings("unchecked")
            List<Node> kids = (List<Node>) frame[1];
            int next = (Integer) frame[2];
            if (next < kids.size()) {
                frame[2] = next + 1;
                Node child = kids.get(next);
                if (onPath.containsKey(child)) {
                    return "an alias refers to a node that contains it (line " + line(child) + ")";
                }
                if (!done.containsKey(child)) {
                    if (stack.size() >= MAX_DEPTH) {
                        return "nested deeper than " + MAX_DEPTH + " levels (line " + line(child) + ")";
                    }
                    onPath.put(child, Boolean.TRUE);
                    stack.push(new Object[] {child, children(child), 0});
                }
                continue;
            }
            Node node = (Node) frame[0];
            long size = 1;
            long depth = 0;
            for (Node k : kids) {
                long[] d = done.get(k);
                size = Math.min(MAX_NODES + 1, size + d[0]);
                depth = Math.max(depth, d[1]);
            }
            if (size > MAX_NODES) {
                return "more than " + MAX_NODES + " values once its aliases are expanded (anchors naming anchors)";
            }
            if (depth + 1 > MAX_DEPTH) {
                return "nested deeper than " + MAX_DEPTH + " levels once its aliases are expanded";
            }
            done.put(node, new long[] {size, depth + 1});
            onPath.remove(node);
            stack.pop();
        }
        return null;
    }

    private static List<Node> children(Node n) {
        if (n instanceof MappingNode m) {
            List<Node> out = new java.util.ArrayList<>(m.getValue().size() * 2);
            for (NodeTuple t : m.getValue()) {
                out.add(t.getKeyNode());
                out.add(t.getValueNode());
            }
            return out;
        }
        if (n instanceof SequenceNode s) {
            return s.getValue();
        }
        return List.of();
    }

    private static int line(Node n) {
        return n.getStartMark().map(m -> m.getLine() + 1).orElse(0);
    }
}
