package io.netwatch.aggregator.query;

import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.PolicyDecision;
import io.netwatch.proto.query.v1.FlowFilter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A compiled {@link FlowFilter}: conditions ANDed, values within one condition ORed, an
 * empty condition matching everything; namespace and pod hold on the same endpoint. Invalid filters are rejected at compile time with a
 * message naming the bad value.
 */
final class FlowMatcher implements Predicate<Flow> {
    /**
     * Values one repeated field may hold. Every stored flow is compared with each address
     * value, so without a bound one request (up to 4 MiB: some 400,000 addresses) would hold a
     * CPU for hours over a full store.
     */
    static final int MAX_VALUES = 1024;

    private final long sinceNanos;
    private final long untilNanos;
    private final List<IpPrefix> ip;
    private final List<IpPrefix> sourceIp;
    private final List<IpPrefix> destinationIp;
    private final Set<Integer> ports;
    private final Set<Integer> protocols;
    private final Set<String> nodes;
    private final Set<String> namespaces;
    private final Set<String> pods;
    /** Wanted verdicts by {@link PolicyDecision#getNumber()}; null when any will do. */
    private final boolean[] verdicts;
    private final Set<String> appProtos;
    /** Label selectors, each its terms, all to hold on one pod. */
    private final List<List<Term>> labels;
    /** Whole names and, for "*.zone", the ".zone" suffix; lower case, no trailing dot. */
    private final Set<String> fqdns;
    private final List<String> fqdnSuffixes;
    /** Other patterns with a '*' ("api-*.example.com", "*.*.com", "*"), lower case, compiled once. */
    private final List<Glob> fqdnGlobs;

    FlowMatcher(FlowFilter f) {
        sinceNanos = f.hasSince() ? QueryTime.nanos(f.getSince(), "since") : Long.MIN_VALUE;
        untilNanos = f.hasUntil() ? QueryTime.nanos(f.getUntil(), "until") : Long.MAX_VALUE;
        QueryTime.ordered(f.hasSince(), f.getSince(), f.hasUntil(), f.getUntil());
        ip = prefixes(f.getIpList(), "ip");
        sourceIp = prefixes(f.getSourceIpList(), "source_ip");
        destinationIp = prefixes(f.getDestinationIpList(), "destination_ip");
        capped(f.getPortCount(), "port");
        capped(f.getIpProtocolCount(), "ip_protocol");
        names(f.getNodeNameList(), "node_name");
        names(f.getNamespaceList(), "namespace");
        names(f.getPodList(), "pod");
        for (int port : f.getPortList()) {
            // uint32 on the wire: compare unsigned, or 4294967295 (-1 here) would slip through.
            if (Integer.compareUnsigned(port, 65535) > 0) {
                throw new IllegalArgumentException("port: " + Integer.toUnsignedString(port)
                        + " is out of range 0-65535");
            }
        }
        for (int proto : f.getIpProtocolList()) {
            if (Integer.compareUnsigned(proto, 255) > 0) {
                throw new IllegalArgumentException("ip_protocol: " + Integer.toUnsignedString(proto)
                        + " is out of range 0-255");
            }
        }
        ports = Set.copyOf(f.getPortList());
        protocols = Set.copyOf(f.getIpProtocolList());
        nodes = Set.copyOf(f.getNodeNameList());
        namespaces = Set.copyOf(f.getNamespaceList());
        pods = Set.copyOf(f.getPodList());
        capped(f.getVerdictCount(), "verdict");
        if (f.getVerdictCount() == 0) {
            verdicts = null;
        } else {
            verdicts = new boolean[PolicyDecision.values().length];
            for (int v : f.getVerdictValueList()) {
                if (PolicyDecision.forNumber(v) == null) {
                    throw new IllegalArgumentException("verdict: " + v + " is not a PolicyDecision (0 unknown, 1 allowed,"
                            + " 2 denied)");
                }
                verdicts[v] = true;
            }
        }
        names(f.getAppProtoList(), "app_proto");
        // Compared as inspection names them (lower case), as the CLI sends them: a caller's "HTTP" matched nothing.
        appProtos = Set.copyOf(f.getAppProtoList().stream().map(p -> p.toLowerCase(Locale.ROOT)).toList());
        capped(f.getLabelCount(), "label");
        // Each term is looked up in both endpoints' labels for every stored flow: counted before
        // the selectors are split, so that 4 MiB of "a,b,..." is not made a million terms first.
        long terms = f.getLabelList().stream().mapToLong(t -> t.chars().filter(c -> c == ',').count() + 1).sum();
        if (terms > MAX_VALUES) {
            throw new IllegalArgumentException("label: " + terms + " terms in all, more than the " + MAX_VALUES
                    + " the selectors may hold");
        }
        labels = f.getLabelList().stream().map(FlowMatcher::selector).toList();
        names(f.getFqdnList(), "fqdn");
        Set<String> whole = new HashSet<>();
        List<String> suffixes = new ArrayList<>();
        List<Glob> globs = new ArrayList<>();
        for (String name : f.getFqdnList()) {
            String n = fqdn(name);
            // Checked as the name any '*' could stand for: "a" keeps a label's bounds.
            String plain = n.replace('*', 'a');
            String bad = !StandardCharsets.US_ASCII.newEncoder().canEncode(plain)
                    ? "an international name is compared as DNS carries it, in punycode ('xn--...')"
                    : !DNS_NAME.matcher(plain).matches() ? "its labels must be 1 to 63 characters, without spaces or '/'"
                    : null;
            if (bad != null) {
                throw new IllegalArgumentException("fqdn: '" + name + "' is not a DNS name: " + bad);
            }
            if (n.indexOf('*') < 0) {
                whole.add(n);
            } else if (n.startsWith("*.") && n.indexOf('*', 1) < 0) {
                suffixes.add(n.substring(1));
            } else {
                globs.add(Glob.of(n));
            }
        }
        fqdns = Set.copyOf(whole);
        fqdnSuffixes = List.copyOf(suffixes);
        fqdnGlobs = List.copyOf(globs);
    }

    /** A name as compared: lower case (DNS names are case-insensitive), without its trailing dot. */
    private static String fqdn(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    /** One term of a label selector: the pod has label {@code key}, with {@code value} unless null. */
    private record Term(String key, String value) {
    }

    /**
     * A name of dot-separated labels of 1 to 63 printable ASCII characters but '/' (names carry
     * '_' and more), 253 characters at most; lower case, its trailing dot gone, as {@link #fqdn}.
     */
    private static final Pattern DNS_NAME = Pattern.compile("(?=.{1,253}$)[!-.0-~&&[^/.]]{1,63}(\\.[!-.0-~&&[^/.]]{1,63})*");
    /** A label key as Kubernetes takes one: an optional DNS subdomain prefix and '/', then a name. */
    private static final Pattern LABEL_KEY = Pattern.compile(
            "([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    /** A label value as Kubernetes takes one (empty included). */
    private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");

    /**
     * One label selector: "key=value" ("key==value", as Kubernetes takes it too) and "key"
     * terms, joined by commas, all of them to hold (a key given twice with two values holds
     * for no pod, as in Kubernetes); a bad one is named. Keys and values are Kubernetes' own:
     * what none can be ("app==web" read as the value "=web", "!app") was taken and matched
     * nothing, unsaid.
     */
    private static List<Term> selector(String text) {
        Set<Term> terms = new LinkedHashSet<>();
        for (String term : text.split(",", -1)) {
            String t = term.strip();
            int eq = t.indexOf('=');
            String key = eq < 0 ? t : t.substring(0, eq).strip();
            String value = eq < 0 ? null : t.substring(t.startsWith("==", eq) ? eq + 2 : eq + 1).strip();
            if (key.endsWith("!") || key.startsWith("!") || t.contains("(")) {
                throw new IllegalArgumentException("label: '" + text + "' is not a selector GetFlows takes: key=value and"
                        + " key terms joined by commas (as 'app=web,tier=front'), not !=, !key, in or notin");
            }
            if (!LABEL_KEY.matcher(key).matches() || value != null && !LABEL_VALUE.matcher(value).matches()) {
                throw new IllegalArgumentException("label: '" + text + "' is not a selector of key=value or key terms"
                        + " joined by commas (as 'app=web,tier=front'), keys and values as Kubernetes takes them");
            }
            terms.add(new Term(key, value));
        }
        return List.copyOf(terms);
    }

    @Override
    public boolean test(Flow flow) {
        if (sinceNanos != Long.MIN_VALUE || untilNanos != Long.MAX_VALUE) {
            long first = QueryTime.saturated(flow.getFirstSeen());
            long last = QueryTime.saturated(flow.getLastSeen());
            if (last < sinceNanos || first >= untilNanos) {
                return false;
            }
        }
        Endpoint s = flow.getSource();
        Endpoint d = flow.getDestination();
        if (!ip.isEmpty() || !sourceIp.isEmpty() || !destinationIp.isEmpty()) {
            // Each address read once per flow, not once per value of the filter.
            byte[] sa = IpPrefix.address(s.getIp());
            byte[] da = IpPrefix.address(d.getIp());
            if (!ip.isEmpty() && !(any(ip, sa) || any(ip, da))) {
                return false;
            }
            if (!sourceIp.isEmpty() && !any(sourceIp, sa)) {
                return false;
            }
            if (!destinationIp.isEmpty() && !any(destinationIp, da)) {
                return false;
            }
        }
        if (!ports.isEmpty() && !(ports.contains(s.getPort()) || ports.contains(d.getPort()))) {
            return false;
        }
        if (!protocols.isEmpty() && !protocols.contains(flow.getIpProtocol())) {
            return false;
        }
        if (!nodes.isEmpty() && !nodes.contains(flow.getNodeName())) {
            return false;
        }
        if (verdicts != null) {
            int v = flow.getPolicy().getDecisionValue();
            if (v < 0 || v >= verdicts.length || !verdicts[v]) {
                return false;
            }
        }
        if (!appProtos.isEmpty() && !appProtos.contains(flow.getAppProto())) {
            return false;
        }
        if ((!fqdns.isEmpty() || !fqdnSuffixes.isEmpty() || !fqdnGlobs.isEmpty()) && !(named(s) || named(d))) {
            return false;
        }
        // A pod is named within its namespace, and a label selector holds within one: with
        // several given, one endpoint holds them all (else billing/postgres-0 talking to shop
        // would pass for shop/postgres-0, and billing's app=web for shop's), as hubble observe
        // puts --namespace, --pod and --label on the same side.
        return identity(s) || identity(d);
    }

    /** The endpoint's pod has every term of one of the selectors. */
    private boolean labelled(Endpoint e) {
        Map<String, String> podLabels = e.getWorkload().getLabelsMap();
        if (podLabels.isEmpty()) {
            return false;
        }
        for (List<Term> selector : labels) {
            boolean all = true;
            for (Term term : selector) {
                String value = podLabels.get(term.key());
                if (value == null || term.value() != null && !term.value().equals(value)) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /**
     * The endpoint is known by one of the names, or by a name below one of the zones. An
     * address no DNS name was seen for has its network ("203.0.113.0/24") in external_name:
     * that is no name, and no pattern matches it ('*' did, and '203.0.113.*').
     */
    private boolean named(Endpoint e) {
        String external = e.getWorkload().getExternalName();
        if (external.isEmpty() || external.indexOf('/') >= 0) {
            return false;
        }
        String n = fqdn(external);
        if (fqdns.contains(n)) {
            return true;
        }
        for (String suffix : fqdnSuffixes) {
            if (n.endsWith(suffix)) {
                return true;
            }
        }
        for (Glob glob : fqdnGlobs) {
            if (glob.matches(n)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code name} is {@code glob} ({@link Glob}). */
    static boolean globMatches(String glob, String name) {
        return Glob.of(glob).matches(name);
    }

    /**
     * A --fqdn pattern with a '*', each '*' standing for any run of characters, dots included,
     * as Hubble's --fqdn reads a '*' ({@code [-.0-9a-z]*}): "*.example.com" is every name below
     * example.com at any depth, not example.com itself. The text before the first '*' must begin
     * the name and the text after the last end it; each piece between is found leftmost after the
     * one before (leftmost is never wrong: what follows has the most room), by Knuth-Morris-Pratt,
     * whose tables are made once per query, so a pattern costs the name's length plus its own,
     * however its stars and letters are laid out: the review found a pattern of one long piece
     * against a name of repeats taking 23 us by going back to the last '*', times 1024 patterns
     * and both ends of every stored flow.
     *
     * @param pieces the texts between stars, empty ones left out
     * @param fails  each piece's Knuth-Morris-Pratt failure table
     */
    private record Glob(String head, String tail, String[] pieces, int[][] fails) {
        /** {@code glob} holds a '*'. */
        static Glob of(String glob) {
            int first = glob.indexOf('*');
            int last = glob.lastIndexOf('*');
            List<String> pieces = new ArrayList<>();
            for (String piece : glob.substring(first + 1, last + 1).split("\\*")) {
                if (!piece.isEmpty()) {
                    pieces.add(piece);
                }
            }
            String[] p = pieces.toArray(String[]::new);
            int[][] fails = new int[p.length][];
            for (int i = 0; i < p.length; i++) {
                fails[i] = failures(p[i]);
            }
            return new Glob(glob.substring(0, first), glob.substring(last + 1), p, fails);
        }

        boolean matches(String name) {
            if (head.length() + tail.length() > name.length() || !name.startsWith(head) || !name.endsWith(tail)) {
                return false;
            }
            int at = head.length();
            int limit = name.length() - tail.length();
            for (int i = 0; i < pieces.length && at >= 0; i++) {
                at = find(pieces[i], fails[i], name, at, limit);
            }
            return at >= 0;
        }

        /** Knuth-Morris-Pratt's failure table of {@code piece}. */
        private static int[] failures(String piece) {
            int[] fail = new int[piece.length()];
            for (int i = 1, k = 0; i < piece.length(); i++) {
                while (k > 0 && piece.charAt(i) != piece.charAt(k)) {
                    k = fail[k - 1];
                }
                if (piece.charAt(i) == piece.charAt(k)) {
                    k++;
                }
                fail[i] = k;
            }
            return fail;
        }

        /** The end in {@code name} of the leftmost {@code piece} within {@code name[at, limit)}, or -1. */
        private static int find(String piece, int[] fail, String name, int at, int limit) {
            for (int i = at, k = 0; i < limit; i++) {
                while (k > 0 && name.charAt(i) != piece.charAt(k)) {
                    k = fail[k - 1];
                }
                if (name.charAt(i) == piece.charAt(k)) {
                    k++;
                }
                if (k == piece.length()) {
                    return i + 1;
                }
            }
            return -1;
        }
    }

    /** The endpoint is in one of the namespaces, is one of the pods and has one of the selectors' labels. */
    private boolean identity(Endpoint e) {
        return (namespaces.isEmpty() || namespaces.contains(e.getWorkload().getNamespace()))
                && (pods.isEmpty() || pods.contains(e.getWorkload().getPodName()))
                && (labels.isEmpty() || labelled(e));
    }

    /** The addresses and prefixes of one filter field; a bad one is named with its field. */
    static List<IpPrefix> prefixes(List<String> values, String field) {
        capped(values.size(), field);
        try {
            return values.stream().map(IpPrefix::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage());
        }
    }

    /**
     * A field of names: bounded, and no empty name. An endpoint without identity has an empty
     * namespace and pod, so an empty value would match every flow whose identity is unknown,
     * which no one asking for a namespace means.
     */
    private static void names(List<String> values, String field) {
        names(values, field, "flow");
    }

    /** As {@link #names(List, String)}, for a filter over {@code records} ("anomaly"). */
    static void names(List<String> values, String field, String records) {
        capped(values.size(), field);
        if (values.contains("")) {
            throw new IllegalArgumentException(field + ": an empty name matches nothing named; leave " + field
                    + " out to match every " + records);
        }
    }

    /** Refuses a repeated field with more than {@link #MAX_VALUES} values, naming it. */
    static void capped(int count, String field) {
        if (count > MAX_VALUES) {
            throw new IllegalArgumentException(field + ": " + count + " values, more than the " + MAX_VALUES
                    + " a filter field may hold");
        }
    }

    static boolean any(List<IpPrefix> prefixes, byte[] address) {
        for (IpPrefix p : prefixes) {
            if (p.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
