package io.netwatch.agent.score;

import com.google.common.net.InternetDomainName;
import java.util.Locale;

/**
 * The registered domain of a DNS name (the public suffix plus one label, "example.co.uk" for
 * "a.b.example.co.uk"), from the Public Suffix List that Guava's {@link InternetDomainName}
 * bundles. Query names are attacker bytes: a name Guava refuses (bad characters, an empty
 * label) is retried without its leftmost labels, so a tunnel's garbage subdomain does not
 * hide its domain; a name under no known suffix ("svc.cluster.local") takes its last two
 * labels. Never throws.
 *
 * <p>Names are read as {@link io.netwatch.agent.inspect.dns.DnsQuestion#escapedName()} writes
 * them: a dot inside a label is {@code \.}, a backslash {@code \}, and only the other dots
 * part labels. A label may hold a dot, and the labels {@code x.google} and {@code com} are not
 * under google.com; such a label is no hostname's, so Guava refuses any candidate holding it.
 */
final class RegisteredDomain {
    /** Rightmost labels tried at most: the longest public suffixes have four labels. */
    static final int MAX_LABELS_TRIED = 5;

    private RegisteredDomain() {
    }

    /**
     * True for a name at or below {@code zone} (written in lower case without a trailing dot;
     * the name's case and trailing dot are ignored): the zone's labels end the name's.
     */
    static boolean inZone(String name, String zone) {
        int end = endsWithSeparator(name) ? name.length() - 1 : name.length();
        int at = end - zone.length();
        return at >= 0 && name.regionMatches(true, at, zone, 0, zone.length()) && (at == 0 || separator(name, at - 1));
    }

    /** True for a name at or below one of {@code zones} (see {@link #inZone}). */
    static boolean inAnyZone(String name, java.util.List<String> zones) {
        for (int i = 0, n = zones.size(); i < n; i++) {
            if (inZone(name, zones.get(i))) {
                return true;
            }
        }
        return false;
    }

    /**
     * True when the char at {@code at} is a dot between labels: not escaped, that is not after
     * an odd run of backslashes ({@code a\.b} is one label, {@code a\.b} two). Reads back at
     * most to the previous dot, so splitting a name reads each char about once.
     */
    static boolean separator(String name, int at) {
        if (name.charAt(at) != '.') {
            return false;
        }
        int i = at - 1;
        while (i >= 0 && name.charAt(i) == '\\') {
            i--;
        }
        return ((at - 1 - i) & 1) == 0;
    }

    private static boolean endsWithSeparator(String name) {
        return !name.isEmpty() && separator(name, name.length() - 1);
    }

    /** The last dot between labels before {@code before} (exclusive), or -1. */
    private static int lastSeparator(String name, int before) {
        for (int i = name.lastIndexOf('.', before - 1); i >= 0; i = name.lastIndexOf('.', i - 1)) {
            if (separator(name, i)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * True when {@code domain}, a registered domain as {@link #of} gives it, ends in a suffix of
     * the Public Suffix List ({@code example.com}, {@code example.co.uk}), false for one that
     * took its last two labels for want of one ({@code web-7d4b9c8f6-x2k9p.lan}). Never throws.
     */
    static boolean underPublicSuffix(String domain) {
        return InternetDomainName.isValid(domain) && InternetDomainName.from(domain).hasPublicSuffix();
    }

    /** The split of one name: its registered domain and what comes before it. */
    record Split(String domain, String subdomain) {
    }

    /**
     * What the DNS detectors need of a query name: whether they pass over it (empty, or in one of
     * the {@link TrustedZones} given), and else its split (null when it has none, see {@link #of}).
     * Also the memo's entry for the name and the zones it was judged against; final fields, so a
     * racing reader sees a whole one or none.
     */
    record Query(String name, TrustedZones zones, boolean passedOver, Split split) {
        /** Passed over for its zone, not for being empty. */
        boolean trusted() {
            return passedOver && !name.isEmpty();
        }
    }

    /**
     * The latest names looked at, by the name's hash: every detector of a DNS message asks for the
     * same name, and a node's pods ask for the same few thousand names again and again, where the
     * Public Suffix List lookup costs more than the rest of a detector (about 5 us) and the zone
     * check more than the lookup here. Bounded (16,384 names of at most 253 characters, about
     * 2 MiB when full, in sets of two by hash, the least recently used of a set replaced); a
     * collision or a race only costs a lookup. A name seen again is mostly the same String (the
     * parser's text cache), found by identity and its kept hash: its characters are not read.
     */
    private static final Query[] MEMO = new Query[16_384];

    /** {@link #query(String, TrustedZones)} with the default zones. */
    static Query query(String name) {
        return query(name, TrustedZones.DEFAULTS);
    }

    /**
     * {@link #of} for a query name, with the check against {@code zones} before it: remembered,
     * so a name asked again costs one lookup. An entry judged against other zones (another
     * detector's settings) is judged again.
     */
    static Query query(String name, TrustedZones zones) {
        // Two ways per set: a name looked up often is not pushed out by one other name of its set.
        int slot = name.hashCode() & (MEMO.length - 2);
        Query q = MEMO[slot];
        if (q != null && q.zones() == zones && q.name().equals(name)) {
            return q;
        }
        Query older = MEMO[slot + 1];
        if (older != null && older.zones() == zones && older.name().equals(name)) {
            // Used again: it becomes the newer way.
            MEMO[slot + 1] = q;
            MEMO[slot] = older;
            return older;
        }
        boolean passedOver = name.isEmpty() || zones.covers(name);
        MEMO[slot + 1] = q;
        MEMO[slot] = new Query(name, zones, passedOver, passedOver ? null : of(name));
        return MEMO[slot];
    }

    /**
     * The latest registered domains, one String each: the thousands of names under one
     * domain share its String, so that a detector's table keyed by domain finds it by identity,
     * its hash already computed, rather than reading each name's own copy. Bounded and
     * direct-mapped; a collision or a race only costs a copy.
     */
    private static final String[] DOMAINS = new String[4096];

    private static String canonical(String domain) {
        int h = domain.hashCode() * 0x9E3779B9;
        int slot = (h ^ h >>> 16) & (DOMAINS.length - 1);
        String kept = DOMAINS[slot];
        if (kept != null && kept.equals(domain)) {
            return kept;
        }
        DOMAINS[slot] = domain;
        return domain;
    }

    /**
     * Splits {@code name} (case and a trailing dot ignored); null when it has no registered
     * domain: empty, a bare public suffix ("com", "co.uk"), or a single label.
     */
    static Split of(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (endsWithSeparator(n)) {
            n = n.substring(0, n.length() - 1);
        }
        if (n.isEmpty()) {
            return null;
        }
        int start = n.length();
        int labels = 0;
        // Positions of the rightmost MAX_LABELS_TRIED labels' starts, rightmost first.
        int[] starts = new int[MAX_LABELS_TRIED];
        while (labels < MAX_LABELS_TRIED && start > 0) {
            int dot = lastSeparator(n, start);
            starts[labels++] = dot + 1;
            start = dot < 0 ? 0 : dot;
        }
        for (int k = labels; k >= 1; k--) {
            String candidate = n.substring(starts[k - 1]);
            InternetDomainName parsed;
            try {
                parsed = InternetDomainName.from(candidate);
            } catch (IllegalArgumentException refused) {
                continue;
            }
            String domain;
            if (parsed.isUnderPublicSuffix()) {
                domain = parsed.topPrivateDomain().toString();
            } else if (parsed.hasPublicSuffix()) {
                return null; // the name is a public suffix itself
            } else if (k >= 2) {
                domain = n.substring(starts[1]);
            } else {
                return null;
            }
            int cut = n.length() - domain.length();
            return new Split(canonical(domain), cut == 0 ? "" : n.substring(0, cut - 1));
        }
        return null;
    }
}
