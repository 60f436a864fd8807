package io.netwatch.agent.block;

import java.time.Duration;
import java.util.List;

/**
 * The nft scripts the blocker applies, each as one atomic transaction ({@code nft -f -}).
 * Only values checked by {@link BlockRequests} (parsed addresses, numbers) reach a script.
 *
 * <p>The agent's tables, per family ({@code inet} for routed pod networking, {@code bridge}
 * for pods on a bridge), each with four sets whose elements carry their own timeout:
 * {@code addr4}, {@code addr6} (whole addresses) and {@code port4}, {@code port6}
 * ({@code address . protocol . port}). The drops:
 * <ul>
 *   <li>inet {@code prerouting} (priority raw, before conntrack, so a flood costs no state):
 *       packets from a blocked address, and from an address to its blocked port;</li>
 *   <li>inet {@code forward} (priority filter, after DNAT, so a Service's ClusterIP reaching a
 *       blocked pod is caught): packets to a blocked address, and answers from a blocked port
 *       to its address;</li>
 *   <li>inet {@code output}: the same towards blocked addresses from the node itself;</li>
 *   <li>bridge {@code forward}: both directions, for frames that cross a bridge between two
 *       ports and never reach the IP layer.</li>
 * </ul>
 */
final class NftScript {
    /** Bound on each set: the kernel refuses elements past it (the command fails, counted). */
    static final int SET_SIZE = 65_536;
    static final List<String> FAMILIES = List.of("inet", "bridge");

    private NftScript() {
    }

    /**
     * Creates what is missing and rebuilds the chains; set elements (blocks from an earlier run)
     * stay and expire by themselves. Fails, changing nothing, when a set of the same name has
     * another type.
     */
    static String setup(String table) {
        StringBuilder s = new StringBuilder();
        for (String family : FAMILIES) {
            s.append("add table ").append(family).append(' ').append(table).append('\n');
            for (String[] set : new String[][]{{"addr4", "ipv4_addr"}, {"addr6", "ipv6_addr"},
                    {"port4", "ipv4_addr . inet_proto . inet_service"}, {"port6", "ipv6_addr . inet_proto . inet_service"}}) {
                s.append("add set ").append(family).append(' ').append(table).append(' ').append(set[0])
                        .append(" { type ").append(set[1]).append("; flags timeout; size ").append(SET_SIZE)
                        .append("; }\n");
            }
        }
        chain(s, "inet", table, "prerouting", "prerouting", "raw",
                "ip saddr @addr4", "ip6 saddr @addr6",
                "ip saddr . meta l4proto . th dport @port4", "ip6 saddr . meta l4proto . th dport @port6");
        chain(s, "inet", table, "forward", "forward", "filter",
                "ip daddr @addr4", "ip6 daddr @addr6",
                "ip daddr . meta l4proto . th sport @port4", "ip6 daddr . meta l4proto . th sport @port6");
        chain(s, "inet", table, "output", "output", "filter",
                "ip daddr @addr4", "ip6 daddr @addr6",
                "ip daddr . meta l4proto . th sport @port4", "ip6 daddr . meta l4proto . th sport @port6");
        chain(s, "bridge", table, "forward", "forward", "filter",
                "ip saddr @addr4", "ip6 saddr @addr6", "ip daddr @addr4", "ip6 daddr @addr6",
                "ip saddr . meta l4proto . th dport @port4", "ip6 saddr . meta l4proto . th dport @port6",
                "ip daddr . meta l4proto . th sport @port4", "ip6 daddr . meta l4proto . th sport @port6");
        return s.toString();
    }

    private static void chain(StringBuilder s, String family, String table, String chain, String hook,
                              String priority, String... matches) {
        String name = family + ' ' + table + ' ' + chain;
        s.append("add chain ").append(name).append(" { type filter hook ").append(hook).append(" priority ")
                .append(priority).append("; policy accept; }\n");
        s.append("flush chain ").append(name).append('\n');
        for (String match : matches) {
            s.append("add rule ").append(name).append(' ').append(match).append(" counter drop\n");
        }
    }

    /** One change in a batch. */
    sealed interface Change permits Add, Remove {
        BlockTarget target();
    }

    /** Installs a block, or renews one already there with the new time to live. */
    record Add(BlockTarget target, Duration ttl) implements Change {
    }

    /** Removes a block; nothing happens when there is none. */
    record Remove(BlockTarget target) implements Change {
    }

    /**
     * The changes in order, in both families. An add is add-delete-add (a plain add keeps an
     * existing element's old timeout; a delete of a missing element would fail the whole
     * transaction), a remove is add-delete, so each is idempotent.
     */
    static String changes(String table, List<? extends Change> changes) {
        StringBuilder s = new StringBuilder();
        for (Change c : changes) {
            for (String family : FAMILIES) {
                String set = "element " + family + ' ' + table + ' ' + setName(c.target()) + " { " + element(c.target());
                String timeout = timeout(c instanceof Add a ? a.ttl() : BlockConfig.MIN_TTL);
                s.append("add ").append(set).append(" timeout ").append(timeout).append(" }\n");
                s.append("delete ").append(set).append(" }\n");
                if (c instanceof Add) {
                    s.append("add ").append(set).append(" timeout ").append(timeout).append(" }\n");
                }
            }
        }
        return s.toString();
    }

    /**
     * A timeout as nft prints one ({@code 1d4h}, {@code 2s500ms}): nft 1.0.6 refuses a single
     * number of 100,000,000 ms or more ("value too large"), about 28 h, so a longer time to live
     * must be written in days, hours, minutes, seconds and milliseconds.
     */
    static String timeout(Duration ttl) {
        long ms = ttl.toMillis();
        StringBuilder b = new StringBuilder();
        long[] units = {86_400_000, 3_600_000, 60_000, 1000, 1};
        String[] names = {"d", "h", "m", "s", "ms"};
        for (int i = 0; i < units.length; i++) {
            long n = ms / units[i];
            ms %= units[i];
            if (n > 0) {
                b.append(n).append(names[i]);
            }
        }
        return b.isEmpty() ? "0ms" : b.toString();
    }

    static String setName(BlockTarget t) {
        return (t.hasPort() ? "port" : "addr") + (t.family() == BlockTarget.Family.IPV4 ? '4' : '6');
    }

    static String element(BlockTarget t) {
        return t.hasPort() ? t.addressText() + " . " + t.protocol() + " . " + t.port() : t.addressText();
    }
}
