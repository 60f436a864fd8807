package io.netwatch.aggregator.identity;

import com.google.protobuf.Timestamp;
import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fills in who each end of a flow was when the flow started: the pod (or Service) that held
 * the address then, else for an address outside the cluster a DNS name the agents saw
 * resolve to it (answered by the cluster's DNS: see {@link DnsResolvers}), else its network
 * ({@code /24}, IPv6 {@code /48}), so external peers group.
 * Reads only memory: never waits on the API server.
 *
 * <p><b>The aggregator wins.</b> Agents label flow ends from their copy of the current
 * holders, at export; that copy says who held an address when the record left the node, not
 * when the flow started, and it can be a stream update behind. Here the address's history
 * answers for the flow's start, so when the history knows the address its answer replaces the
 * agent's label (a different label is counted as overruled): a pod deleted and its address
 * reused between the flow's start and its export is never credited with the flow. The
 * agent's label is kept only when the history has nothing for the address (an aggregator
 * restarted, or a history pruned past its grace period), counted as kept.
 */
public final class FlowEnricher {
    /** How external IPv4 addresses without a DNS name are grouped. */
    public static final int IPV4_GROUP_PREFIX = 24;
    /** How external IPv6 addresses without a DNS name are grouped. */
    public static final int IPV6_GROUP_PREFIX = 48;

    private final IdentityIndex index;
    private final DnsNames names;
    private final DnsResolvers resolvers;
    private final AtomicLong overruled = new AtomicLong();
    private final AtomicLong kept = new AtomicLong();
    private final AtomicLong untrustedAnswers = new AtomicLong();

    /** Names learnt from the cluster's DNS and NodeLocal DNSCache only ({@link DnsResolvers#defaults()}). */
    public FlowEnricher(IdentityIndex index, DnsNames names) {
        this(index, names, DnsResolvers.defaults());
    }

    public FlowEnricher(IdentityIndex index, DnsNames names, DnsResolvers resolvers) {
        this.index = Objects.requireNonNull(index, "index");
        this.names = Objects.requireNonNull(names, "names");
        this.resolvers = Objects.requireNonNull(resolvers, "resolvers");
    }

    public Flow enrich(Flow f, long nowMillis) {
        long at = startNanos(f, nowMillis);
        learn(f, at, nowMillis);
        Endpoint s = endpoint(f.getSource(), at, nowMillis);
        Endpoint d = endpoint(f.getDestination(), at, nowMillis);
        if (s == f.getSource() && d == f.getDestination()) {
            return f;
        }
        return f.toBuilder().setSource(s).setDestination(d).build();
    }

    /**
     * Learns the names a DNS response gives, when the end that answered held a trusted
     * resolver's address when the exchange started (see {@link DnsResolvers}); other answers are
     * counted and left out. So are two kinds whose answering address proves nothing:
     * <ul>
     * <li>a response inside a tunnel: the agent reads any datagram to a VXLAN or Geneve port
     *     as one, and the addresses inside are whatever its sender wrote (any pod can send it,
     *     without privilege); the pods' own interfaces show their real exchanges untunnelled;
     * <li>a response to no question the agent saw (its flow began with it, so its sender is the
     *     source): one datagram with the resolver's address forged as its source looks like
     *     that. A capture that began between a question and its answer misses that one name.
     * </ul>
     */
    private void learn(Flow f, long atNanos, long nowMillis) {
        if (!DnsNames.answers(f)) {
            return;
        }
        if (f.getTunnelsCount() > 0 || f.getDns().getResponseFromSource()) {
            untrustedAnswers.incrementAndGet();
            return;
        }
        IpKey server = IpKey.parse(f.getDestination().getIp());
        if (server != null && resolvers.trusts(server, index.at(server, atNanos))) {
            names.learn(f, nowMillis);
        } else {
            untrustedAnswers.incrementAndGet();
        }
    }

    private Endpoint endpoint(Endpoint e, long atNanos, long nowMillis) {
        IpKey ip = IpKey.parse(e.getIp());
        if (ip == null) {
            return e;
        }
        AddressHolder h = index.at(ip, atNanos);
        boolean agentLabelled = e.hasWorkload() && !e.getWorkload().getNamespace().isEmpty();
        if (h != null) {
            if (agentLabelled && !e.getWorkload().equals(h.workload())) {
                overruled.incrementAndGet();
            }
            return e.toBuilder().setWorkload(h.workload()).build();
        }
        if (agentLabelled) {
            if (!index.knows(ip)) {
                // Our history has nothing for the address (restarted, or pruned): the agent's
                // copy is all there is.
                kept.incrementAndGet();
                return e;
            }
            // Our history says nobody held it when the flow started: the agent's label is a
            // later holder's.
            overruled.incrementAndGet();
        }
        String name = names.name(ip, nowMillis);
        String external = name != null ? name : ip.network(ip.v6() ? IPV6_GROUP_PREFIX : IPV4_GROUP_PREFIX);
        return e.toBuilder().setWorkload(Workload.newBuilder().setExternalName(external)).build();
    }

    /** Agent labels replaced because the address's history said otherwise for the flow's start. */
    public long agentLabelsOverruled() {
        return overruled.get();
    }

    /** Agent labels kept because the history had nothing for the address. */
    public long agentLabelsKept() {
        return kept.get();
    }

    /**
     * DNS responses with answers left out: a resolver not trusted gave them, they came inside a
     * tunnel, or they answered no question the agent saw (see {@link #learn}).
     */
    public long untrustedDnsAnswers() {
        return untrustedAnswers.get();
    }

    /** Addresses named by a DNS answer now. */
    public int dnsNames() {
        return names.size();
    }

    /** Names dropped because the bound on named addresses was reached. */
    public long dnsNamesEvicted() {
        return names.evicted();
    }

    /**
     * When the flow started, nanoseconds since the epoch: its first packet's capture time,
     * or the time it was received when an agent sent none (never throws on odd values).
     */
    public static long startNanos(Flow f, long receivedMillis) {
        return f.hasFirstSeen() ? captureNanos(f.getFirstSeen(), receivedMillis) : receivedMillis * 1_000_000L;
    }

    /**
     * An agent's capture time in nanoseconds since the epoch, or the time it was received when
     * the agent's is out of range (never throws on odd values).
     */
    static long captureNanos(Timestamp t, long receivedMillis) {
        long s = t.getSeconds();
        int n = t.getNanos();
        if (s < 0 || s > Long.MAX_VALUE / 1_000_000_000L - 1 || n < 0 || n >= 1_000_000_000) {
            return receivedMillis * 1_000_000L;
        }
        return s * 1_000_000_000L + n;
    }
}
