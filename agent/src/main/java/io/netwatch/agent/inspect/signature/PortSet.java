package io.netwatch.agent.inspect.signature;

import java.util.BitSet;
import java.util.List;

/** A rule's port group ({@code any}, {@code 80}, {@code 1024:}, {@code [80,!8080]}, {@code $HTTP_PORTS}). */
public final class PortSet {
    public static final PortSet ANY = new PortSet(null);
    private static final int PORTS = 65536;

    /** Null for any. */
    private final BitSet ports;

    private PortSet(BitSet ports) {
        this.ports = ports;
    }

    public boolean matches(int port) {
        return ports == null || (port >= 0 && port < PORTS && ports.get(port));
    }

    public boolean isAny() {
        return ports == null;
    }

    static PortSet parse(String text, RuleVariables vars) {
        BitSet b = set(text.trim(), vars, 0);
        return b.cardinality() == PORTS ? ANY : new PortSet(b);
    }

    private static BitSet set(String s, RuleVariables vars, int nesting) {
        if (nesting > AddressSet.MAX_NESTING) {
            throw new IllegalArgumentException("port groups nest too deep (a variable that refers to itself?)");
        }
        BitSet b = new BitSet(PORTS);
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty port");
        }
        if (s.equals("any")) {
            b.set(0, PORTS);
            return b;
        }
        if (s.startsWith("!")) {
            BitSet inner = set(s.substring(1).trim(), vars, nesting + 1);
            b.set(0, PORTS);
            b.andNot(inner);
            if (b.isEmpty()) {
                throw new IllegalArgumentException("'" + s + "' matches no port");
            }
            return b;
        }
        if (s.startsWith("$")) {
            String value = vars.ports().get(s.substring(1));
            if (value == null) {
                throw new IllegalArgumentException("unknown port variable " + s + " (known: "
                        + String.join(", ", new java.util.TreeSet<>(vars.ports().keySet())) + ")");
            }
            return set(value.trim(), vars, nesting + 1);
        }
        if (s.startsWith("[")) {
            if (!s.endsWith("]")) {
                throw new IllegalArgumentException("port list '" + s + "' has no closing ']'");
            }
            List<String> items = RuleText.splitList(s.substring(1, s.length() - 1));
            BitSet out = new BitSet(PORTS);
            boolean positives = false;
            for (String item : items) {
                String t = item.trim();
                if (t.startsWith("!")) {
                    out.or(set(t.substring(1).trim(), vars, nesting + 1));
                } else {
                    b.or(set(t, vars, nesting + 1));
                    positives = true;
                }
            }
            if (!positives) {
                b.set(0, PORTS);
            }
            b.andNot(out);
            if (b.isEmpty()) {
                throw new IllegalArgumentException("port list '" + s + "' matches no port");
            }
            return b;
        }
        int colon = s.indexOf(':');
        if (colon < 0) {
            int p = port(s, s);
            b.set(p);
            return b;
        }
        int from = colon == 0 ? 0 : port(s.substring(0, colon), s);
        int to = colon == s.length() - 1 ? PORTS - 1 : port(s.substring(colon + 1), s);
        if (from > to) {
            throw new IllegalArgumentException("port range '" + s + "' ends before it starts");
        }
        b.set(from, to + 1);
        return b;
    }

    private static int port(String p, String whole) {
        try {
            int v = p.length() > 5 ? -1 : Integer.parseInt(p.trim());
            if (v >= 0 && v < PORTS) {
                return v;
            }
        } catch (NumberFormatException e) {
            // Falls through to the error below.
        }
        throw new IllegalArgumentException("'" + whole + "' is not a port (0-65535), a range, a list, a variable or any");
    }
}
