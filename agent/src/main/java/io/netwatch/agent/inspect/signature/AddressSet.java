package io.netwatch.agent.inspect.signature;

import java.util.ArrayList;
import java.util.List;

/**
 * A rule's address group ({@code any}, {@code 10.0.0.0/8}, {@code [a,!b]}, {@code $HOME_NET}),
 * tested against addresses as the decoder holds them: two longs, IPv4 mapped into IPv6.
 * A list matches when some plain entry matches (or it has none) and no negated entry does.
 */
public final class AddressSet {
    /** Deepest nesting of lists and variables accepted: a variable that names itself must not loop. */
    static final int MAX_NESTING = 16;
    public static final AddressSet ANY = new AddressSet(List.of(), List.of(), true);

    private final List<AddressSet> include;
    private final List<AddressSet> exclude;
    private final boolean any;
    /** For a single prefix: its bits, and how many of them count. */
    private final long hi;
    private final long lo;
    private final int prefix;

    private AddressSet(List<AddressSet> include, List<AddressSet> exclude, boolean any) {
        this.include = include;
        this.exclude = exclude;
        this.any = any;
        this.hi = 0;
        this.lo = 0;
        this.prefix = -1;
    }

    private AddressSet(long hi, long lo, int prefix) {
        this.include = List.of();
        this.exclude = List.of();
        this.any = false;
        this.prefix = prefix;
        this.hi = prefix == 0 ? 0 : hi & mask(prefix, true);
        this.lo = lo & mask(prefix, false);
    }

    public boolean matches(long addrHi, long addrLo) {
        if (prefix >= 0) {
            return (addrHi & mask(prefix, true)) == hi && (addrLo & mask(prefix, false)) == lo;
        }
        boolean in = any || include.isEmpty();
        for (int i = 0; !in && i < include.size(); i++) {
            in = include.get(i).matches(addrHi, addrLo);
        }
        if (!in) {
            return false;
        }
        for (AddressSet e : exclude) {
            if (e.matches(addrHi, addrLo)) {
                return false;
            }
        }
        return true;
    }

    public boolean isAny() {
        return any;
    }

    /** True when every address matches: {@code any}, {@code ::/0}, or a list holding one, nothing excluded. */
    public boolean coversEverything() {
        if (prefix >= 0) {
            return prefix == 0;
        }
        if (!exclude.isEmpty()) {
            return false;
        }
        if (any || include.isEmpty()) {
            return true;
        }
        for (AddressSet s : include) {
            if (s.coversEverything()) {
                return true;
            }
        }
        return false;
    }

    private static long mask(int prefix, boolean high) {
        int bits = high ? Math.min(prefix, 64) : Math.max(prefix - 64, 0);
        return bits == 0 ? 0 : -1L << (64 - bits);
    }

    /** Parses an address group; throws {@link IllegalArgumentException} saying what is wrong. */
    static AddressSet parse(String text, RuleVariables vars) {
        return parse(text.trim(), vars, 0);
    }

    private static AddressSet parse(String s, RuleVariables vars, int nesting) {
        if (nesting > MAX_NESTING) {
            throw new IllegalArgumentException("address groups nest too deep (a variable that refers to itself?)");
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty address");
        }
        if (s.equals("any")) {
            return ANY;
        }
        if (s.startsWith("!")) {
            AddressSet inner = parse(s.substring(1).trim(), vars, nesting + 1);
            if (inner.any) {
                throw new IllegalArgumentException("'!any' matches no address");
            }
            return new AddressSet(List.of(), List.of(inner), false);
        }
        if (s.startsWith("$")) {
            String value = vars.addresses().get(s.substring(1));
            if (value == null) {
                throw new IllegalArgumentException("unknown address variable " + s + " (known: "
                        + String.join(", ", new java.util.TreeSet<>(vars.addresses().keySet())) + ")");
            }
            return parse(value.trim(), vars, nesting + 1);
        }
        if (s.startsWith("[")) {
            if (!s.endsWith("]")) {
                throw new IllegalArgumentException("address list '" + s + "' has no closing ']'");
            }
            List<AddressSet> in = new ArrayList<>();
            List<AddressSet> out = new ArrayList<>();
            for (String item : RuleText.splitList(s.substring(1, s.length() - 1))) {
                AddressSet a = parse(item.trim(), vars, nesting + 1);
                if (a.prefix < 0 && !a.any && a.include.isEmpty() && !a.exclude.isEmpty()) {
                    out.addAll(a.exclude);
                } else {
                    in.add(a);
                }
            }
            if (in.isEmpty() && out.isEmpty()) {
                throw new IllegalArgumentException("empty address list");
            }
            boolean anyIn = in.stream().anyMatch(a -> a.any);
            return new AddressSet(anyIn ? List.of() : List.copyOf(in), List.copyOf(out), anyIn && out.isEmpty());
        }
        return prefix(s);
    }

    private static AddressSet prefix(String s) {
        int slash = s.indexOf('/');
        String address = slash < 0 ? s : s.substring(0, slash);
        boolean v4 = address.indexOf(':') < 0;
        int bits = v4 ? 32 : 128;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in '" + s + "'");
            }
            if (bits < 0 || bits > (v4 ? 32 : 128)) {
                throw new IllegalArgumentException("prefix length out of range in '" + s + "'");
            }
        }
        long[] a = v4 ? ipv4(address, s) : ipv6(address, s);
        return new AddressSet(a[0], a[1], v4 ? 96 + bits : bits);
    }

    private static long[] ipv4(String address, String whole) {
        String[] parts = address.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + whole + "' is not an address, a prefix, a list, a variable or any");
        }
        long v = 0;
        for (String p : parts) {
            int octet;
            try {
                octet = p.length() > 3 || p.isEmpty() ? -1 : Integer.parseInt(p);
            } catch (NumberFormatException e) {
                octet = -1;
            }
            if (octet < 0 || octet > 255) {
                throw new IllegalArgumentException("bad IPv4 address in '" + whole + "'");
            }
            v = (v << 8) | octet;
        }
        return new long[] {0, 0xFFFF_0000_0000L | v};
    }

    private static long[] ipv6(String address, String whole) {
        // Only literal text: never a name lookup.
        if (!address.matches("[0-9A-Fa-f:.]+")) {
            throw new IllegalArgumentException("bad IPv6 address in '" + whole + "'");
        }
        byte[] b;
        try {
            b = java.net.InetAddress.getByName(address).getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("bad IPv6 address in '" + whole + "'");
        }
        if (b.length == 4) {
            return new long[] {0, 0xFFFF_0000_0000L | (java.nio.ByteBuffer.wrap(b).getInt() & 0xFFFF_FFFFL)};
        }
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b);
        return new long[] {bb.getLong(), bb.getLong()};
    }
}
