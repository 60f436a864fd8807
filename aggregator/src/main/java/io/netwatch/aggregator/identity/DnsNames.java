package io.netwatch.aggregator.identity;

import io.netwatch.proto.flow.v1.DNS;
import io.netwatch.proto.flow.v1.DnsAnswer;
import io.netwatch.proto.flow.v1.Flow;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Names for addresses outside the cluster, learnt from the DNS answers the agents saw (as
 * Hubble names its FQDN peers): an address is named by the last query that resolved to it,
 * among the answers of resolvers trusted ({@link DnsResolvers}).
 * Bounded: at most {@code maxNames} addresses, least recently used first out (counted); a
 * name not seen again for {@code maxAge} is forgotten.
 */
public final class DnsNames {
    public static final int DEFAULT_MAX_NAMES = 65_536;
    public static final Duration DEFAULT_MAX_AGE = Duration.ofHours(1);
    /** Answers read per DNS record; agents cap them too, this keeps the cost per flow fixed. */
    static final int MAX_ANSWERS = 32;
    private static final int TYPE_A = 1;
    private static final int TYPE_AAAA = 28;

    private record Named(String name, long seenMillis) {
    }

    private final int maxNames;
    private final long maxAgeMillis;
    private final LinkedHashMap<IpKey, Named> names;
    private long evicted;

    public DnsNames(int maxNames, Duration maxAge) {
        if (maxNames < 1) {
            throw new IllegalArgumentException("DNS names bound must be at least 1, got " + maxNames);
        }
        this.maxNames = maxNames;
        this.maxAgeMillis = maxAge.toMillis();
        this.names = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<IpKey, Named> eldest) {
                if (size() > DnsNames.this.maxNames) {
                    evicted++;
                    return true;
                }
                return false;
            }
        };
    }

    public DnsNames() {
        this(DEFAULT_MAX_NAMES, DEFAULT_MAX_AGE);
    }

    /** Whether the flow carries a DNS response with answers, which could name addresses. */
    public static boolean answers(Flow f) {
        if (!f.hasDns()) {
            return false;
        }
        DNS d = f.getDns();
        return d.getResponse() && d.getRcode() == 0 && d.getAnswersCount() > 0;
    }

    /**
     * Learns the addresses a flow's DNS response gave, if it carries one. The caller decides
     * whether the resolver that gave them is to be believed ({@link DnsResolvers}).
     */
    public void learn(Flow f, long nowMillis) {
        if (!answers(f)) {
            return;
        }
        DNS d = f.getDns();
        int n = Math.min(d.getAnswersCount(), MAX_ANSWERS);
        synchronized (this) {
            for (int i = 0; i < n; i++) {
                DnsAnswer a = d.getAnswers(i);
                if (a.getType() != TYPE_A && a.getType() != TYPE_AAAA) {
                    continue;
                }
                IpKey ip = IpKey.parse(a.getData());
                String name = d.getQuery().isEmpty() ? a.getName() : d.getQuery();
                if (ip != null && !name.isEmpty()) {
                    names.put(ip, new Named(name, nowMillis));
                }
            }
        }
    }

    /** The name last seen for {@code ip}, or null. */
    public synchronized String name(IpKey ip, long nowMillis) {
        Named n = names.get(ip);
        if (n == null) {
            return null;
        }
        if (nowMillis - n.seenMillis() > maxAgeMillis) {
            names.remove(ip);
            return null;
        }
        return n.name();
    }

    public synchronized int size() {
        return names.size();
    }

    /** Names dropped because the bound was reached. */
    public synchronized long evicted() {
        return evicted;
    }
}
