package io.netwatch.agent.inspect.signature;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code $NAME} variables rules may use in addresses and ports, as Suricata's
 * {@code vars} section defines them. Values are written in rule syntax and may use other
 * variables ({@code EXTERNAL_NET} is {@code !$HOME_NET}); a variable is read where a rule uses
 * it, so a rule's {@code $EXTERNAL_NET} follows a configured {@code HOME_NET}.
 *
 * <p>The record takes any maps, as the rule parser's tests need; {@link #withAddresses},
 * {@link #withPorts} and {@link #validate()} are what configuration goes through, so that a
 * mistake in a variable is refused once, naming it, rather than in every rule that uses it.
 *
 * @param addresses address groups by name, without the {@code $}
 * @param ports     port groups by name, without the {@code $}
 */
public record RuleVariables(Map<String, String> addresses, Map<String, String> ports) {
    /** Longest variable name, characters. */
    public static final int MAX_NAME = 64;
    /**
     * Most variable uses one group expands to, counting the uses of the variables it uses in
     * turn: each use is read again wherever a rule names the group, so a few lines of
     * configuration that fan out ({@code B} uses {@code $A} ten times, {@code C} uses {@code $B}
     * ten times, ...) must not make every rule slow to load.
     */
    public static final int MAX_EXPANSION = 1024;
    /** Suricata's own names are upper-case identifiers; lower case is more often a slip. */
    private static final Pattern NAME = Pattern.compile("[A-Z][A-Z0-9_]*");
    /** A use of a variable: {@code $} up to the next list punctuation, as the parsers read it. */
    private static final Pattern USE = Pattern.compile("\\$([^\\s,\\[\\]!]*)");

    public RuleVariables {
        addresses = Map.copyOf(addresses);
        ports = Map.copyOf(ports);
    }

    /**
     * Suricata's defaults, with the IPv6 unique-local range added to {@code HOME_NET}: pod and
     * service networks are private ranges in nearly every cluster.
     */
    public static RuleVariables defaults() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("HOME_NET", "[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7]");
        a.put("EXTERNAL_NET", "!$HOME_NET");
        for (String s : new String[] {"HTTP_SERVERS", "SMTP_SERVERS", "SQL_SERVERS", "DNS_SERVERS", "TELNET_SERVERS",
            "AIM_SERVERS", "DC_SERVERS", "DNP3_SERVER", "DNP3_CLIENT", "MODBUS_CLIENT", "MODBUS_SERVER",
            "ENIP_CLIENT", "ENIP_SERVER"}) {
            a.put(s, "$HOME_NET");
        }
        Map<String, String> p = new LinkedHashMap<>();
        p.put("HTTP_PORTS", "80");
        p.put("SHELLCODE_PORTS", "!80");
        p.put("ORACLE_PORTS", "1521");
        p.put("SSH_PORTS", "22");
        p.put("DNP3_PORTS", "20000");
        p.put("MODBUS_PORTS", "502");
        p.put("FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]");
        p.put("FTP_PORTS", "21");
        p.put("GENEVE_PORTS", "6081");
        p.put("VXLAN_PORTS", "4789");
        p.put("TEREDO_PORTS", "3544");
        return new RuleVariables(a, p);
    }

    /**
     * These variables with {@code VXLAN_PORTS} and {@code GENEVE_PORTS} set to the UDP ports the
     * decoder reads those tunnels on. In Suricata the decoder takes its ports from these
     * variables; here the decoder has settings of its own ({@code decode.vxlan_ports},
     * {@code decode.geneve_ports}), and the variables follow them so that they name the ports
     * the tunnels are read on (Flannel's 8472 as well as 4789). A tunnel read gives its bytes to
     * the flows inside it, not to its own: a rule on {@code $VXLAN_PORTS} sees only datagrams on
     * those ports that are not read as the tunnel (junk aimed at the tunnel port). An empty list
     * leaves its variable as it was (UDP on that port is then plain UDP, which such a rule sees).
     * Configured port groups are laid over this, so a {@code VXLAN_PORTS} group still wins.
     */
    public RuleVariables withTunnelPorts(List<Integer> vxlan, List<Integer> geneve) {
        Map<String, String> p = new LinkedHashMap<>(ports);
        if (!vxlan.isEmpty()) {
            p.put("VXLAN_PORTS", portList(vxlan));
        }
        if (!geneve.isEmpty()) {
            p.put("GENEVE_PORTS", portList(geneve));
        }
        return new RuleVariables(addresses, p);
    }

    /** A port list in rule syntax: {@code 4789}, or {@code [4789,8472]}. */
    private static String portList(List<Integer> ports) {
        List<String> each = ports.stream().map(String::valueOf).toList();
        return each.size() == 1 ? each.get(0) : "[" + String.join(",", each) + "]";
    }

    /**
     * These variables with the given address and port groups set or added, the others kept
     * (Suricata's {@code vars.address-groups} and {@code vars.port-groups} over its defaults).
     *
     * @throws IllegalArgumentException naming the variable when a group is not valid
     */
    public RuleVariables with(Map<String, String> addressGroups, Map<String, String> portGroups) {
        return withAddresses(addressGroups).withPorts(portGroups);
    }

    /**
     * These variables with the given address groups set or added. Every address group is
     * checked, those given first; a port group is not looked at, so an error here is always
     * about an address group.
     *
     * @throws IllegalArgumentException naming the group when one is not valid
     */
    public RuleVariables withAddresses(Map<String, String> groups) {
        RuleVariables r = new RuleVariables(merged(Kind.ADDRESS, groups), ports);
        r.check(Kind.ADDRESS, groups.keySet());
        return r;
    }

    /** As {@link #withAddresses}, for port groups. */
    public RuleVariables withPorts(Map<String, String> groups) {
        RuleVariables r = new RuleVariables(addresses, merged(Kind.PORT, groups));
        r.check(Kind.PORT, groups.keySet());
        return r;
    }

    /**
     * Checks every group: its name is an upper-case identifier, each variable it uses is a
     * group of its kind, no group uses itself through others, and its value parses as a rule's
     * address or port would.
     *
     * @throws IllegalArgumentException naming the first group that is not valid
     */
    public void validate() {
        check(Kind.ADDRESS, List.of());
        check(Kind.PORT, List.of());
    }

    private Map<String, String> merged(Kind kind, Map<String, String> groups) {
        Map<String, String> out = new HashMap<>(kind.of(this));
        for (Map.Entry<String, String> e : groups.entrySet()) {
            String name = e.getKey();
            checkName(kind, name);
            if (!kind.of(this).containsKey(name) && kind.other().of(this).containsKey(name)) {
                throw new IllegalArgumentException(name + " is " + kind.other().a() + ", not " + kind.a()
                        + ": set it with the " + kind.other().label + "s");
            }
            out.put(name, e.getValue().trim());
        }
        return out;
    }

    private static void checkName(Kind kind, String name) {
        if (!NAME.matcher(name).matches() || name.length() > MAX_NAME) {
            throw new IllegalArgumentException(kind.label + " name \"" + name + "\" must be upper-case letters, "
                    + "digits and _, starting with a letter, at most " + MAX_NAME + " characters (as HOME_NET)");
        }
    }

    /** Checks the groups of one kind; those in {@code first} (the ones just set) come first, then the rest by name. */
    private void check(Kind kind, Collection<String> first) {
        Map<String, String> groups = kind.of(this);
        Set<String> order = new LinkedHashSet<>(first);
        order.addAll(new TreeSet<>(groups.keySet()));
        for (String name : order) {
            checkName(kind, name);
        }
        Map<String, Integer> expansion = new HashMap<>();
        for (String name : order) {
            expand(kind, name, new ArrayDeque<>(), expansion);
        }
        for (String name : order) {
            try {
                kind.parse.accept(groups.get(name), this);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(kind.label + " " + name + " \"" + groups.get(name) + "\""
                        + unset(kind, name, first) + ": " + e.getMessage());
            }
        }
    }

    /**
     * Walks the variables a group uses, depth first; returns how many uses it expands to.
     * The walk is as deep as the parsers would nest ({@link AddressSet#MAX_NESTING}), so a long
     * chain of variables cannot overflow the stack here either.
     */
    private int expand(Kind kind, String name, Deque<String> path, Map<String, Integer> done) {
        Integer known = done.get(name);
        if (known != null) {
            return known;
        }
        if (path.contains(name)) {
            List<String> walked = new ArrayList<>(path);
            List<String> cycle = walked.subList(walked.indexOf(name), walked.size());
            throw new IllegalArgumentException(kind.label + " " + name + " uses itself: $" + String.join(" -> $", cycle)
                    + " -> $" + name + "; write one of them out without the other variables");
        }
        if (path.size() >= AddressSet.MAX_NESTING) {
            throw new IllegalArgumentException(kind.label + " " + path.getFirst() + " nests variables more than "
                    + AddressSet.MAX_NESTING + " deep: $" + String.join(" -> $", path));
        }
        path.addLast(name);
        int uses = 0;
        Matcher m = USE.matcher(kind.of(this).get(name));
        while (m.find()) {
            String used = m.group(1);
            if (!kind.of(this).containsKey(used)) {
                throw new IllegalArgumentException(kind.label + " " + name + " uses $" + used + ", which is "
                        + (kind.other().of(this).containsKey(used) ? kind.other().a() + "; " + kind.a() + " can use only "
                        + kind.label + "s" : "not defined; define it too, or use one of: "
                        + String.join(", ", new TreeSet<>(kind.of(this).keySet()))));
            }
            uses += 1 + expand(kind, used, path, done);
            if (uses > MAX_EXPANSION) {
                throw new IllegalArgumentException(kind.label + " " + name + " expands to more than " + MAX_EXPANSION
                        + " uses of variables; write the shared part once");
            }
        }
        path.removeLast();
        done.put(name, uses);
        return uses;
    }

    /**
     * For a group not just set that fails only because of one that was (a default such as
     * {@code EXTERNAL_NET}, {@code !$HOME_NET}, with {@code HOME_NET} set to {@code any}): which
     * ones it uses, so that the message says what to set.
     */
    private String unset(Kind kind, String name, Collection<String> set) {
        if (set.isEmpty() || set.contains(name)) {
            return "";
        }
        Set<String> reached = new TreeSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(name));
        while (!todo.isEmpty()) {
            // The walk above found no cycle and bounded the groups' expansion.
            Matcher m = USE.matcher(kind.of(this).get(todo.removeFirst()));
            while (m.find()) {
                if (reached.add(m.group(1))) {
                    todo.addLast(m.group(1));
                }
            }
        }
        reached.retainAll(set);
        return reached.isEmpty() ? "" : " (not set here; it uses " + String.join(", ", reached) + "; set " + name
                + " too)";
    }

    private enum Kind {
        ADDRESS("address group", (value, vars) -> AddressSet.parse(value, vars)),
        PORT("port group", (value, vars) -> PortSet.parse(value, vars));

        final String label;
        final BiConsumer<String, RuleVariables> parse;

        Kind(String label, BiConsumer<String, RuleVariables> parse) {
            this.label = label;
            this.parse = parse;
        }

        Map<String, String> of(RuleVariables v) {
            return this == ADDRESS ? v.addresses : v.ports;
        }

        Kind other() {
            return this == ADDRESS ? PORT : ADDRESS;
        }

        /** "an address group", "a port group". */
        String a() {
            return (this == ADDRESS ? "an " : "a ") + label;
        }
    }
}
