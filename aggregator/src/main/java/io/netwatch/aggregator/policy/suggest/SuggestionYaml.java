package io.netwatch.aggregator.policy.suggest;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Writes suggestions as YAML a person can read, review and {@code kubectl apply}: one
 * document per policy, every rule preceded by a comment saying where it came from (peer,
 * flows, first and last seen), rules left for review written out but commented.
 *
 * <p>Written by hand rather than by a YAML library because the comments are the point; every
 * scalar is double-quoted with JSON escapes (valid YAML), and comment text is stripped of
 * control characters, so a DNS name or label from the wire cannot inject YAML. Tests read
 * the output back through fabric8's model and compare it with {@link Suggestion#toNetworkPolicy()}.
 */
public final class SuggestionYaml {
    private SuggestionYaml() {
    }

    /** All of them, with a header comment saying what they came from. */
    public static String render(SuggestionSet set, String header) {
        StringBuilder b = new StringBuilder();
        for (String line : header.split("\n", -1)) {
            comment(b, "", line);
        }
        comment(b, "", "Least privilege as observed: review each policy, then kubectl apply -f this file.");
        for (String s : set.skipped()) {
            comment(b, "", "No policy for " + s);
        }
        for (Suggestion s : set.policies()) {
            b.append("---\n");
            policy(b, s);
        }
        return b.toString();
    }

    static void policy(StringBuilder b, Suggestion s) {
        comment(b, "", s.workload().kind() + " " + s.workload().namespace() + "/" + s.workload().name() + ": "
                + s.flows() + (s.flows() == 1 ? " flow" : " flows") + " observed" + (s.toReview() > 0 ? ", " + s.toReview() + " rules to review (commented out)" : ""));
        for (String w : s.warnings()) {
            comment(b, "", "WARNING: " + w);
        }
        b.append("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n");
        b.append("  name: ").append(quote(s.name())).append('\n');
        b.append("  namespace: ").append(quote(s.workload().namespace())).append('\n');
        b.append("  labels:\n    ").append(quote(Suggestion.SUGGESTED_LABEL)).append(": \"true\"\n");
        b.append("spec:\n  podSelector:\n");
        labels(b, "    ", s.podSelector());
        b.append("  policyTypes:\n  - Ingress\n  - Egress\n");
        direction(b, "ingress", "from", s.ingress(), "nothing was seen coming in: all ingress denied");
        direction(b, "egress", "to", s.egress(), "");
    }

    private static void direction(StringBuilder b, String field, String peers, List<SuggestedRule> rules, String whenNone) {
        boolean any = rules.stream().anyMatch(SuggestedRule::inForce);
        b.append("  ").append(field).append(any ? ":\n" : ": []\n");
        if (!any) {
            comment(b, "  ", whenNone);
        }
        for (SuggestedRule r : rules) {
            StringBuilder rule = new StringBuilder();
            rule.append("  - ").append(peers).append(":\n");
            switch (r.peer()) {
                case SuggestedRule.Pods p -> {
                    rule.append("    - namespaceSelector:\n");
                    labels(rule, "        ", Map.of("kubernetes.io/metadata.name", p.namespace()));
                    rule.append("      podSelector:\n");
                    labels(rule, "        ", p.labels());
                }
                case SuggestedRule.Address a -> rule.append("    - ipBlock:\n        cidr: ").append(quote(a.cidr())).append('\n');
            }
            rule.append("    ports:\n");
            for (SuggestedRule.Port p : r.ports()) {
                rule.append("    - protocol: ").append(p.protocol().name()).append("\n      port: ").append(p.port()).append('\n');
            }
            comment(b, "  ", origin(r));
            if (r.inForce()) {
                b.append(rule);
            } else {
                comment(b, "  ", "TO REVIEW: " + r.review());
                for (String line : rule.toString().split("\n")) {
                    b.append("  # ").append(line.substring(2)).append('\n');
                }
            }
        }
    }

    private static String origin(SuggestedRule r) {
        String who = switch (r.peer()) {
            case SuggestedRule.Pods p when p.workload() == null ->
                    "DNS to the cluster DNS pods (" + p.namespace() + ", " + selectorText(p.labels()) + "), always allowed";
            case SuggestedRule.Pods p -> p.workload().kind() + " " + p.workload().namespace() + "/" + p.workload().name();
            case SuggestedRule.Address a -> a.cidr() + (a.dnsName() == null ? " (no DNS name seen)" : " (" + a.dnsName() + ")");
        };
        SuggestedRule.Origin o = r.origin();
        StringBuilder s = new StringBuilder(who).append(": ").append(o.flows()).append(o.flows() == 1 ? " flow" : " flows");
        if (o.firstNanos() != 0) {
            s.append(", first ").append(instant(o.firstNanos())).append(", last ").append(instant(o.lastNanos()));
        }
        return s.toString();
    }

    private static String selectorText(Map<String, String> labels) {
        StringBuilder s = new StringBuilder();
        new java.util.TreeMap<>(labels).forEach((k, v) -> s.append(s.isEmpty() ? "" : ",").append(k).append('=').append(v));
        return s.toString();
    }

    private static String instant(long nanos) {
        return Instant.ofEpochSecond(nanos / 1_000_000_000L, nanos % 1_000_000_000L).toString();
    }

    private static void labels(StringBuilder b, String indent, Map<String, String> labels) {
        b.append(indent).append("matchLabels:\n");
        new java.util.TreeMap<>(labels).forEach((k, v) -> b.append(indent).append("  ").append(quote(k)).append(": ").append(quote(v)).append('\n'));
    }

    private static void comment(StringBuilder b, String indent, String text) {
        if (text.isEmpty()) {
            return;
        }
        b.append(indent).append("# ").append(printable(text)).append('\n');
    }

    /** The text with every control character (a newline above all) replaced by '?'. */
    static String printable(String text) {
        StringBuilder s = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            s.append(c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029' ? '?' : c);
        }
        return s.toString();
    }

    /** A double-quoted YAML scalar (JSON string escapes are valid YAML). */
    static String quote(String s) {
        StringBuilder q = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
                        q.append(String.format("\\u%04x", (int) c));
                    } else {
                        q.append(c);
                    }
                }
            }
        }
        return q.append('"').toString();
    }
}
