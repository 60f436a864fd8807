package io.netwatch.agent.score;

import com.google.common.net.InternetDomainName;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The zones whose names the DNS detectors ({@code dns_tunnel}, {@code exfiltration},
 * {@code dga}) pass over: those only the cluster's or the company's own resolvers answer, so
 * that no byte asked there leaves for a server a pod's owner runs, while a node asks for
 * thousands of distinct names in them (every Service, every dashed pod address, every outside
 * name tried under each search domain first). Always: the reverse zones and the clouds'
 * private zones ({@link #REVERSE_ZONES}, {@link #PRIVATE_ZONES}); and the cluster's domain
 * (kubelet's {@code --cluster-domain}, {@code cluster.local} unless set otherwise) and the
 * zones given, such as a company's {@code corp.example.com} that its resolvers answer.
 *
 * <p>Each zone is checked when the record is built and kept in lower case without a trailing
 * dot; a zone that is no DNS domain, holds a wildcard or is a public suffix (trusting
 * {@code com} would pass over every domain under it) is refused, the message saying what to
 * write.
 *
 * @param clusterDomain the cluster's DNS domain
 * @param zones         further zones answered by resolvers the cluster's owner runs, at most {@link #MAX_ZONES}
 */
public record TrustedZones(String clusterDomain, List<String> zones) {
    /** Kubernetes' default cluster domain (kubelet's {@code --cluster-domain}). */
    public static final String DEFAULT_CLUSTER_DOMAIN = "cluster.local";
    /** Zones given at most: each is compared with every query name not remembered ({@link RegisteredDomain#query}). */
    public static final int MAX_ZONES = 64;
    /** The longest DNS name, characters (RFC 1035: 255 octets on the wire). */
    static final int MAX_NAME_CHARS = 253;

    /** The reverse zones: every cluster's DNS answers for its pods' and Services' addresses there. */
    static final List<String> REVERSE_ZONES = List.of("in-addr.arpa", "ip6.arpa");

    /**
     * Zones where the clouds name their nodes, answered by the cloud's resolver only:
     * {@code internal}, the top-level domain ICANN reserved for private use (2024), where AWS
     * and Google do ({@code us-west-2.compute.internal}, {@code c.PROJECT.internal}), and
     * {@code internal.cloudapp.net}, Azure's suffix for a virtual network's machines
     * ({@code RANDOM.bx.internal.cloudapp.net}, AKS's nodes among them). A name there is never
     * answered by a server a pod's owner runs, so it carries no tunnel; yet a node asks for many:
     * a pod's search path ends with its node's domain, and with {@code ndots:5} each outside name
     * is first asked under it ({@code api.github.com.us-west-2.compute.internal}). Found in
     * review: eight such names in a minute raised a {@code dns_tunnel} on
     * {@code compute.internal}, and some seventy an {@code exfiltration}; on AKS alike, on
     * {@code internal.cloudapp.net}, its random label making every name look encoded.
     */
    static final List<String> PRIVATE_ZONES = List.of("internal", "internal.cloudapp.net");

    /** The cluster domain {@value #DEFAULT_CLUSTER_DOMAIN} and no other zone. */
    public static final TrustedZones DEFAULTS = new TrustedZones(DEFAULT_CLUSTER_DOMAIN, List.of());

    public TrustedZones {
        clusterDomain = zone(clusterDomain);
        if (zones.size() > MAX_ZONES) {
            throw new IllegalArgumentException("names " + zones.size() + " zones; at most " + MAX_ZONES
                    + " can be trusted (a zone covers every name under it: trust the parent zone)");
        }
        List<String> checked = new ArrayList<>(zones.size());
        for (String z : zones) {
            checked.add(zone(z));
        }
        zones = List.copyOf(checked);
    }

    public static TrustedZones defaults() {
        return DEFAULTS;
    }

    /**
     * A zone as the detectors keep it (lower case, no trailing dot), from the text a person
     * wrote; throws {@link IllegalArgumentException} saying what is wrong and what to write.
     */
    public static String zone(String text) {
        String t = text == null ? "" : text.strip();
        String example = " (write a DNS domain such as corp.example.com)";
        if (t.isEmpty()) {
            throw new IllegalArgumentException("\"\" is empty" + example);
        }
        if (t.endsWith(".") && t.length() > 1) {
            t = t.substring(0, t.length() - 1);
        }
        String z = t.toLowerCase(Locale.ROOT);
        if (z.startsWith("*.")) {
            throw new IllegalArgumentException("\"" + text.strip() + "\" holds a wildcard: write the zone itself ("
                    + z.substring(2) + "), which covers every name under it");
        }
        if (z.length() > MAX_NAME_CHARS) {
            throw new IllegalArgumentException("\"" + text.strip() + "\" is longer than a DNS name (" + MAX_NAME_CHARS
                    + " characters)");
        }
        String[] labels = z.split("\\.", -1);
        for (String label : labels) {
            if (!hostnameLabel(label)) {
                throw new IllegalArgumentException("\"" + text.strip() + "\" is not a DNS domain: labels of 1 to 63 "
                        + "letters, digits and hyphens (not first or last), parted by single dots" + example);
            }
        }
        if (labels[labels.length - 1].chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("\"" + text.strip() + "\" ends in a number: an address is no zone"
                    + example);
        }
        if (!builtIn(z) && InternetDomainName.isValid(z) && InternetDomainName.from(z).isPublicSuffix()) {
            throw new IllegalArgumentException("\"" + text.strip() + "\" is a public suffix: trusting it would pass "
                    + "over every domain registered under it; write your own zone (corp.example." + z + ")");
        }
        return z;
    }

    private static boolean builtIn(String zone) {
        return REVERSE_ZONES.contains(zone) || PRIVATE_ZONES.contains(zone);
    }

    private static boolean hostnameLabel(String label) {
        int n = label.length();
        if (n < 1 || n > 63 || label.charAt(0) == '-' || label.charAt(n - 1) == '-') {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = label.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * True for a name at or below one of the zones (case and a trailing dot ignored). The name
     * is read as {@link io.netwatch.agent.inspect.dns.DnsQuestion#escapedName()} writes it:
     * only an unescaped dot parts labels, so {@code a.svc\.cluster.local} is not in
     * {@code cluster.local}. Never throws.
     */
    public boolean covers(String name) {
        return RegisteredDomain.inZone(name, clusterDomain) || RegisteredDomain.inAnyZone(name, REVERSE_ZONES)
                || RegisteredDomain.inAnyZone(name, PRIVATE_ZONES) || RegisteredDomain.inAnyZone(name, zones);
    }
}
