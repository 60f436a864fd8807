package io.netwatch.aggregator.identity;

import io.netwatch.proto.flow.v1.Endpoint;
import io.netwatch.proto.flow.v1.Flow;
import io.netwatch.proto.flow.v1.Workload;
import java.util.Objects;

/**
 * Fills in who each end of a flow was when the flow started: the pod (or Service) that held
 * the address then, else for an address outside the cluster a DNS name the agents saw
 * resolve to it, else its network ({@code /24}, IPv6 {@code /48}), so external peers group.
 * Reads only memory: never waits on the API server.
 */
public final class FlowEnricher {
    /** How external IPv4 addresses without a DNS name are grouped. */
    public static final int IPV4_GROUP_PREFIX = 24;
    /** How external IPv6 addresses without a DNS name are grouped. */
    public static final int IPV6_GROUP_PREFIX = 48;

    private final IdentityIndex index;
    private final DnsNames names;

    public FlowEnricher(IdentityIndex index, DnsNames names) {
        this.index = Objects.requireNonNull(index, "index");
        this.names = Objects.requireNonNull(names, "names");
    }

    public Flow enrich(Flow f, long nowMillis) {
        names.learn(f, nowMillis);
        long at = startNanos(f, nowMillis);
        Endpoint s = endpoint(f.getSource(), at, nowMillis);
        Endpoint d = endpoint(f.getDestination(), at, nowMillis);
        if (s == f.getSource() && d == f.getDestination()) {
            return f;
        }
        return f.toBuilder().setSource(s).setDestination(d).build();
    }

    private Endpoint endpoint(Endpoint e, long atNanos, long nowMillis) {
        IpKey ip = IpKey.parse(e.getIp());
        if (ip == null) {
            return e;
        }
        AddressHolder h = index.at(ip, atNanos);
        if (h != null) {
            return e.toBuilder().setWorkload(h.workload()).build();
        }
        if (e.hasWorkload() && !e.getWorkload().getNamespace().isEmpty()) {
            // The agent's copy knew it and we do not (any more): keep what it said.
            return e;
        }
        String name = names.name(ip, nowMillis);
        String external = name != null ? name : ip.network(ip.v6() ? IPV6_GROUP_PREFIX : IPV4_GROUP_PREFIX);
        return e.toBuilder().setWorkload(Workload.newBuilder().setExternalName(external)).build();
    }

    /**
     * When the flow started, nanoseconds since the epoch: its first packet's capture time,
     * or the time it was received when an agent sent none (never throws on odd values).
     */
    public static long startNanos(Flow f, long receivedMillis) {
        if (!f.hasFirstSeen()) {
            return receivedMillis * 1_000_000L;
        }
        long s = f.getFirstSeen().getSeconds();
        int n = f.getFirstSeen().getNanos();
        if (s < 0 || s > Long.MAX_VALUE / 1_000_000_000L - 1 || n < 0 || n >= 1_000_000_000) {
            return receivedMillis * 1_000_000L;
        }
        return s * 1_000_000_000L + n;
    }
}
