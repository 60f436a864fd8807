package io.netwatch.agent.score;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Recognises a pod's resolver trying a name under each domain of its search list. Kubernetes
 * writes a pod's {@code resolv.conf} with {@code ndots:5} and the search list
 * {@code NS.svc.CLUSTER svc.CLUSTER CLUSTER} followed by the node's own search domains, so a
 * name of fewer than five dots ({@code api.stripe.com}, {@code redis-cart.shop.svc.cluster.local}
 * written without its final dot) is asked under each in turn, {@code NAME.CLUSTER} last of the
 * cluster's, then {@code NAME.corp.example.com} under each of the node's, then on its own. This
 * class remembers, per client, the names it asked under the cluster domain ({@code NAME}, its
 * <em>stem</em>, from {@code NAME.CLUSTER}), for {@link #WINDOW_NANOS}, and finds in a later
 * query from the same client outside the cluster domain a stem followed by the rest: the search
 * domain it was tried under.
 *
 * <p>It only tells where the stem ends: the caller judges the stem and the search domain's labels
 * (see {@link DnsTunnelDetector#searchPathQuery}), so that a query made to look like a try carries
 * no more unseen than any name. A client's stems asked under the cluster domain cost it nothing
 * (CoreDNS answers them), so none is taken as proof of anything.
 *
 * <p>Bounded: {@link #MAX_CLIENTS} clients in a table whose least recently used entry makes room
 * ({@link #clientEvictions()}); {@link #STEMS_PER_CLIENT} stems each, the earliest replaced first,
 * those replaced within their window counted ({@link #stemOverwrites()}). A stem forgotten only
 * leaves its name judged whole, as before this class. Stems are kept as 64-bit hashes of their
 * characters in lower case, under a secret seed; a query's possible stems end at its labels'
 * boundaries, each looked up once, so a name costs one pass over its characters (the parser's
 * bound: {@link io.netwatch.agent.inspect.dns.DnsParser#MAX_NAME_LENGTH} bytes on the wire) and a
 * look at {@link #STEMS_PER_CLIENT} keys per label. Single-threaded (the capture thread); the
 * counters may be read from any thread. Never throws on a name.
 */
final class SearchPaths {
    /** Clients remembered at most; the least recently used makes room. */
    static final int MAX_CLIENTS = 4096;
    /** Stems remembered per client: its latest names asked under the cluster domain. */
    static final int STEMS_PER_CLIENT = 16;
    /**
     * How long after a stem was asked under the cluster domain a try of it under another domain is
     * recognised: 10 s, two of glibc's default 5-second timeouts (a try under a node's domain waits
     * for the one before it, forwarded upstream, to be answered or to time out).
     */
    static final long WINDOW_NANOS = 10_000_000_000L;

    private final String clusterDomain;
    private final long seed = RecentTable.newSeed();
    private final LruTable<String, Stems> clients = new LruTable<>(MAX_CLIENTS);
    private final AtomicLong overwrites = new AtomicLong();

    /** One client's latest stems; mutable, lives only in {@link #clients}. */
    private static final class Stems {
        final long[] hashes = new long[STEMS_PER_CLIENT];
        final long[] times = new long[STEMS_PER_CLIENT];
        int next;
    }

    /** @param clusterDomain the cluster's domain, in lower case without a trailing dot (see {@link TrustedZones}) */
    SearchPaths(String clusterDomain) {
        this.clusterDomain = clusterDomain;
    }

    /**
     * Remembers the stem of {@code name} when it is under the cluster domain and the stem does not
     * end in {@code svc} or {@code pod}: those are a Service's or a pod's own names
     * ({@code web.shop.svc.CLUSTER}) or a search list's first two tries, answered there or tried
     * again under {@code CLUSTER} alone, never under a node's domain.
     */
    void asked(String client, String name, long nowNanos) {
        int end = name.length();
        if (end > 0 && RegisteredDomain.separator(name, end - 1)) {
            end--;
        }
        if (!RegisteredDomain.inZone(name, clusterDomain)) {
            return;
        }
        int stemEnd = end - clusterDomain.length() - 1;
        if (stemEnd <= 0 || endsWithLabel(name, stemEnd, "svc") || endsWithLabel(name, stemEnd, "pod")) {
            return;
        }
        long h = seed;
        for (int i = 0; i < stemEnd; i++) {
            h = step(h, name.charAt(i));
        }
        long key = finish(h);
        Stems s = clients.get(client);
        if (s == null) {
            s = new Stems();
            clients.put(client, s);
        }
        for (int i = 0; i < STEMS_PER_CLIENT; i++) {
            if (s.hashes[i] == key) {
                s.times[i] = nowNanos;
                return;
            }
        }
        int slot = s.next;
        if (s.hashes[slot] != 0 && Math.abs(nowNanos - s.times[slot]) <= WINDOW_NANOS) {
            overwrites.lazySet(overwrites.get() + 1);
        }
        s.hashes[slot] = key;
        s.times[slot] = nowNanos;
        s.next = (slot + 1) % STEMS_PER_CLIENT;
    }

    /**
     * Where the stem ends in the name {@code subdomain.domain} (a {@link RegisteredDomain.Split}'s
     * parts, read as one name without building it): the index of the dot after the longest stem the
     * client asked under the cluster domain within {@link #WINDOW_NANOS}, -1 when none. The dot is
     * a label boundary, so what follows it is at least one whole label.
     */
    int stemEnd(String client, String subdomain, String domain, long nowNanos) {
        Stems s = clients.get(client);
        if (s == null) {
            return -1;
        }
        int found = -1;
        long h = seed;
        int sub = subdomain.length();
        for (int i = 0; i < sub; i++) {
            if (RegisteredDomain.separator(subdomain, i) && known(s, finish(h), nowNanos)) {
                found = i;
            }
            h = step(h, subdomain.charAt(i));
        }
        if (sub > 0) {
            if (known(s, finish(h), nowNanos)) {
                found = sub;
            }
            h = step(h, '.');
        }
        // The domain's own labels: a search domain with no registered domain of its own (lan) leaves
        // the stem's last label in it.
        for (int i = 0, n = domain.length(); i < n; i++) {
            if (RegisteredDomain.separator(domain, i) && known(s, finish(h), nowNanos)) {
                found = sub + (sub > 0 ? 1 : 0) + i;
            }
            h = step(h, domain.charAt(i));
        }
        return found;
    }

    private static boolean known(Stems s, long key, long nowNanos) {
        for (int i = 0; i < STEMS_PER_CLIENT; i++) {
            if (s.hashes[i] == key && Math.abs(nowNanos - s.times[i]) <= WINDOW_NANOS) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code name[0, end)} ends with the label {@code label} (the whole label). */
    private static boolean endsWithLabel(String name, int end, String label) {
        int at = end - label.length();
        return at >= 0 && name.regionMatches(true, at, label, 0, label.length())
                && (at == 0 || RegisteredDomain.separator(name, at - 1));
    }

    private static long step(long h, char c) {
        char lower = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
        return (h ^ lower) * 0x100000001b3L;
    }

    /** A stem's key (never 0, an empty slot's). */
    private static long finish(long h) {
        long z = (h ^ (h >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        z ^= z >>> 31;
        return z == 0 ? 1 : z;
    }

    /** Clients forgotten to make room for others, with whatever stems they held. */
    long clientEvictions() {
        return clients.evictions();
    }

    /** Stems replaced by a newer one of their client's within their window. */
    long stemOverwrites() {
        return overwrites.get();
    }
}
